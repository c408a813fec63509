"""Accounts behaviour. Interfaces (admin, API, commands) call these."""

from accounts.services.notifications import (
    notification_create,
    notifications_mark_read,
    notifications_visible,
)
from accounts.services.users import (
    idtags_set_revoked,
    profile_clear_payment_card,
    profile_ensure,
    profile_set_payment_card,
    user_create,
)

__all__ = [
    "idtags_set_revoked",
    "notification_create",
    "notifications_mark_read",
    "notifications_visible",
    "profile_clear_payment_card",
    "profile_ensure",
    "profile_set_payment_card",
    "user_create",
]
