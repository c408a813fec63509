"""Locations Sender interface (OCPI 2.2.1 locations §8.2.1): the list, and one
Location, EVSE or Connector."""

from django.http import HttpRequest, JsonResponse

from billing.ocpi.auth import ocpi_endpoint
from billing.ocpi.fields import OCPI_ID
from billing.ocpi.locations import (
    Evse,
    connector_ocpi,
    evse_connector_find,
    evse_find,
    evse_ocpi,
    location_ocpi,
)
from billing.ocpi.pagination import filter_updated, page_request, paginated_response
from billing.ocpi.responses import UNKNOWN_LOCATION, not_found, ocpi_response
from billing.ocpi.selectors import ocpi_location_list, ocpi_locations
from chargepoints.models import Connector, Location


@ocpi_endpoint(module=True)
def location_list(request: HttpRequest) -> JsonResponse:
    page = page_request(request)
    queryset = filter_updated(ocpi_location_list(), page, field="ocpi_last_updated")
    return paginated_response(
        request,
        queryset=queryset,
        page=page,
        to_ocpi=lambda locations: [location_ocpi(location) for location in locations],
    )


def _location(location_id: str) -> Location:
    location = None
    if OCPI_ID.fullmatch(location_id):
        location = ocpi_locations().filter(pk=location_id).first()
    if location is None:
        raise not_found("Unknown location.", status_code=UNKNOWN_LOCATION)
    return location


def _evse(location: Location, uid: str) -> Evse:
    evse = evse_find(location, uid)
    if evse is None:
        raise not_found("Unknown EVSE at this location.", status_code=UNKNOWN_LOCATION)
    return evse


def _connector(evse: Evse, connector_id: str) -> Connector:
    connector = evse_connector_find(evse, connector_id)
    if connector is None:
        raise not_found("Unknown connector at this EVSE.", status_code=UNKNOWN_LOCATION)
    return connector


@ocpi_endpoint(module=True)
def location_detail(request: HttpRequest, location_id: str) -> JsonResponse:
    return ocpi_response(location_ocpi(_location(location_id)))


@ocpi_endpoint(module=True)
def evse_detail(request: HttpRequest, location_id: str, evse_uid: str) -> JsonResponse:
    return ocpi_response(evse_ocpi(_evse(_location(location_id), evse_uid)))


@ocpi_endpoint(module=True)
def connector_detail(
    request: HttpRequest, location_id: str, evse_uid: str, connector_id: str
) -> JsonResponse:
    evse = _evse(_location(location_id), evse_uid)
    return ocpi_response(connector_ocpi(_connector(evse, connector_id)))
