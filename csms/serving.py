"""Daphne, with a limit on request bodies enforced before they are read whole, and our TLS.

Daphne receives a request's whole body before it calls the application, then
hands it over in chunks, all at once, into an unbounded queue: an anonymous
400 MB POST kept the process 412 MiB larger although Django refused it. So the
limit sits in Daphne's request object, where Twisted announces the body's
length (``gotLength``) and delivers its chunks (``handleContentChunk``): a body
declared too large is refused before any of it is read, a chunked one as soon
as it passes the limit. Both are answered 413 and the connection closed.

And TLS of our own, for OCPP security profile 3 (TLS with client
certificates): with CSMS_TLS_CLIENT_CA set, the server asks every client for
a certificate (asks, never requires: admin browsers and chargers on profiles
1 and 2 present none) and verifies the one it gets against that CA bundle.
A certificate that fails verification does not fail the TLS handshake: the
application decides, from the ASGI TLS extension (``scope["extensions"]["tls"]``)
that this server adds to every scope of a TLS connection, with the client
certificate and whether it verified (``client_cert_error``). Only a charger
on profile 3 needs one, and it is refused by name, with a security event.
Daphne's own ``ssl:`` endpoint can do neither, so with CSMS_TLS_CERT set the
TLS endpoint is made here (CsmsServer).

``manage.py serve`` runs this module in place of ``python -m daphne``.
"""

import json
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from daphne import http_protocol
from daphne.cli import CommandLineInterface
from daphne.server import Server
from django.conf import settings
from OpenSSL import SSL
from twisted.internet.endpoints import SSL4ServerEndpoint
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator, ISSLTransport
from zope.interface import implementer

from csms.api.problem_details import PROBLEM_CONTENT_TYPE, problem_body

# The one place that takes files: a driver's or an operator's upload of a
# profile photo. Multipart framing and the form's other fields come on top of
# the photo itself.
PHOTO_PATHS = re.compile(rb"^/(api/v1/me/profile/|admin/accounts/profile/(add|\d+/change)/)$")
MULTIPART_OVERHEAD = 64 * 1024


def body_limit(target: bytes, *, credentials: bool) -> int:
    """The most bytes a request to this target (path and query) may send.

    The photo allowance goes to requests that carry credentials (a token or
    the admin's session cookie), which the application checks once the body is
    in: an anonymous caller, who will be refused anyway, gets no more than
    the ordinary limit buffered.
    """
    if credentials and PHOTO_PATHS.match(target.split(b"?", 1)[0]):
        return settings.CSMS_MAX_PHOTO_BYTES + MULTIPART_OVERHEAD
    return settings.CSMS_MAX_REQUEST_BYTES


def _carries_credentials(headers) -> bool:
    if headers.hasHeader(b"Authorization"):
        return True
    return any(b"sessionid=" in cookie for cookie in headers.getRawHeaders(b"Cookie", []))


