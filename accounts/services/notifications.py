"""Notifications to drivers (seed 003): one driver's, or everyone's."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Notification, User
from accounts.services.live import NOTIFICATION, everyone_note, user_note


def notification_create(
    *,
    user: User | None,
    type: str,
    title: str,
    message: str,
    transaction_id: int | None = None,
) -> Notification:
    """A notification to ``user``, or to everyone when ``user`` is None."""
    notification = Notification(
        user=user,
        type=type,
        title=title[:200],
        message=message,
        transaction_id=transaction_id,
    )
    notification.full_clean()
    notification.save()
    # Open live sockets show it at once. One to everyone is one note that
    # every socket hears, not a note per user: there may be many users.
    if user is None:
        everyone_note(what=NOTIFICATION, id=notification.pk)
    else:
        user_note(user_id=user.pk, what=NOTIFICATION, id=notification.pk)
    return notification


def notifications_visible(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications and those to everyone sent since they joined.

    ``read`` is annotated per user: a notification to everyone is read once
    this user has read it, whoever else did.
    """
    read_by_user = Notification.read_by.through.objects.filter(
        notification_id=OuterRef("pk"), user_id=user.pk
    )
    return (
        Notification.objects.filter(
            Q(user=user) | Q(user__isnull=True, created_at__gte=user.date_joined)
        )
        .annotate(read=Q(is_read=True, user__isnull=False) | Exists(read_by_user))
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def notifications_mark_read(*, user: User, notifications: QuerySet[Notification]) -> int:
    """Mark notifications read for ``user``; returns how many were unread."""
    own = notifications.filter(user=user, is_read=False)
    count = own.update(is_read=True)
    shared = notifications.filter(user__isnull=True).exclude(read_by=user)
    through = Notification.read_by.through
    rows = [
        through(notification_id=pk, user_id=user.pk) for pk in shared.values_list("pk", flat=True)
    ]
    through.objects.bulk_create(rows, ignore_conflicts=True)
    return count + len(rows)
