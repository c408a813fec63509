import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _escape(value: str) -> str:
    # Twisted endpoint strings separate fields with ':'; paths may contain one.
    return value.replace("\\", "\\\\").replace(":", "\\:")


def daphne_endpoint() -> str:
    """The Twisted endpoint: TLS when a certificate and key are configured (seed 004).

    With TLS, csms.serving listens there itself, from the same settings (it
    asks for client certificates when CSMS_TLS_CLIENT_CA is set): the ``ssl:``
    description names it in Daphne's log.
    """
    host, port = _escape(settings.CSMS_HOST), settings.CSMS_PORT
    cert, key = settings.CSMS_TLS_CERT, settings.CSMS_TLS_KEY
    client_ca = settings.CSMS_TLS_CLIENT_CA
    if bool(cert) != bool(key):
        raise CommandError("Set both CSMS_TLS_CERT and CSMS_TLS_KEY, or neither.")
    if client_ca and not cert:
        # Client certificates come with TLS, which this server then does not speak.
        raise CommandError("CSMS_TLS_CLIENT_CA needs CSMS_TLS_CERT and CSMS_TLS_KEY.")
    if cert:
        for path in (cert, key, *([client_ca] if client_ca else [])):
            if not os.path.isfile(path):
                raise CommandError(f"TLS file not found: {path}")
        return f"ssl:port={port}:interface={host}:privateKey={_escape(key)}:certKey={_escape(cert)}"
    return f"tcp:port={port}:interface={host}"


class Command(BaseCommand):
    help = (
        "Serve admin, API and OCPP WebSocket on CSMS_HOST:CSMS_PORT with Daphne; "
        "with CSMS_TLS_CERT and CSMS_TLS_KEY set, over TLS (wss://, https://)."
    )

    def handle(self, *args, **options):
        endpoint = daphne_endpoint()
        scheme = "https" if endpoint.startswith("ssl:") else "http"
        host = settings.CSMS_HOST
        self.stdout.write(
            f"CSMS on {scheme}://{host}:{settings.CSMS_PORT}/admin/, chargers on "
            f"{'wss' if scheme == 'https' else 'ws'}://{host}:{settings.CSMS_PORT}/ocpp/<id>"
        )
        self.stdout.flush()
        argv = [
            # Daphne, with the request size limits (csms/serving.py).
            *(sys.executable, "-m", "csms.serving", "-e", endpoint),
            *("--websocket_connect_timeout", f"{settings.CSMS_HANDSHAKE_TIMEOUT:g}"),
            "csms.asgi:application",
        ]
        os.execv(sys.executable, argv)