class BoundedWebRequest(http_protocol.WebRequest):
    refused = False

    def gotLength(self, length):
        # Twisted has parsed the request line (the channel keeps its target)
        # and the headers, and read nothing of the body yet.
        self.body_limit = body_limit(
            getattr(self.channel, "_path", b"") or b"",
            credentials=_carries_credentials(self.requestHeaders),
        )
        self.body_received = 0
        if length is not None and length > self.body_limit:
            self.refuse()
            length = 0  # nothing of it will be kept
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.body_received += len(data)
        if self.body_received > self.body_limit:
            self.refuse()
            return
        super().handleContentChunk(data)

    def process(self):
        if not self.refused:
            return super().process()

    def refuse(self) -> None:
        self.refused = True
        # A client waiting for "100 Continue" gets the refusal instead, and
        # sends nothing more.
        self.requestHeaders.removeHeader(b"Expect")
        # Problem details, as every API error (csms/api/exceptions.py); before
        # Django reads the request, so in the default language.
        body = json.dumps(
            problem_body(
                status=413,
                code="request_too_large",
                detail=f"Request body too large: at most {self.body_limit} bytes are accepted.",
            )
        ).encode()
        head = (
            "HTTP/1.1 413 Content Too Large\r\n"
            f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.channel.transport.write(head.encode() + body)
        self.channel.loseConnection()


# X509_V_ERR_* codes a charger's certificate commonly fails with (OpenSSL's
# x509_vfy.h); any other is named by its number.
VERIFY_ERRORS = {
    2: "issuer certificate not found",
    7: "signature failure",
    9: "not yet valid",
    10: "expired",
    18: "self-signed",
    19: "self-signed certificate in the chain",
    20: "issuer not in CSMS_TLS_CLIENT_CA",
    21: "issuer not in CSMS_TLS_CLIENT_CA",
    24: "invalid CA certificate",
    26: "not for client authentication",
}


@dataclass
class TlsPeer:
    """What verifying the client certificate of one TLS connection found."""

    # OpenSSL reached the client's own certificate (depth 0) while verifying.
    checked: bool = False
    errors: list[str] = field(default_factory=list)

    def verify(self, connection, certificate, errno: int, depth: int, ok: int) -> bool:
        if not ok:
            reason = VERIFY_ERRORS.get(errno, f"X509 error {errno}")
            self.errors.append(f"{reason} (depth {depth})")
        if depth == 0:
            self.checked = True
        # Asked for, never required: the application decides (client_cert_error).
        return True

    def client_cert_error(self) -> str | None:
        if self.errors:
            return "; ".join(self.errors)
        # No verification ran (a resumed session, which we do not offer): not trusted.
        return None if self.checked else "not verified"


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


@implementer(IOpenSSLServerConnectionCreator)
class ServerTLS:
    """The server's TLS: its certificate chain and, with a client CA bundle, client certificates.

    One OpenSSL context, set up whole before the first connection (pyOpenSSL
    allows no change after). Each connection gets its own verification
    record (TlsPeer), found again by its OpenSSL connection when the scope of
    a request on it is made (Twisted keeps the connection's "app data" for
    itself).
    """

    def __init__(self, *, cert: str, key: str, client_ca: str = ""):
        chain = x509.load_pem_x509_certificates(Path(cert).read_bytes())
        private_key = serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
        context = SSL.Context(SSL.TLS_SERVER_METHOD)
        # TLS 1.2 or above (OCPP 1.6 security whitepaper ed. 3 A00.FR.312 and
        # A00.FR.416, which tolerate 1.0/1.1 for old chargers only; OCPP 2.0.1
        # not at all), no TLS compression (A00.FR.320, A00.FR.424). No session
        # resumption: every connection shows its certificate anew.
        context.set_min_proto_version(SSL.TLS1_2_VERSION)
        context.set_options(
            SSL.OP_NO_COMPRESSION | SSL.OP_CIPHER_SERVER_PREFERENCE | SSL.OP_NO_TICKET
        )
        context.set_session_cache_mode(SSL.SESS_CACHE_OFF)
        context.use_certificate(chain[0])
        for intermediate in chain[1:]:
            context.add_extra_chain_cert(intermediate)
        context.use_privatekey(private_key)
        context.check_privatekey()
        # OpenSSL wants a session id context wherever client certificates are verified.
        context.set_session_id(b"csms")
        self.client_ca = bool(client_ca)
        if client_ca:
            context.load_verify_locations(client_ca)
            # Browsers offer their user only certificates of these CAs (an
            # operator's browser would otherwise ask to pick from all of them).
            for authority in x509.load_pem_x509_certificates(Path(client_ca).read_bytes()):
                context.add_client_ca(authority)
        self.context = context
        self.server_cert = _pem(chain[0])
        self.peers: weakref.WeakKeyDictionary[SSL.Connection, TlsPeer] = weakref.WeakKeyDictionary()

    @classmethod
    def from_settings(cls) -> "ServerTLS":
        return cls(
            cert=settings.CSMS_TLS_CERT,
            key=settings.CSMS_TLS_KEY,
            client_ca=settings.CSMS_TLS_CLIENT_CA,
        )

    def serverConnectionForTLS(self, protocol) -> SSL.Connection:
        connection = SSL.Connection(self.context, None)
        if self.client_ca:
            peer = self.peers[connection] = TlsPeer()
            connection.set_verify(SSL.VERIFY_PEER, peer.verify)
        return connection

    def scope(self, transport) -> dict | None:
        """The ASGI TLS extension of a connection; None when not over TLS, as the spec says."""
        if transport is None or not ISSLTransport.providedBy(transport):
            return None
        connection = transport.getHandle()
        if not isinstance(connection, SSL.Connection):
            return None
        certificate = connection.get_peer_certificate(as_cryptography=True)
        chain, name, error = [], None, None
        if certificate is not None:
            # The server side's chain leaves out the client's own certificate.
            sent = connection.get_peer_cert_chain(as_cryptography=True) or []
            chain = [certificate, *(other for other in sent if other != certificate)]
            name = certificate.subject.rfc4514_string()
            peer = self.peers.get(connection)
            error = peer.client_cert_error() if peer is not None else "not verified"
        return {
            "server_cert": self.server_cert,
            "client_cert_chain": [_pem(each) for each in chain],
            "client_cert_name": name,
            "client_cert_error": error,
            "tls_version": connection.get_protocol_version(),
            "cipher_suite": None,
        }


class CsmsServer(Server):
    """Daphne's server, with our TLS endpoint and the TLS extension in each scope."""

    tls: ServerTLS | None = None

    def run(self):
        if settings.CSMS_TLS_CERT:
            # `manage.py serve` names the TLS endpoint to Daphne (ssl:..., for
            # its log); what listens there is made here, from the same settings.
            # Made now, so that a bad certificate stops the start.
            self.tls = ServerTLS.from_settings()
            self.endpoints = [each for each in self.endpoints if not each.startswith("ssl:")]
            from twisted.internet import reactor

            reactor.callWhenRunning(self.tls_listen)
        super().run()

    def tls_listen(self) -> None:
        from twisted.internet import reactor

        endpoint = SSL4ServerEndpoint(
            reactor, settings.CSMS_PORT, self.tls, interface=settings.CSMS_HOST
        )
        listener = endpoint.listen(self.http_factory)
        listener.addCallback(self.listen_success)
        listener.addErrback(self.listen_error)
        self.listeners.append(listener)

    def create_application(self, protocol, scope):
        tls = self.tls.scope(getattr(protocol, "transport", None)) if self.tls else None
        if tls is not None:
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), "tls": tls}}
        return super().create_application(protocol, scope)


class CsmsCommandLineInterface(CommandLineInterface):
    server_class = CsmsServer


def main() -> None:
    # Daphne's HTTP factory reads this module attribute for each connection.
    http_protocol.WebRequest = BoundedWebRequest
    CsmsCommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
