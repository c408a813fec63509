"""M ISO 15118 CertificateManagement: no certificate authority is configured.

The requests are kept as charger events and answered with the honest failure.
"""

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind
from ocpp_gateway.v201.handlers.common import ChargerReports


class CertificateHandlers(ChargerReports):
    """Get15118EVCertificate, GetCertificateStatus."""

    @on(Action.get_15118_ev_certificate)
    async def on_get_15118_ev_certificate(self, iso15118_schema_version, action, exi_request, **_):
        await self._event(
            ChargerEventKind.CERTIFICATE_REQUEST,
            f"Get15118EVCertificate {action}",
            payload={"iso15118_schema_version": iso15118_schema_version, "action": action},
            detail=exi_request,
        )
        return call_result.Get15118EVCertificate(status="Failed", exi_response="")

    @on(Action.get_certificate_status)
    async def on_get_certificate_status(self, ocsp_request_data, **_):
        await self._event(
            ChargerEventKind.CERTIFICATE_REQUEST,
            "GetCertificateStatus",
            payload={"ocsp_request_data": ocsp_request_data},
        )
        return call_result.GetCertificateStatus(status="Failed")
