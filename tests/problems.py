"""Reading the API's error answers (RFC 9457 problem details) in tests."""

import json

PROBLEM = "application/problem+json"


def problem(response, status: int, code: str | None = None) -> dict:
    """The problem body of ``response``, after checking its status, type and code."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    body = json.loads(response.content)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


def field_errors(body) -> dict[str, list[str]]:
    """A 400's field errors as ``{field: [message, ...]}``, as DRF used to show them.

    Errors about the request as a whole are under "non_field_errors"; a
    nested field under its dotted path (``location.latitude``).
    """
    if hasattr(body, "content"):
        body = json.loads(body.content)
    errors: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        errors.setdefault(error["field"] or "non_field_errors", []).append(error["message"])
    return errors


def error_codes(body) -> dict[str, list[str]]:
    """A 400's field errors as ``{field: [code, ...]}``."""
    if hasattr(body, "content"):
        body = json.loads(body.content)
    codes: dict[str, list[str]] = {}
    for error in body.get("errors", []):
        codes.setdefault(error["field"] or "non_field_errors", []).append(error["code"])
    return codes


def fields_at_fault(body) -> set[str]:
    """The top-level fields a 400 names (``tariff_ids`` for ``tariff_ids.0``)."""
    return {field.partition(".")[0] for field in field_errors(body)}
