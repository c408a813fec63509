"""Who may do what through the API.

Three kinds of caller: operators (staff) see and act on everything;
drivers see and act on their own data; anonymous callers read public
locations and live availability only.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions


def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class IsOperator(BasePermission):
    """Staff only, for reading and writing."""

    def has_permission(self, request, view) -> bool:
        return is_operator(request.user)


class MayCommandChargers(BasePermission):
    """Staff who may change charge points: acting on a charger is changing it, as in the admin."""

    def has_permission(self, request, view) -> bool:
        return is_operator(request.user) and request.user.has_perm(
            "chargepoints.change_chargepoint"
        )


class OperatorWrites(DjangoModelPermissions):
    """Reading is open to whoever the view's queryset lets see the objects;
    writing takes a staff user with the model permission, as in the admin."""

    authenticated_users_only = False

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return is_operator(request.user) and super().has_permission(request, view)


class OwnedOrOperator:
    """Queryset mixin: drivers get their own rows, operators every row."""

    owner_field = "user"

    def get_queryset(self):
        return self.visible(super().get_queryset(), self.request.user, self.owner_field)

    @staticmethod
    def visible(queryset, user, owner_field: str = "user"):
        if is_operator(user):
            return queryset
        if not user.is_authenticated:
            return queryset.none()
        return queryset.filter(**{owner_field: user})
