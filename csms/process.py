"""This server process's identity, as its heartbeat row and its chargers' rows name it."""

import uuid

# New on every start: a restarted process is a new one, and the chargers the
# old one held are not mistaken for its own.
PROCESS_ID = uuid.uuid4().hex
