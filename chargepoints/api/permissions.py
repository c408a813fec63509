from rest_framework.permissions import BasePermission


class IsOperator(BasePermission):
    """Staff who may change charge points: acting on a charger is changing it, as in the admin."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_staff
            and user.has_perm("chargepoints.change_chargepoint")
        )
