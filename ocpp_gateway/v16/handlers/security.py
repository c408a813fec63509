"""OCPP 1.6 security extension: security events and certificate signing (2.0.1 block A)."""

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.adapter import parse_timestamp
from ocpp_gateway.v16.handlers.common import ChargerReports


class SecurityHandlers(ChargerReports):
    """SecurityEventNotification, SignCertificate."""

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type, timestamp, tech_info=None, **_):
        await self._event(
            ChargerEventKind.SECURITY_EVENT,
            {"type": type, "timestamp": timestamp, "techInfo": tech_info},
            type,
            timestamp=parse_timestamp(timestamp),
            detail=tech_info or "",
        )
        return call_result.SecurityEventNotification()

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr, **_):
        await self._event(ChargerEventKind.CERTIFICATE_REQUEST, {"csr": csr}, "SignCertificate")
        # No certificate authority is configured, so nothing will be signed.
        return call_result.SignCertificate(status="Rejected")
