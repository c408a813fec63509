"""Paginated GET of a list (OCPI 2.2.1 transport §4.1.4.1, pagination).

``offset`` and ``limit`` page through the objects, oldest first, so that a
partner crawling the ``Link: rel="next"`` headers never misses one;
``date_from`` (inclusive) and ``date_to`` (exclusive) select by ``last_updated``.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse

from billing.ocpi.responses import invalid_parameters, ocpi_response

# Our upper bound on objects per page, told to partners in X-Limit.
MAX_LIMIT = 100

# OCPI 2.2.1 types §16.2: UTC, "Z" or no designator, optional fractional
# seconds. An offset, even +00:00, is not allowed.
_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?Z?"
)
# Eighteen digits still fit a 64-bit OFFSET in every database.
_NON_NEGATIVE_INT = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int
    date_from: datetime.datetime | None
    date_to: datetime.datetime | None


def parse_datetime(value: str, *, name: str) -> datetime.datetime:
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise invalid_parameters(f"{name} must be an OCPI DateTime, e.g. 2019-01-28T12:00:00Z.")
    seconds, fraction = match.groups()
    try:
        moment = datetime.datetime.fromisoformat(seconds)
    except ValueError:
        raise invalid_parameters(f"{name} is not a valid date and time.") from None
    microseconds = int((fraction or "0")[:6].ljust(6, "0"))
    return moment.replace(microsecond=microseconds, tzinfo=datetime.UTC)


def _non_negative_int(request: HttpRequest, name: str, default: int) -> int:
    value = request.GET.get(name)
    if value is None:
        return default
    if not _NON_NEGATIVE_INT.fullmatch(value):
        raise invalid_parameters(f"{name} must be a non-negative integer.")
    return int(value)


def page_request(request: HttpRequest, *, date_from_required: bool = False) -> PageRequest:
    """The paging parameters, validated. A limit above ours is lowered to ours."""
    dates: dict[str, datetime.datetime | None] = {}
    for name in ("date_from", "date_to"):
        value = request.GET.get(name)
        dates[name] = parse_datetime(value, name=name) if value is not None else None
    if date_from_required and dates["date_from"] is None:
        raise invalid_parameters("date_from is required.")
    return PageRequest(
        offset=_non_negative_int(request, "offset", 0),
        limit=min(_non_negative_int(request, "limit", MAX_LIMIT), MAX_LIMIT),
        date_from=dates["date_from"],
        date_to=dates["date_to"],
    )


def filter_updated(queryset: QuerySet, page: PageRequest, *, field: str) -> QuerySet:
    if page.date_from is not None:
        queryset = queryset.filter(**{f"{field}__gte": page.date_from})
    if page.date_to is not None:
        queryset = queryset.filter(**{f"{field}__lt": page.date_to})
    return queryset


def _next_link(request: HttpRequest, *, offset: int, limit: int) -> str:
    # The next page keeps the request's filters (transport §4.1.4.1).
    params = request.GET.copy()
    params["offset"] = str(offset)
    params["limit"] = str(limit)
    url = request.build_absolute_uri(request.path)
    return f'<{url}?{params.urlencode(safe=":")}>; rel="next"'


def paginated_response(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    page: PageRequest,
    to_ocpi: Callable[[Iterable[Any]], list[dict[str, Any]]],
) -> JsonResponse:
    """One page of ``queryset`` (already filtered and ordered) with the paging headers."""
    total = queryset.count()
    rows = list(queryset[page.offset : page.offset + page.limit]) if page.limit else []
    headers = {"X-Total-Count": str(total), "X-Limit": str(page.limit)}
    following = page.offset + page.limit
    # With limit=0 a "next" page would be this one again: a client would loop.
    if page.limit and following < total:
        headers["Link"] = _next_link(request, offset=following, limit=page.limit)
    return ocpi_response(to_ocpi(rows), headers=headers)
