"""The frames a simulated charger sends, with its current meter reading."""

import random
from datetime import UTC, datetime

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ChargerFrames:
    """Mixin of ``SimulatedCharger``: builds its status, meter and transaction frames."""

    meter_wh: int

    @staticmethod
    def _status16(status: str):
        return call16.StatusNotification(
            connector_id=1, error_code="NoError", status=status, timestamp=now()
        )

    def _meter16(self) -> dict:
        return {
            "timestamp": now(),
            "sampled_value": [
                {
                    "value": str(self.meter_wh),
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {
                    "value": str(random.randint(3000, 11000)),
                    "measurand": "Power.Active.Import",
                    "unit": "W",
                },
            ],
        }

    def _event201(
        self,
        event_type,
        trigger,
        transaction_id,
        seq_no,
        *,
        with_token=False,
        stopped=None,
        id_tag=None,
        remote_start_id=None,
    ):
        info = {
            "transaction_id": transaction_id,
            "charging_state": "Charging" if event_type != "Ended" else "EVConnected",
        }
        if stopped:
            info["stopped_reason"] = stopped
        if remote_start_id is not None:
            info["remote_start_id"] = remote_start_id
        return call201.TransactionEvent(
            event_type=event_type,
            timestamp=now(),
            trigger_reason=trigger,
            seq_no=seq_no,
            transaction_info=info,
            evse={"id": 1, "connector_id": 1} if event_type == "Started" else None,
            id_token={"id_token": id_tag or self.options.id_tag, "type": "ISO14443"}
            if with_token
            else None,
            meter_value=[
                {
                    "timestamp": now(),
                    "sampled_value": [
                        {
                            "value": self.meter_wh,
                            "measurand": "Energy.Active.Import.Register",
                            "context": "Sample.Periodic",
                        },
                        {
                            "value": random.randint(3000, 11000),
                            "measurand": "Power.Active.Import",
                            "context": "Sample.Periodic",
                        },
                    ],
                }
            ],
        )
