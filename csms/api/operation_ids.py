"""Operation ids that a client generator turns into good method names.

An id is the resource, singular, then a verb: ``session_list``,
``session_get``, ``vehicle_create``, ``charge_point_replace`` (PUT),
``charge_point_update`` (PATCH), ``charge_point_delete``; a POST to a route
that is no collection is the action it names: ``session_stop``,
``id_tag_block``, ``auth_login``. The resource is read from the route's fixed
segments (``/charge-points/{id}/connectors/`` is ``charge_point_connector``),
so ids are stable as long as the routes are. A view may still choose its
own with ``@extend_schema(operation_id=...)`` where creating is better said
by what it does (``session_start``, ``charge_point_command_send``,
``notification_send``).
"""

import re

VERBS = {"PUT": "replace", "PATCH": "update", "DELETE": "delete"}


def singular(segment: str) -> str:
    """``charge_points`` -> ``charge_point``; ``status`` and ``access`` stay."""
    if segment.endswith("s") and not segment.endswith(("ss", "us")):
        return segment[:-1]
    return segment


def is_collection(segment: str) -> bool:
    return singular(segment) != segment


def operation_id(*, path: str, method: str, is_list: bool) -> str:
    """The operation id of ``method`` on ``path`` (the route without its prefix)."""
    segments = [
        part.replace("-", "_")
        for part in path.strip("/").split("/")
        if part and not re.fullmatch(r"\{[\w-]+\}", part)
    ] or ["root"]
    if method == "GET":
        verb = "list" if is_list else "get"
    elif method == "POST" and not is_collection(segments[-1]):
        # An action on what precedes it: /sessions/{id}/stop/ is session_stop.
        verb = segments.pop()
    else:
        verb = VERBS.get(method, "create")
    return "_".join([singular(segment) for segment in segments] + [verb])
