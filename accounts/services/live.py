"""Notes to a driver's live socket (WebSocket /ws/v1/live/): "something of yours changed".

A service that changes what a driver follows (a session, a notification, a
charger the driver is charging at) notes it with ``user_note``. The note
leaves once the database transaction commits (nobody must hear of a change
that was rolled back) and says only what changed, never the data: the
socket reads the row when the note arrives and sends it as the REST API
shows it, so a socket never shows what its user may not see, and several
notes of one row cost one read of its state at that time.

Inside the gateway's batches of charger messages the notes are collected
(``user_notes_collected``, opened by chargepoints.services.live.live_outbox)
and published with the batch's other live updates, one message per user and
batch with its notes each once; elsewhere each note is sent on its own after
the commit (csms/sockets.py). A failure to publish is logged, never raised:
a note runs on a charger's message path, and the change is stored whether or
not anyone listens.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from csms.sockets import group_send_on_commit

# What a note is about; the id is the row's public id (a session's
# session_id, a notification's id, a charger's chargepoint_id).
SESSION, NOTIFICATION, CHARGER = "session", "notification", "charger"
NOTE_KINDS = (SESSION, NOTIFICATION, CHARGER)
# The channel-layer message a live socket handles (UserLiveConsumer.user_notes).
USER_NOTES = "user.notes"
# Every live socket listens here too: a notification to everyone is one
# note, not one per user (each socket checks its user may see it).
EVERYONE_GROUP = "users.everyone"

_local = threading.local()


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's live sockets."""
    return f"user.{int(user_id)}"


def user_note(*, user_id: int | None, what: str, id) -> None:
    """Tell the user's live sockets that ``what`` ``id`` changed, once the commit succeeds."""
    if user_id is None:
        return
    _note(group=user_group(user_id), what=what, id=id)


def everyone_note(*, what: str, id) -> None:
    """Tell every live socket that ``what`` ``id`` changed (a notification to everyone)."""
    _note(group=EVERYONE_GROUP, what=what, id=id)


def _note(*, group: str, what: str, id) -> None:
    if what not in NOTE_KINDS:
        raise ValueError(f"Unknown note kind {what!r}")
    # Plain text: a UUID or a number would not survive msgpack (Redis) the same.
    note = {"what": what, "id": str(id)}
    outbox = getattr(_local, "outbox", None)
    if outbox is None:
        group_send_on_commit(groups=[group], message={"type": USER_NOTES, "notes": [note]})
        return

    def collect() -> None:
        message = outbox.get(group)
        if message is None:
            message = outbox[group] = {"type": USER_NOTES, "notes": []}
        if note not in message["notes"]:
            message["notes"].append(note)

    transaction.on_commit(collect)


@contextmanager
def user_notes_collected(outbox: dict[str, dict]) -> Iterator[dict[str, dict]]:
    """Collect the notes committed inside the block into ``outbox`` (group -> message)."""
    previous = getattr(_local, "outbox", None)
    _local.outbox = outbox
    try:
        yield outbox
    finally:
        _local.outbox = previous
