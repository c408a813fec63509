"""OCPP 2.0.1: payloads in, domain service calls, answers out."""

from django.utils import timezone
from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action

from chargepoints.enums import ChargerEventKind, StopReason
from chargepoints.services.authorization import AuthResult, idtag_authorize
from chargepoints.services.boot import BootInfo, chargepoint_boot, chargepoint_heartbeat
from chargepoints.services.commands import chargepoint_progress_record
from chargepoints.services.connectors import ConnectorRef
from chargepoints.services.events import (
    EventRecord,
    ReportedProfile,
    VariableValue,
    chargepoint_event_record,
    chargepoint_events_record,
    charging_profiles_store,
    configuration_store,
    reservation_status_update,
)
from chargepoints.services.metering import Reading
from chargepoints.services.status import status_report
from chargepoints.services.transactions import (
    TransactionFacts,
    meter_values_record,
    transaction_start,
    transaction_stop,
    transaction_update,
)
from ocpp_gateway.adapter import GatewayAdapter, parse_timestamp
from ocpp_gateway.protocol import ERROR_CODES_201
from ocpp_gateway.timefmt import ocpp_datetime
from ocpp_gateway.v201 import commands as v201_commands

ID_TOKEN_MAX_LENGTH = 36


def id_token_info(auth: AuthResult) -> dict:
    info = {"status": str(auth.status)}
    if auth.expiry_date is not None:
        info["cache_expiry_date_time"] = ocpp_datetime(auth.expiry_date)
    # IdTokenType.idToken is at most 36 characters; a longer group tag is left
    # out rather than breaking the schema of an answer to committed data.
    if auth.parent_id_tag and len(auth.parent_id_tag) <= ID_TOKEN_MAX_LENGTH:
        info["group_id_token"] = {"id_token": auth.parent_id_tag, "type": "Central"}
    return info


def readings(meter_values: list[dict] | None) -> list[Reading]:
    result = []
    for meter_value in meter_values or []:
        timestamp = parse_timestamp(meter_value["timestamp"])
        for sample in meter_value["sampled_value"]:
            # 2.0.1 UnitOfMeasureType: unit defaults to Wh, multiplier to 0.
            unit = sample.get("unit_of_measure") or {}
            signed = sample.get("signed_meter_value")
            result.append(
                Reading(
                    timestamp=timestamp,
                    value=_number_text(sample["value"]),
                    measurand=sample.get("measurand", ""),
                    phase=sample.get("phase", ""),
                    context=sample.get("context", ""),
                    location=sample.get("location", ""),
                    unit=unit.get("unit", ""),
                    multiplier=unit.get("multiplier", 0),
                    signed_meter_value=snake_to_camel_case(signed) if signed else None,
                )
            )
    return result


def _number_text(value) -> str:
    # 2.0.1 sends numbers; keep them as the charger wrote them (no "12.0" for 12).
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def connector_ref(evse: dict | None) -> ConnectorRef | None:
    if not evse:
        return None
    return ConnectorRef(evse_id=evse["id"], evse_connector_id=evse.get("connector_id"))


def facts_from(event: dict, transaction_info: dict, id_token: dict | None) -> TransactionFacts:
    token, token_type = None, ""
    if id_token:
        token, token_type = id_token["id_token"], id_token["type"]
    return TransactionFacts(
        charging_state=transaction_info.get("charging_state", ""),
        trigger_reason=event["trigger_reason"],
        seq_no=event["seq_no"],
        number_of_phases_used=event.get("number_of_phases_used"),
        id_token=token,
        id_token_type=token_type,
    )


