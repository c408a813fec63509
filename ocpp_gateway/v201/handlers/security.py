"""A Security: security events, and certificate signing (no certificate authority is configured)."""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.adapter import parse_timestamp
from ocpp_gateway.v201.handlers.common import ChargerReports


class SecurityHandlers(ChargerReports):
    """SecurityEventNotification, SignCertificate."""

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type, timestamp, tech_info=None, **_):
        await self._event(
            ChargerEventKind.SECURITY_EVENT,
            type,
            timestamp=parse_timestamp(timestamp),
            detail=tech_info or "",
        )
        return call_result.SecurityEventNotification()

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr, certificate_type=None, **_):
        await self._event(
            ChargerEventKind.CERTIFICATE_REQUEST,
            f"SignCertificate {certificate_type or ''}".strip(),
            payload={"csr": csr, "certificate_type": certificate_type},
        )
        return call_result.SignCertificate(status="Rejected")
