"""OCPP 1.6J: payloads in, domain service calls, answers out."""

from django.utils import timezone
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action

from accounts.enums import AuthorizationStatus
from chargepoints.enums import ChargerEventKind, StopReason
from chargepoints.services.authorization import AuthResult, idtag_authorize
from chargepoints.services.boot import BootInfo, chargepoint_boot, chargepoint_heartbeat
from chargepoints.services.commands import chargepoint_progress_record
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.events import chargepoint_event_record
from chargepoints.services.metering import Reading
from chargepoints.services.status import status_report
from chargepoints.services.transactions import (
    TransactionFacts,
    meter_values_record,
    transaction_start,
    transaction_stop,
)
from ocpp_gateway.adapter import GatewayAdapter, parse_timestamp
from ocpp_gateway.protocol import ERROR_CODES_16
from ocpp_gateway.timefmt import ocpp_datetime
from ocpp_gateway.v16 import commands as v16_commands

ID_TOKEN_MAX_LENGTH = 20


def id_tag_info(auth: AuthResult) -> dict:
    # 1.6 has no "Unknown": an id tag we do not know is Invalid (§7.2 AuthorizationStatus).
    status = (
        AuthorizationStatus.INVALID if auth.status == AuthorizationStatus.UNKNOWN else auth.status
    )
    info = {"status": str(status)}
    if auth.expiry_date is not None:
        info["expiry_date"] = ocpp_datetime(auth.expiry_date)
    # 1.6 IdToken is at most 20 characters; a longer group tag (fine in 2.0.1)
    # is left out rather than breaking the schema of the whole answer.
    if auth.parent_id_tag and len(auth.parent_id_tag) <= ID_TOKEN_MAX_LENGTH:
        info["parent_id_tag"] = auth.parent_id_tag
    return info


def readings(meter_values: list[dict] | None) -> list[Reading]:
    return [
        Reading(
            timestamp=parse_timestamp(meter_value["timestamp"]),
            value=sample["value"],
            measurand=sample.get("measurand", ""),
            phase=sample.get("phase", ""),
            context=sample.get("context", ""),
            location=sample.get("location", ""),
            unit=sample.get("unit", ""),
            format=sample.get("format", ""),
        )
        for meter_value in meter_values or []
        for sample in meter_value["sampled_value"]
    ]


class ChargePoint16(GatewayAdapter, ChargePoint):
    subprotocol = "ocpp1.6"
    actions = frozenset(action.value for action in Action)
    commands = v16_commands
    error_codes = ERROR_CODES_16

    @on(Action.boot_notification)
    async def on_boot_notification(self, charge_point_vendor, charge_point_model, **optional):
        info = BootInfo(
            vendor=charge_point_vendor,
            model=charge_point_model,
            serial_number=optional.get("charge_point_serial_number", ""),
            chargebox_serial_number=optional.get("charge_box_serial_number", ""),
            firmware_version=optional.get("firmware_version", ""),
            iccid=optional.get("iccid", ""),
            imsi=optional.get("imsi", ""),
            meter_type=optional.get("meter_type", ""),
            meter_serial_number=optional.get("meter_serial_number", ""),
        )
        result = await self.run(chargepoint_boot, info=info, at=timezone.now())
        return call_result.BootNotification(
            current_time=ocpp_datetime(), interval=result.interval, status=result.status
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_):
        at = await self.run(chargepoint_heartbeat, at=timezone.now())
        return call_result.Heartbeat(current_time=ocpp_datetime(at))

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **_):
        auth = await self.query(idtag_authorize, id_token=id_tag)
        return call_result.Authorize(id_tag_info=id_tag_info(auth))

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id, id_tag, meter_start, timestamp, reservation_id=None, **_
    ):
        result = await self.run(
            transaction_start,
            ref=ConnectorRef(connectorid=connector_id),
            timestamp=parse_timestamp(timestamp),
            meter_start_wh=meter_start,
            reservation_id=reservation_id,
            facts=TransactionFacts(id_token=id_tag),
        )
        return call_result.StartTransaction(
            transaction_id=result.transaction.pk, id_tag_info=id_tag_info(result.auth)
        )

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop, timestamp, transaction_id, id_tag=None, reason=None, **optional
    ):
        result = await self.run(
            transaction_stop,
            transaction_id=transaction_id,
            timestamp=parse_timestamp(timestamp),
            meter_stop_wh=meter_stop,
            # OCPP 1.6 §6.47: an absent reason means Local.
            reason=reason or StopReason.LOCAL,
            facts=TransactionFacts(id_token=id_tag),
            readings=readings(optional.get("transaction_data")),
        )
        if result.auth is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=id_tag_info(result.auth))

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id, meter_value, transaction_id=None, **_):
        await self.run(
            meter_values_record,
            ref=ConnectorRef(connectorid=connector_id),
            transaction_id=transaction_id,
            readings=readings(meter_value),
        )
        return call_result.MeterValues()

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id, error_code, status, **optional):
        await self.run(
            status_report,
            ref=ConnectorRef(connectorid=connector_id),
            status=status,
            error_code=error_code,
            timestamp=parse_timestamp(optional.get("timestamp")) or timezone.now(),
            info=optional.get("info", ""),
            vendor_id=optional.get("vendor_id", ""),
            vendor_error_code=optional.get("vendor_error_code", ""),
        )
        return call_result.StatusNotification()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id, message_id=None, data=None, **_):
        payload = {"vendorId": vendor_id, "messageId": message_id, "data": data}
        await self._event(ChargerEventKind.DATA_TRANSFER, payload, vendor_id)
        # We run no vendor extensions: the honest answer (§7.22 DataTransferStatus).
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, status, **_):
        await self._progress(ChargerEventKind.DIAGNOSTICS_STATUS, status)
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status, **_):
        await self._progress(ChargerEventKind.FIRMWARE_STATUS, status)
        return call_result.FirmwareStatusNotification()

    # -- OCPP 1.6 security extension -----------------------------------------

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

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.LOG_STATUS, status, request_id)
        return call_result.LogStatusNotification()

    @on(Action.signed_firmware_status_notification)
    async def on_signed_firmware_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.FIRMWARE_STATUS, status, request_id)
        return call_result.SignedFirmwareStatusNotification()

    async def _progress(self, kind, status: str, request_id: int | None = None) -> None:
        # Kept as a charger event and followed on the command that asked for it.
        payload = {"status": status}
        if request_id is not None:
            payload["requestId"] = request_id
        await self.run(
            chargepoint_progress_record,
            kind=kind,
            status=status,
            payload=payload,
            request_id=request_id,
        )

    async def _event(self, kind, payload: dict, status: str, **fields) -> None:
        # Keep the report as sent: fields the charger left out are not stored as null.
        payload = {key: value for key, value in payload.items() if value is not None}
        await self.run(
            chargepoint_event_record, kind=kind, payload=payload, status=status, **fields
        )
