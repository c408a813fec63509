"""What each field of the charging API means, for the schema (``Meta.help_texts``).

The serializers name these in their ``Meta.help_texts``; csms.api.schema
gives a field the text of its name when the field has no help_text of its
own. Units, what null means and which ids are meant: what an app developer
would otherwise have to guess. (The models' help_text is the admin's.)
"""

CREATED = "When the record was created."
UPDATED = "When the record last changed (RFC 3339, UTC)."
CHARGEPOINT_ID = 'The charge point\'s id, the one it connects with (e.g. "CP-DEMO-16").'
CONNECTOR_ID = "The connector's number on its charge point, from 1; null when not known."

ENERGY = {
    "day": "kWh delivered since midnight (local time of ``timezone``).",
    "week": "kWh delivered since Monday 00:00.",
    "month": "kWh delivered since the 1st of the month, 00:00.",
    "year": "kWh delivered since 1 January, 00:00.",
}

COORDINATES = {
    "latitude": "Decimal degrees north (WGS 84), -90 to 90.",
    "longitude": "Decimal degrees east (WGS 84), -180 to 180.",
}

CONNECTOR = {
    "evse_connector_id": "OCPP 2.0.1: the connector's number within its EVSE, from 1; null on "
    "OCPP 1.6 chargers.",
    "standard": "The plug or socket standard (OCPI 2.2.1 ConnectorType).",
    "format": "SOCKET: bring your own cable; CABLE: a cable is attached.",
    "power_type": "AC with 1, 2 or 3 phases, or DC.",
    "max_power": "The most power the connector delivers, in kW; null when not known.",
    "max_current": "The most current, in A; null when not known.",
    "max_voltage": "The most voltage, in V; null when not known.",
    "last_updated": UPDATED,
    "current_limit": "The current limit (A) the charger last accepted for this connector; null "
    "when none.",
}

CHARGEPOINT = {
    "chargepoint_id": CHARGEPOINT_ID + " Chosen once, on creation.",
    "name": "A name to show drivers; may be empty.",
    "location": "Id of the location (GET /api/v1/locations/{id}/); null for a charger not "
    "placed yet.",
    "latitude": "Where the charger itself stands: decimal degrees north (WGS 84); null when "
    "not set (the location's coordinates apply).",
    "longitude": "Decimal degrees east (WGS 84); null when not set.",
    "max_power": "The most power the charger delivers, in kW; null when not known.",
    "connected": "True while the charger holds its WebSocket connection to the CSMS.",
    "last_heartbeat": "When the charger last said it is alive; null if it never connected.",
    "connectors": "Its connectors, by number.",
    "has_password": "Operators: whether the charger must present an HTTP Basic password.",
    "chargepoint_vendor": "Vendor, as the charger reports it at boot (may be empty).",
    "chargepoint_model": "Model, as the charger reports it at boot (may be empty).",
    "chargepoint_serial_number": "Serial number reported at boot (may be empty).",
    "chargebox_serial_number": "OCPP 1.6 chargeBoxSerialNumber reported at boot (may be empty).",
    "firmware_version": "Firmware version reported at boot (may be empty).",
    "iccid": "The modem's SIM card ICCID (may be empty).",
    "imsi": "The modem's IMSI (may be empty).",
    "meter_type": "The main energy meter's type (may be empty).",
    "meter_serial_number": "The main energy meter's serial number (may be empty).",
    "boot_reason": "OCPP 2.0.1 BootReason of its last boot, in OCPP's spelling (e.g. "
    "PowerUp); null when not reported.",
    "last_boot_at": "When it last booted (its last BootNotification); null if never.",
    "ip_address": "The address it last connected from; null if never connected.",
    "websocket_port": "The server port it last connected to; null if never connected.",
    "created_at": CREATED,
    "last_updated": UPDATED,
}

