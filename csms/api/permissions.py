"""Who may do what through the API: the caller's Django model permissions.

Three kinds of caller. A user with a model permission acts on every row of
that model as far as the permission goes: view to read, add, change or
delete to write (held directly or through a group: Operators, Support,
accounts/migrations/0003_operator_groups.py). A driver sees and acts on their
own rows. Anonymous callers read public locations and live availability.
``is_staff`` grants nothing here: it only lets a user into the admin, where
the same permissions apply (docs/architecture.md, rule 11).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions


def holds(user, *perms: str) -> bool:
    """Whether ``user`` holds every one of ``perms``; anonymous and inactive users hold none."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perms(perms))


def holds_any(user) -> bool:
    """Whether ``user`` holds any model permission at all (a superuser holds them all)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or bool(user.get_all_permissions())


def model_permission(model, action: str) -> str:
    """Django's name of a model's default permission: ``<app_label>.<action>_<model_name>``."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def sees_all(user, model) -> bool:
    """Whether ``user`` may read every row of ``model``, not only their own."""
    return holds(user, model_permission(model, "view"))


def requires(*perms: str) -> type[BasePermission]:
    """A permission class that lets through callers who hold every one of ``perms``."""

    class Requires(BasePermission):
        def has_permission(self, request, view) -> bool:
            return holds(request.user, *perms)

    Requires.__name__ = Requires.__qualname__ = f"Requires({', '.join(perms)})"
    return Requires


_VIEW = "%(app_label)s.view_%(model_name)s"


class ModelRights(DjangoModelPermissions):
    """The model permission of what the request does, reading included (view)."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": [_VIEW], "HEAD": [_VIEW]}

    def has_permission(self, request, view) -> bool:
        if request.method.lower() not in view.http_method_names:
            # Not served at all: the view answers 405, whatever the caller may do.
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


class ModelWrites(DjangoModelPermissions):
    """Reading is open to whoever the view's queryset lets see the objects;
    writing takes the model permission (add, change, delete), as in the admin."""

    authenticated_users_only = False

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # Strangers are refused before the view is asked for its queryset,
        # which may look up a parent object (a charge point's connectors).
        return bool(request.user and request.user.is_authenticated) and super().has_permission(
            request, view
        )


def rows_visible(queryset, user, owner_field: str = "user"):
    """Every row for a user with the model's view permission; their own for anyone else."""
    if sees_all(user, queryset.model):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{owner_field: user})


class OwnedOrPermitted:
    """Viewset mixin: the caller's own rows, and other people's as far as their permissions go.

    Seeing someone else's row takes the model's view permission (``rows_visible``);
    acting on it takes the permission of the action: ``others_need`` names it
    per action, otherwise it is the model's change permission (delete for
    DELETE). The owner needs none: a driver acts on their own things.
    """

    owner_field = "user"
    others_need: dict[str, tuple[str, ...]] = {}

    def get_queryset(self):
        return rows_visible(super().get_queryset(), self.request.user, self.owner_field)

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method in SAFE_METHODS:
            return
        if getattr(obj, f"{self.owner_field}_id") == request.user.pk:
            return
        if not holds(request.user, *self.permissions_for_others(obj)):
            self.permission_denied(request, message="You may only read this; it is not yours.")

    def permissions_for_others(self, obj) -> tuple[str, ...]:
        if self.action in self.others_need:
            return self.others_need[self.action]
        action = "delete" if self.request.method == "DELETE" else "change"
        return (model_permission(type(obj), action),)
