"""How lists come in pages: by number for small lists, by cursor for lists that grow.

A page number shifts when rows arrive: page 2 asked a minute after page 1
repeats rows, or skips them when rows go. Lists that grow (transactions,
sessions, commands, notifications, meter values, reservations, CDRs) page by
an opaque cursor instead: ``next`` continues after the last row shown,
whatever arrived meanwhile. ``page_size`` over the maximum is a 400, not a
silent cap: an integration must know it got fewer rows than it asked for.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 500


class _PageSize:
    """``?page_size=`` from 1 to ``max_page_size``; anything else is a 400."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            message = _("Give a whole number from 1 to %(maximum)d.") % {
                "maximum": self.max_page_size
            }
            raise ValidationError({self.page_size_query_param: [message]}, code="invalid")
        return int(raw)


_LINK = "The URL of the {which} page (query kept); null {when}."


def _described(schema: dict, results: str, **links: str) -> dict:
    """DRF's page schema with each member described and the example links of ours."""
    properties = schema["properties"]
    for name, (description, example) in links.items():
        properties[name]["description"] = description
        properties[name]["example"] = example
    # drf-spectacular also asks with a placeholder for results, to page an example.
    if isinstance(properties["results"], dict):
        properties["results"]["description"] = results
    return schema


class Pagination(_PageSize, PageNumberPagination):
    """``?page=N&page_size=M``, for small lists that hardly change (locations, tariffs)."""

    def get_paginated_response_schema(self, schema):
        page = "https://csms.example.com/api/v1/locations/?page={}"
        described = _described(
            super().get_paginated_response_schema(schema),
            "The rows of this page.",
            next=(_LINK.format(which="next", when="on the last page"), page.format(3)),
            previous=(_LINK.format(which="previous", when="on the first page"), page.format(1)),
        )
        described["properties"]["count"].update(
            description="How many rows the whole list has.", example=120
        )
        return described


class CursorPage(_PageSize, CursorPagination):
    """``?cursor=…&page_size=M``: pages that do not shift as rows arrive.

    The order is the view's (its ``ordering``, or ``?ordering=`` over its
    ``ordering_fields``); the cursor holds the position of the first ordering
    field, so that field must never be null, and ties are told apart by how
    many rows of the same value were shown. With ``updated_after`` the order
    is by time of change, oldest first (csms.api.filters.Ordering).
    """

    invalid_cursor_message = _("Invalid cursor: use the next or previous link as given.")

    def get_paginated_response_schema(self, schema):
        page = "https://csms.example.com/api/v1/sessions/?cursor=cD0yMDI2LTEyLTAy"
        return _described(
            super().get_paginated_response_schema(schema),
            "The rows of this page, in the list's order.",
            next=(_LINK.format(which="next", when="when there are no more rows"), page),
            previous=(_LINK.format(which="previous", when="on the first page"), None),
        )

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise self._invalid() from None
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            # A cursor edited by hand holds a position the ordering field cannot take.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise self._invalid() from None

    def _invalid(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