class ChargePoint201(GatewayAdapter, ChargePoint):
    subprotocol = "ocpp2.0.1"
    actions = frozenset(action.value for action in Action)
    commands = v201_commands
    error_codes = ERROR_CODES_201
    answer_unreadable_frames = True

    @on(Action.boot_notification)
    async def on_boot_notification(self, charging_station, reason, **_):
        modem = charging_station.get("modem") or {}
        info = BootInfo(
            vendor=charging_station["vendor_name"],
            model=charging_station["model"],
            serial_number=charging_station.get("serial_number", ""),
            firmware_version=charging_station.get("firmware_version", ""),
            iccid=modem.get("iccid", ""),
            imsi=modem.get("imsi", ""),
            reason=reason,
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
    async def on_authorize(self, id_token, **_):
        auth = await self.query(
            idtag_authorize, id_token=id_token["id_token"], token_type=id_token["type"]
        )
        return call_result.Authorize(id_token_info=id_token_info(auth))

    @on(Action.status_notification)
    async def on_status_notification(self, timestamp, connector_status, evse_id, connector_id, **_):
        await self.run(
            status_report,
            ref=ConnectorRef(evse_id=evse_id, evse_connector_id=connector_id),
            status=connector_status,
            timestamp=parse_timestamp(timestamp),
        )
        return call_result.StatusNotification()

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id, meter_value, **_):
        # evseId 0 is the station's main meter.
        ref = ConnectorRef(evse_id=evse_id) if evse_id else ConnectorRef()
        await self.run(meter_values_record, ref=ref, readings=readings(meter_value))
        return call_result.MeterValues()

    @on(Action.transaction_event)
    async def on_transaction_event(
        self, event_type, timestamp, trigger_reason, seq_no, transaction_info, **optional
    ):
        event = {"trigger_reason": trigger_reason, "seq_no": seq_no, **optional}
        facts = facts_from(event, transaction_info, optional.get("id_token"))
        common = {
            "timestamp": parse_timestamp(timestamp),
            "facts": facts,
            "readings": readings(optional.get("meter_value")),
        }
        tx_id = transaction_info["transaction_id"]
        ref = connector_ref(optional.get("evse"))
        if event_type == "Started":
            result = await self.run(
                transaction_start,
                ref=ref or ConnectorRef(),
                charger_transaction_id=tx_id,
                reservation_id=optional.get("reservation_id"),
                remote_start_id=transaction_info.get("remote_start_id"),
                **common,
            )
        elif event_type == "Updated":
            result = await self.run(
                transaction_update, charger_transaction_id=tx_id, ref=ref, **common
            )
        else:
            result = await self.run(
                transaction_stop,
                charger_transaction_id=tx_id,
                ref=ref,
                # 2.0.1 TransactionType: stoppedReason may only be absent when Local.
                reason=transaction_info.get("stopped_reason") or StopReason.LOCAL,
                **common,
            )
        if result.auth is None:
            return call_result.TransactionEvent()
        # idTokenInfo answers every event that carried an idToken.
        return call_result.TransactionEvent(id_token_info=id_token_info(result.auth))

    @on(Action.notify_report)
    async def on_notify_report(self, request_id, generated_at, seq_no, report_data=None, **_):
        values = []
        for item in report_data or []:
            component, variable = item["component"], item["variable"]
            evse = component.get("evse") or {}
            for attribute in item["variable_attribute"]:
                if "value" not in attribute:
                    continue  # write-only attributes are reported without a value
                values.append(
                    VariableValue(
                        component=component["name"],
                        component_instance=component.get("instance", ""),
                        evse_id=evse.get("id", 0),
                        evse_connector_id=evse.get("connector_id", 0),
                        variable=variable["name"],
                        variable_instance=variable.get("instance", ""),
                        attribute_type=attribute.get("type", "Actual"),
                        value=str(attribute["value"]),
                        readonly=attribute.get("mutability") == "ReadOnly",
                    )
                )
        await self.run(configuration_store, values=values)
        return call_result.NotifyReport()

    @on(Action.report_charging_profiles)
    async def on_report_charging_profiles(
        self, request_id, charging_limit_source, charging_profile, evse_id, **_
    ):
        profiles = []
        for profile in charging_profile:
            schedule = profile["charging_schedule"][0]
            profiles.append(
                ReportedProfile(
                    chargingprofile_id=profile["id"],
                    stack_level=profile["stack_level"],
                    purpose=profile["charging_profile_purpose"],
                    kind=profile["charging_profile_kind"],
                    recurrency_kind=profile.get("recurrency_kind", ""),
                    valid_from=parse_timestamp(profile.get("valid_from")),
                    valid_to=parse_timestamp(profile.get("valid_to")),
                    schedule_id=schedule["id"],
                    duration=schedule.get("duration"),
                    start_schedule=parse_timestamp(schedule.get("start_schedule")),
                    charging_rate_unit=schedule["charging_rate_unit"],
                    min_charging_rate=schedule.get("min_charging_rate"),
                    periods=schedule["charging_schedule_period"],
                )
            )
        await self.run(charging_profiles_store, evse_id=evse_id, profiles=profiles)
        return call_result.ReportChargingProfiles()

    @on(Action.reservation_status_update)
    async def on_reservation_status_update(self, reservation_id, reservation_update_status, **_):
        await self.run(
            reservation_status_update,
            reservation_id=reservation_id,
            status=reservation_update_status,
        )
        return call_result.ReservationStatusUpdate()

    # -- reports kept as charger events --------------------------------------

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.FIRMWARE_STATUS, status, request_id)
        return call_result.FirmwareStatusNotification()

    @on(Action.publish_firmware_status_notification)
    async def on_publish_firmware_status_notification(
        self, status, location=None, request_id=None, **_
    ):
        # location: the URIs the firmware is published at (required when Published).
        await self._event(
            ChargerEventKind.PUBLISH_FIRMWARE_STATUS,
            status,
            request_id=request_id,
            payload={"location": location} if location else None,
        )
        return call_result.PublishFirmwareStatusNotification()

    @on(Action.log_status_notification)
    async def on_log_status_notification(self, status, request_id=None, **_):
        await self._progress(ChargerEventKind.LOG_STATUS, status, request_id)
        return call_result.LogStatusNotification()

    @on(Action.security_event_notification)
    async def on_security_event_notification(self, type, timestamp, tech_info=None, **_):
        await self._event(
            ChargerEventKind.SECURITY_EVENT,
            type,
            timestamp=parse_timestamp(timestamp),
            detail=tech_info or "",
        )
        return call_result.SecurityEventNotification()

    @on(Action.notify_event)
    async def on_notify_event(self, generated_at, seq_no, event_data, **_):
        # Every event is read first and all are stored at once: a bad one
        # refuses the message without leaving the others half stored.
        events = [
            EventRecord(
                kind=ChargerEventKind.DEVICE_EVENT,
                status=f"{event['component']['name']}.{event['variable']['name']}: "
                f"{event['actual_value']}",
                timestamp=parse_timestamp(event["timestamp"]),
                evse_id=(event["component"].get("evse") or {}).get("id"),
                detail=event.get("tech_info", ""),
                payload=snake_to_camel_case(event),
            )
            for event in event_data
        ]
        await self.run(chargepoint_events_record, events=events)
        return call_result.NotifyEvent()

    @on(Action.notify_monitoring_report)
    async def on_notify_monitoring_report(self, request_id, seq_no, generated_at, **optional):
        await self._event(
            ChargerEventKind.MONITORING_REPORT,
            f"{len(optional.get('monitor') or [])} monitor(s)",
            request_id=request_id,
            payload={"seq_no": seq_no, "generated_at": generated_at, **optional},
        )
        return call_result.NotifyMonitoringReport()

    @on(Action.notify_charging_limit)
    async def on_notify_charging_limit(self, charging_limit, evse_id=None, **optional):
        await self._event(
            ChargerEventKind.CHARGING_LIMIT,
            charging_limit["charging_limit_source"],
            evse_id=evse_id,
            payload={"charging_limit": charging_limit, **optional},
        )
        return call_result.NotifyChargingLimit()

    @on(Action.cleared_charging_limit)
    async def on_cleared_charging_limit(self, charging_limit_source, evse_id=None, **_):
        await self._event(
            ChargerEventKind.CHARGING_LIMIT_CLEARED, charging_limit_source, evse_id=evse_id
        )
        return call_result.ClearedChargingLimit()

    @on(Action.notify_ev_charging_needs)
    async def on_notify_ev_charging_needs(self, charging_needs, evse_id, **optional):
        await self._event(
            ChargerEventKind.EV_CHARGING_NEEDS,
            charging_needs["requested_energy_transfer"],
            evse_id=evse_id,
            payload={"charging_needs": charging_needs, **optional},
        )
        # We compute no ISO 15118 schedules: the honest answer (2.0.1 K15).
        return call_result.NotifyEVChargingNeeds(status="Rejected")

    @on(Action.notify_ev_charging_schedule)
    async def on_notify_ev_charging_schedule(self, time_base, charging_schedule, evse_id, **_):
        await self._event(
            ChargerEventKind.EV_CHARGING_SCHEDULE,
            charging_schedule["charging_rate_unit"],
            evse_id=evse_id,
            payload={"time_base": time_base, "charging_schedule": charging_schedule},
        )
        return call_result.NotifyEVChargingSchedule(status="Accepted")

    @on(Action.notify_display_messages)
    async def on_notify_display_messages(self, request_id, message_info=None, tbc=False, **_):
        await self._event(
            ChargerEventKind.DISPLAY_MESSAGES,
            f"{len(message_info or [])} message(s)",
            request_id=request_id,
            payload={"message_info": message_info or [], "tbc": tbc},
        )
        return call_result.NotifyDisplayMessages()

    @on(Action.notify_customer_information)
    async def on_notify_customer_information(
        self, data, seq_no, generated_at, request_id, tbc=False, **_
    ):
        await self._event(
            ChargerEventKind.CUSTOMER_INFORMATION,
            f"part {seq_no}",
            request_id=request_id,
            detail=data,
            payload={"seq_no": seq_no, "generated_at": generated_at, "tbc": tbc},
        )
        return call_result.NotifyCustomerInformation()

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id, *, raw_payload, **_):
        # ``data`` is free-form JSON: keep it exactly as sent, not key-converted.
        await self.run(
            chargepoint_event_record,
            kind=ChargerEventKind.DATA_TRANSFER,
            status=vendor_id,
            payload=raw_payload,
        )
        # We run no vendor extensions (2.0.1 P01: UnknownVendorId).
        return call_result.DataTransfer(status="UnknownVendorId")

    # -- certificates: no certificate authority is configured ---------------

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr, certificate_type=None, **_):
        await self._event(
            ChargerEventKind.CERTIFICATE_REQUEST,
            f"SignCertificate {certificate_type or ''}".strip(),
            payload={"csr": csr, "certificate_type": certificate_type},
        )
        return call_result.SignCertificate(status="Rejected")

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

    async def _progress(self, kind, status: str, request_id: int | None) -> None:
        # Kept as a charger event and followed on the command that asked for it.
        await self.run(
            chargepoint_progress_record,
            kind=kind,
            status=status,
            payload={},
            request_id=request_id,
        )

    async def _event(self, kind, status: str, *, payload: dict | None = None, **fields) -> None:
        await self.run(
            chargepoint_event_record,
            kind=kind,
            status=status,
            payload=snake_to_camel_case(payload or {}),
            **fields,
        )
