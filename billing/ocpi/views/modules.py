"""Sender interfaces that are plain paginated lists: tariffs (§11.2.1),
sessions (§9.2.1) and CDRs (§10.2.1)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from billing.ocpi.auth import ocpi_endpoint
from billing.ocpi.pagination import filter_updated, page_request, paginated_response
from billing.ocpi.responses import not_found, ocpi_response
from billing.ocpi.selectors import ocpi_cdrs, ocpi_sessions, ocpi_tariffs
from billing.ocpi.sessions import cdr_ocpi, session_ocpi
from billing.snapshots import tariff_ocpi


@ocpi_endpoint(module=True)
def tariff_list(request: HttpRequest) -> JsonResponse:
    page = page_request(request)
    return paginated_response(
        request,
        queryset=filter_updated(ocpi_tariffs(), page, field="last_updated"),
        page=page,
        to_ocpi=lambda tariffs: [tariff_ocpi(tariff) for tariff in tariffs],
    )


@ocpi_endpoint(module=True)
def session_list(request: HttpRequest) -> JsonResponse:
    # Sessions §9.2.1.1: date_from is required here, unlike the other lists.
    page = page_request(request, date_from_required=True)
    # Only the sessions of tokens it issued, unless allowed ours (selectors).
    partner = request.ocpi_partner
    return paginated_response(
        request,
        queryset=filter_updated(ocpi_sessions(partner=partner), page, field="updated_at"),
        page=page,
        to_ocpi=lambda transactions: [session_ocpi(tx, partner=partner) for tx in transactions],
    )


@ocpi_endpoint(module=True)
def cdr_list(request: HttpRequest) -> JsonResponse:
    page = page_request(request)
    partner = request.ocpi_partner
    return paginated_response(
        request,
        queryset=filter_updated(ocpi_cdrs(partner=partner), page, field="last_updated"),
        page=page,
        to_ocpi=lambda cdrs: [cdr_ocpi(cdr, partner=partner) for cdr in cdrs],
    )


@csrf_exempt
def unknown(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other path under /ocpi/: an OCPI-shaped 404, not Django's HTML page."""
    error = not_found("No such OCPI endpoint.")
    return ocpi_response(
        status_code=error.status_code, message=error.message, http_status=error.http_status
    )