LOCATION = {
    "id": "The location's id (OCPI Location id, at most 36 characters).",
    "name": "A name to show drivers.",
    "address": "Street and number.",
    "city": "City or town.",
    "postal_code": "Postal code; may be empty.",
    "state": "State or province; may be empty.",
    "country": "ISO 3166-1 alpha-2 country code, e.g. DE.",
    "coordinates": "Where the location is (WGS 84).",
    "parking_type": "What kind of parking it is (OCPI 2.2.1 ParkingType).",
    "last_updated": UPDATED,
    "chargepoints": "Its charge points with their public status.",
    "substation_id": "Operators: the grid substation feeding the site, for load management.",
    "publish": "Operators: shown to the public (anonymous callers and drivers) when true.",
    "country_code": "Operators: ISO 3166-1 alpha-2 code of the operator (OCPI country_code).",
    "party_id": "Operators: the operator's OCPI party id (3 characters).",
}

EVSE_CHARGEPOINT = {
    "chargepoint_id": CHARGEPOINT_ID,
    "name": "A name to show drivers; may be empty.",
    "connected": "True while the charger is connected to the CSMS.",
}

EVSE_LOCATION = {
    "id": "The location's id (GET /api/v1/locations/{id}/).",
    "name": "A name to show drivers.",
    "address": "Street and number.",
    "city": "City or town.",
    "postal_code": "Postal code; may be empty.",
    "coordinates": "Where it is (WGS 84).",
}

EVSE = {
    "chargepoint": "The charge point the EVSE belongs to.",
    "connectors": "The EVSE's connectors (one plug is in use at a time), each with its price URL.",
}

COMMAND = {
    "id": "The command's id (GET /api/v1/commands/{id}/).",
    "url": "Where to read this command again.",
    "chargepoint_id": "The charge point it was sent to.",
    "command": "Which command (UPPER_SNAKE_CASE, as sent in POST .../commands/).",
    "params": "Its parameters as given; secrets (passwords) are replaced by ***.",
    "status": "How it went: PENDING (not sent yet), SENT (awaiting the answer), ACCEPTED, "
    "REJECTED (the charger said no), FAILED (an OCPP error), TIMED_OUT (no answer in time), "
    "CHARGER_OFFLINE (the charger was not connected).",
    "error_code": "OCPP-J error code (CALLERROR, in OCPP's spelling) or the CSMS's reason; "
    "null when none.",
    "error_description": "The error in words; empty when none.",
    "progress": "Firmware or log upload progress the charger reported afterwards, in OCPP's "
    "spelling (e.g. Downloading, Installed, Uploaded); null when none.",
    "progress_at": "When the charger last reported progress; null when none.",
    "connector_id": CONNECTOR_ID,
    "transaction_id": "Id of the transaction it concerns (GET /api/v1/transactions/{id}/); "
    "null when none.",
    "requested_by": "Username of who asked for it; null for the CSMS itself.",
    "source": "Where it was asked: API, ADMIN or CLI (manage.py ocpp_command).",
    "ocpp_version": 'The OCPP version it was sent in ("ocpp1.6", "ocpp2.0.1"); null until sent.',
    "created_at": "When it was asked for.",
    "sent_at": "When it was sent to the charger; null until then.",
    "answered_at": "When the charger answered; null until then.",
    "response": "The charger's answer payload (OCPP's spelling); null until it answers.",
}

COMMAND_SENT = {
    "detail": "What happened, in words.",
    "command": "The command sent to the charger, and how it went so far.",
}

TRANSACTION = {
    "transaction_id": "The transaction's id (GET /api/v1/transactions/{id}/), as the live "
    "sockets name it.",
    "chargepoint_id": "The charge point it ran on.",
    "connector_id": CONNECTOR_ID,
    "status": "ACTIVE while it runs, then COMPLETED; FAILED or CANCELED when it never "
    "properly ran.",
    "started_at": "When the charger started it.",
    "stopped_at": "When it stopped; null while ACTIVE.",
    "reason_stopped": "Why it stopped, quoted in OCPP's spelling (e.g. EVDisconnected, Remote, "
    "Local; not an API enum); null while ACTIVE or when the charger gave none.",
    "energy_kwh": "Energy delivered so far, in kWh (3 decimals).",
    "duration_s": "Seconds from start to stop; null while ACTIVE.",
    "wh_meter_start": "The meter reading at the start, in Wh; null when not reported.",
    "wh_meter_stop": "The meter reading at the stop, in Wh; null until stopped.",
    "charging_state": "OCPP 2.0.1 ChargingState, quoted in OCPP's spelling (Charging, "
    "EVConnected, SuspendedEV, SuspendedEVSE, Idle; not an API enum); null until the charger "
    "reports one, and always for OCPP 1.6.",
    "power_w": "The latest power reading, in W; null when none.",
    "current_a": "The latest current reading, in A; null when none.",
    "voltage_v": "The latest voltage reading, in V; null when none.",
    "id_token": "The id token the charger sent for it.",
    "vehicle": "Id of the vehicle charged (GET /api/v1/vehicles/{id}/); null when not told.",
    "session_id": "The charging session that started it (GET /api/v1/sessions/{session_id}/); "
    "null when it was started at the charger.",
    "user": "Operators: id of the driver billed; null for drivers and for unknown tokens.",
    "needs_review": "Operators: an operator must look at it (e.g. closed by the CSMS); always "
    "false for drivers.",
}

