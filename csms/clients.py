"""Who is calling: the client's address, the same way for every part of the CSMS.

Behind CSMS_TRUSTED_PROXIES reverse proxies, each proxy appends the address it
saw to X-Forwarded-For, so only the last CSMS_TRUSTED_PROXIES entries were
written by someone we trust; the one the outermost trusted proxy wrote is the
client. Anything to the left of it the client wrote itself. This is also how
DRF's throttles read the header (REST_FRAMEWORK["NUM_PROXIES"]), so a throttle,
a login lock-out and a charger's recorded address name the same client.
"""

import ipaddress

from django.conf import settings


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address, given the TCP peer and the X-Forwarded-For header, if any."""
    proxies = settings.CSMS_TRUSTED_PROXIES
    if not proxies or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if not hops:
        return peer
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # A proxy that writes something other than an address is misconfigured;
        # the peer is at least a real address (that of the proxy).
        return peer


def request_client_address(request) -> str | None:
    """An HTTP request's client (also django-axes's AXES_CLIENT_IP_CALLABLE)."""
    meta = request.META
    return client_address(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"))


def scope_client_address(scope) -> str | None:
    """A WebSocket connection's client, from its ASGI scope."""
    peer = (scope.get("client") or (None, None))[0]
    forwarded = [value for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"]
    return client_address(peer, b",".join(forwarded).decode("latin-1") if forwarded else None)
