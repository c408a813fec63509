"""Version information and details (OCPI 2.2.1 §6): where our endpoints are."""

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from billing.ocpi.auth import ocpi_endpoint
from billing.ocpi.credentials import VERSION
from billing.ocpi.responses import ocpi_response

# (ModuleID, InterfaceRole, URL name). We are a CPO offering data to pull.
# §6.2.2: SENDER is the advised role for one's own credentials endpoint.
ENDPOINTS = [
    ("credentials", "SENDER", "ocpi:credentials"),
    ("locations", "SENDER", "ocpi:locations"),
    ("sessions", "SENDER", "ocpi:sessions"),
    ("cdrs", "SENDER", "ocpi:cdrs"),
    ("tariffs", "SENDER", "ocpi:tariffs"),
    ("commands", "RECEIVER", "ocpi:commands"),
    ("tokens", "RECEIVER", "ocpi:tokens"),
]


def versions_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("ocpi:versions"))


@ocpi_endpoint(registration=True)
def versions(request: HttpRequest) -> JsonResponse:
    """§6.1: the versions we speak, with absolute URLs (a partner calls them as given)."""
    details = request.build_absolute_uri(reverse("ocpi:details"))
    return ocpi_response([{"version": VERSION, "url": details}])


@ocpi_endpoint(registration=True)
def version_details(request: HttpRequest) -> JsonResponse:
    """§6.2: our 2.2.1 endpoints."""
    endpoints = [
        {"identifier": module, "role": role, "url": request.build_absolute_uri(reverse(name))}
        for module, role, name in ENDPOINTS
    ]
    return ocpi_response({"version": VERSION, "endpoints": endpoints})