SAMPLED_VALUE = {
    "timestamp": "When the reading was taken (the charger's clock).",
    "measurand": "What was measured, in OCPP's words (Energy.Active.Import.Register, "
    "Power.Active.Import, Current.Import, Voltage, SoC, ...).",
    "phase": "The phase, in OCPP's words (L1, L2-N, ...); null when not per phase.",
    "location": "Where it was measured, in OCPP's words (Outlet, Inlet, EV, Body, Cable); null "
    "when not told.",
    "context": "Why it was taken, in OCPP's words (Sample.Periodic, Transaction.Begin, "
    "Transaction.End, ...); null when not told.",
    "value": "The value as the charger sent it (text).",
    "unit": "The unit as the charger sent it (Wh, kWh, W, A, V, Percent, ...); null: the "
    "measurand's default.",
    "numeric_value": "The value as a number in ``numeric_unit``; null when it is no number "
    "(e.g. a signed value).",
}

SESSION = {
    "session_id": "The session's id (GET /api/v1/sessions/{session_id}/), known from the "
    "start answer on.",
    "status": "REQUESTED (asked, not sent yet), STARTING (the charger was asked), CHARGING, "
    "SUSPENDED (plugged in, not drawing power), FINISHING (stopping), then COMPLETED, FAILED "
    "or TIMED_OUT (the charger never started; see status_reason).",
    "chargepoint_id": "The charge point.",
    "connector_id": CONNECTOR_ID,
    "id_tag": "The id tag charging (GET /api/v1/id-tags/{id_token}/); null when it was removed.",
    "vehicle": "Id of the vehicle (GET /api/v1/vehicles/{id}/); null when not given.",
    "user": "Id of the driver; null when the account was removed.",
    "start_time": "When the start was asked for.",
    "end_time": "When it reached COMPLETED, FAILED or TIMED_OUT; null while open.",
    "last_activity": "When something last happened to it (a command answer, a meter value).",
    "start_command": "The remote start sent to the charger; null before it is sent.",
    "transaction": "The charger's transaction, once it started one; null until then.",
}

STOP = {
    "detail": "What happened, in words.",
    "transaction_id": "The transaction stopped (GET /api/v1/transactions/{id}/).",
    "session_id": "Its charging session; null when it was started at the charger.",
    "command": "The remote stop sent (REMOTE_STOP); null when the CSMS closed it (CLOSED).",
}

SESSION_START = {
    "vehicle": "Id of one of your vehicles (GET /api/v1/vehicles/), for the records; optional.",
}

RESERVATION = {
    "uuid": "The reservation's id (GET /api/v1/reservations/{uuid}/).",
    "chargepoint_id": "The charge point reserved.",
    "connector_id": "The connector reserved; null: any connector of the charge point.",
    "id_tag": "The id tag that may charge on it.",
    "user": "Id of the driver who reserved.",
    "start_time": "When the reservation began.",
    "expiry_date": "When it ends unless used or canceled.",
    "status": "ACTIVE, COMPLETED (used to charge), CANCELED or EXPIRED.",
    "created_at": CREATED,
}

RESERVATION_CREATE = {
    "chargepoint_id": "The charge point to reserve.",
    "expiry_date": "When the reservation ends (RFC 3339, in the future).",
    "id_tag": "One of your id tags; default: your first usable one.",
}
