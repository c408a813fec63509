"""Which partner URLs this server may call, checked as it connects.

A partner gives us its versions URL, and its answers give us more URLs; this
server calls them. Unchecked, a partner could make us call our own network
(a database port on 127.0.0.1, cloud metadata on 169.254.169.254) and read
from our answers what listens there (issue 15, finding 8). So:

- a URL is https:// (plain http:// only with DEBUG, for a partner on a
  developer's machine);
- every address its host resolves to is a public one, unless
  settings.CSMS_OCPI_ALLOW_PRIVATE_URLS says partners sit on a private
  interconnect.

The addresses are checked when the connection is made, and the connection
goes to the addresses checked: a name checked earlier may resolve elsewhere
by the time we call (DNS rebinding).
"""

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings


class UnsafePartnerUrl(OSError):
    """A partner URL we refuse to call. An OSError, so urllib reports it as it
    reports any connection that could not be made."""


def partner_url_check(url: str) -> None:
    """Refuse a URL whose scheme we do not call; its host is checked on connecting."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and settings.DEBUG):
        return
    raise UnsafePartnerUrl(f"{url} is refused: partner URLs must be https://.")


def _refusal(host: str, address: str) -> str | None:
    ip = ipaddress.ip_address(address.partition("%")[0])  # an IPv6 zone is no part of it
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 reaches 127.0.0.1, and 6to4's 2002:7f00:1:: is
        # routed to it by a 6to4 relay; deprecated site-local fec0::/10 is
        # private by another name.
        if ip.ipv4_mapped is not None or ip.sixtofour is not None:
            ip = ip.ipv4_mapped or ip.sixtofour
        elif ip.is_site_local:
            return f"{host} resolves to {ip}, a site-local address: partner URLs must be public."
    kinds = {
        "loopback": ip.is_loopback,
        "link-local": ip.is_link_local,
        "private": ip.is_private,
        "unspecified": ip.is_unspecified,
        "multicast": ip.is_multicast,
        "reserved": ip.is_reserved,
        # Shared (100.64.0.0/10) and the other special ranges Python knows.
        "non-global": not ip.is_global,
    }
    kind = next((name for name, matches in kinds.items() if matches), None)
    if kind is None:
        return None
    return f"{host} resolves to {ip}, a {kind} address: partner URLs must be public."


class UnresolvedHost(UnsafePartnerUrl):
    """A host name that does not resolve (now): no address to judge yet."""


def partner_addresses(host: str, port: int) -> list[tuple]:
    """The addresses to connect to for ``host``; refused if any is not public.

    Every address counts, not only the first: the connection may fall back
    to any of them.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnresolvedHost(f"{host} does not resolve: {error}.") from None
    if not settings.CSMS_OCPI_ALLOW_PRIVATE_URLS:
        for *_, sockaddr in infos:
            refusal = _refusal(host, sockaddr[0])
            if refusal is not None:
                raise UnsafePartnerUrl(refusal)
    return infos


def _checked_connection(address, timeout, source_address=None):
    # socket.create_connection, on the addresses partner_addresses checked: a
    # literal address resolves to itself, so nothing is looked up twice.
    host, port = address
    error: OSError | None = None
    for *_, sockaddr in partner_addresses(host, port):
        try:
            return socket.create_connection((sockaddr[0], port), timeout, source_address)
        except OSError as failed:
            error = failed
    raise error or UnsafePartnerUrl(f"{host} resolves to no address.")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    # TLS still verifies the certificate against the host name of the URL.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _checked_connection


class CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)
