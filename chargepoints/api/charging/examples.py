"""Examples of the charging API's bodies: commands, transactions, sessions, reservations.

The driver journey of csms.api.examples.
"""

from csms.api.examples import (
    CHARGER,
    CHARGING_AT,
    DRIVER_ID,
    ID_TAG,
    SESSION_ID,
    STARTED_AT,
    TRANSACTION_ID,
    answer,
    asked,
    price,
)

START_COMMAND = {
    "id": 5120,
    "command": "REMOTE_START",
    "status": "ACCEPTED",
    "error_code": None,
    "error_description": "",
    "response": {"status": "Accepted"},
    "created_at": STARTED_AT,
    "answered_at": "2026-12-02T19:51:01Z",
}
STOP_COMMAND = {
    **START_COMMAND,
    "id": 5131,
    "command": "REMOTE_STOP",
    "created_at": "2026-12-02T20:46:27Z",
    "answered_at": "2026-12-02T20:46:28Z",
}
COMMAND_VALUE = {
    "id": 5140,
    "url": f"https://csms.example.com/api/v1/charge-points/{CHARGER}/commands/5140/",
    "chargepoint_id": CHARGER,
    "command": "RESET",
    "params": {"type": "SOFT"},
    "status": "ACCEPTED",
    "action": "Reset",
    "request": {"type": "Soft"},
    "response": {"status": "Accepted"},
    "error_code": None,
    "error_description": "",
    "progress": None,
    "progress_at": None,
    "connector_id": None,
    "transaction_id": None,
    "requested_by": "operator",
    "source": "API",
    "ocpp_version": "ocpp1.6",
    "created_at": "2026-12-02T21:05:00Z",
    "sent_at": "2026-12-02T21:05:00Z",
    "answered_at": "2026-12-02T21:05:01Z",
}
COMMAND = [answer("A soft reset the charger accepted", COMMAND_VALUE)]
COMMAND_ANSWERS = [
    answer("Answered: the charger accepted", COMMAND_VALUE, 201),
    answer(
        "Sent, answer pending",
        {**COMMAND_VALUE, "status": "SENT", "response": None, "answered_at": None},
        202,
    ),
]

TRANSACTION_VALUE = {
    "transaction_id": TRANSACTION_ID,
    "chargepoint_id": CHARGER,
    "connector_id": 1,
    "status": "ACTIVE",
    "started_at": CHARGING_AT,
    "stopped_at": None,
    "reason_stopped": None,
    "energy_kwh": 12.48,
    "duration_s": None,
    "wh_meter_start": 1520400.0,
    "wh_meter_stop": None,
    "cost": price("4.368", "5.1979"),
    "charging_state": "Charging",
    "power_w": 21950.0,
    "current_a": 31.7,
    "voltage_v": 231.0,
    "soc_percent": None,
    "id_token": ID_TAG,
    "vehicle": 7,
    "session_id": SESSION_ID,
    "user": None,
    "needs_review": False,
}
TRANSACTION = [answer("Charging, 12.48 kWh so far", TRANSACTION_VALUE)]

SAMPLED_VALUE = [
    answer(
        "The energy register",
        {
            "timestamp": "2026-12-02T20:25:00Z",
            "measurand": "Energy.Active.Import.Register",
            "phase": None,
            "location": "Outlet",
            "context": "Sample.Periodic",
            "value": "1532880",
            "unit": "Wh",
            "numeric_value": 1532880.0,
            "numeric_unit": "Wh",
        },
    )
]

SESSION_VALUE = {
    "session_id": SESSION_ID,
    "status": "CHARGING",
    "status_reason": "",
    "chargepoint_id": CHARGER,
    "connector_id": 1,
    "id_tag": ID_TAG,
    "vehicle": 7,
    "user": DRIVER_ID,
    "start_time": STARTED_AT,
    "end_time": None,
    "last_activity": "2026-12-02T20:25:00Z",
    "start_command": START_COMMAND,
    "transaction": TRANSACTION_VALUE,
}
SESSION_STARTING = {
    **SESSION_VALUE,
    "status": "STARTING",
    "last_activity": STARTED_AT,
    "start_command": {**START_COMMAND, "status": "SENT", "response": None, "answered_at": None},
    "transaction": None,
}
SESSION = [answer("Charging", SESSION_VALUE)]
SESSION_START = [
    asked(
        "Connector 1 of the demo charger",
        {"chargepoint_id": CHARGER, "connector_id": 1, "id_tag": ID_TAG, "vehicle": 7},
    ),
    answer("Started: the charger was asked", SESSION_STARTING, 202),
    answer("Your start still waiting", SESSION_STARTING, 200),
]

STOP = [
    answer(
        "The charger was asked to stop",
        {
            "outcome": "REMOTE_STOP",
            "detail": "The charger was asked to stop.",
            "transaction_id": TRANSACTION_ID,
            "session_id": SESSION_ID,
            "command": STOP_COMMAND,
        },
        202,
    ),
    answer(
        "Closed by the CSMS: the charger is gone",
        {
            "outcome": "CLOSED",
            "detail": "The charger is offline: the transaction was closed.",
            "transaction_id": TRANSACTION_ID,
            "session_id": SESSION_ID,
            "command": None,
        },
        200,
    ),
]

RESERVATION_VALUE = {
    "uuid": "0b5c3a8e-6f1d-4c52-8d1e-3f7a9b2c4d60",
    "reservation_id": 311,
    "chargepoint_id": CHARGER,
    "connector_id": 1,
    "id_tag": ID_TAG,
    "user": DRIVER_ID,
    "start_time": "2026-12-02T19:30:00Z",
    "expiry_date": "2026-12-02T20:00:00Z",
    "status": "ACTIVE",
    "created_at": "2026-12-02T19:30:00Z",
}
RESERVATION = [answer("Reserved for 30 minutes", RESERVATION_VALUE)]
RESERVATION_CREATE = [
    asked(
        "Connector 1 for 30 minutes",
        {
            "chargepoint_id": CHARGER,
            "connector_id": 1,
            "expiry_date": "2026-12-02T20:00:00Z",
            "id_tag": ID_TAG,
        },
    ),
    answer("Reserved", RESERVATION_VALUE, 201),
    answer(
        "Asked, the charger's answer pending",
        {
            "detail": "The charger has not answered yet.",
            "command": {
                **START_COMMAND,
                "command": "RESERVE_NOW",
                "status": "SENT",
                "response": None,
                "answered_at": None,
            },
        },
        202,
    ),
]
