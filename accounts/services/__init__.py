"""Accounts behaviour. Interfaces (admin, API, commands) call these."""

from accounts.services.login import AccountUnavailable, user_authenticate
from accounts.services.notifications import (
    notification_create,
    notifications_mark_read,
    notifications_visible,
)
from accounts.services.profiles import (
    profile_clear_payment_card,
    profile_ensure,
    profile_set_payment_card,
    profile_update,
)
from accounts.services.tags import idtag_find, idtag_register, idtag_status, idtags_set_revoked
from accounts.services.tokens import (
    auth_token_group,
    auth_token_issue,
    auth_token_revoke,
    auth_tokens_revoke,
    user_tokens_revoke,
)
from accounts.services.users import (
    user_create,
    user_may_manage,
    user_register,
    user_set_status,
    user_update,
)
from accounts.services.vehicles import vehicle_create, vehicle_update

__all__ = [
    "AccountUnavailable",
    "auth_token_group",
    "auth_token_issue",
    "auth_token_revoke",
    "auth_tokens_revoke",
    "idtag_find",
    "idtag_register",
    "idtag_status",
    "idtags_set_revoked",
    "notification_create",
    "notifications_mark_read",
    "notifications_visible",
    "profile_clear_payment_card",
    "profile_ensure",
    "profile_set_payment_card",
    "profile_update",
    "user_authenticate",
    "user_create",
    "user_may_manage",
    "user_register",
    "user_set_status",
    "user_tokens_revoke",
    "user_update",
    "vehicle_create",
    "vehicle_update",
]
