"""Examples of the sites API's bodies (charge points, connectors, locations, EVSEs, energy).

The driver journey of csms.api.examples; the charging examples are in
chargepoints/api/charging/examples.py.
"""

from csms.api.examples import (
    CHARGER,
    EVSE_ID,
    LOCATION_ID,
    TARIFF_ID,
    answer,
    asked,
    price,
)

SEEN_AT = "2026-12-02T19:50:12Z"
SETUP_AT = "2026-11-02T09:00:00Z"
COORDINATES = {"latitude": 52.5304, "longitude": 13.3848}

CONNECTOR_PUBLIC = {
    "connector_id": 1,
    "evse_id": EVSE_ID,
    "evse_number": None,
    "evse_connector_id": None,
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "power_type": "AC_3_PHASE",
    "max_power": 22.0,
    "max_current": 32.0,
    "max_voltage": 400.0,
    "status": "AVAILABLE",
    "status_confirmed_at": SEEN_AT,
    "last_updated": SEEN_AT,
    "tariff_ids": [TARIFF_ID],
}
CONNECTOR_VALUE = {
    **CONNECTOR_PUBLIC,
    "ocpp_status": "Available",
    "availability_status": "Operative",
    "error_code": "NoError",
    "status_timestamp": "2026-12-02T19:48:57Z",
    "current_limit": None,
}
CONNECTOR = [
    answer("Connector 1 of the demo charger", CONNECTOR_VALUE),
    asked(
        "A Type 2 socket",
        {
            "connector_id": 1,
            "standard": "IEC_62196_T2",
            "format": "SOCKET",
            "power_type": "AC_3_PHASE",
            "max_power": 22.0,
            "max_current": 32.0,
            "max_voltage": 400.0,
            "tariff_ids": [TARIFF_ID],
        },
    ),
]

CHARGEPOINT = [
    answer(
        "The demo charger, online",
        {
            "chargepoint_id": CHARGER,
            "name": "Demo AC charger (OCPP 1.6)",
            "location": LOCATION_ID,
            "latitude": 52.5304,
            "longitude": 13.3848,
            "max_power": 22.0,
            "connector_count": 1,
            "status": "AVAILABLE",
            "status_confirmed_at": SEEN_AT,
            "connected": True,
            "last_heartbeat": SEEN_AT,
            "ocpp_version": "ocpp1.6",
            "connectors": [CONNECTOR_VALUE],
            "registration_status": "Accepted",
            "has_password": True,
            "ocpp_status": "Available",
            "availability_status": "Operative",
            "error_code": "NoError",
            "status_timestamp": "2026-12-02T19:48:57Z",
            "chargepoint_vendor": "Elecq",
            "chargepoint_model": "AU101",
            "chargepoint_serial_number": "EQ2211000123",
            "chargebox_serial_number": "",
            "firmware_version": "1.4.2",
            "iccid": "",
            "imsi": "",
            "meter_type": "DZG DVH4013",
            "meter_serial_number": "41230017",
            "boot_reason": None,
            "last_boot_at": "2026-12-02T07:00:03Z",
            "ip_address": "198.51.100.23",
            "websocket_port": 443,
            "local_list_version": 3,
            "created_at": SETUP_AT,
            "last_updated": SEEN_AT,
        },
    ),
    asked(
        "A new charger at the demo depot",
        {
            "chargepoint_id": CHARGER,
            "name": "Demo AC charger (OCPP 1.6)",
            "location": LOCATION_ID,
            "max_power": 22.0,
            "connector_count": 1,
            "registration_status": "Accepted",
            "password": "a-long-random-charger-secret-24",
        },
    ),
]

LOCATION_CHARGEPOINT = {
    "chargepoint_id": CHARGER,
    "name": "Demo AC charger (OCPP 1.6)",
    "max_power": 22.0,
    "status": "AVAILABLE",
    "status_confirmed_at": SEEN_AT,
    "connected": True,
    "last_heartbeat": SEEN_AT,
    "connectors": [CONNECTOR_PUBLIC],
}
TARIFF_BRIEF = {
    "id": TARIFF_ID,
    "currency": "EUR",
    "type": "REGULAR",
    "tariff_alt_text": [{"language": "en", "text": "AC standard: 0.35 EUR/kWh"}],
    "text": "0.4165 EUR/kWh",
    "elements": [
        {
            "position": 0,
            "price_components": [
                {
                    "type": "ENERGY",
                    "unit": "kWh",
                    "price": price("0.35", "0.4165"),
                    "vat_percent": "19.0",
                    "step_size": 1,
                }
            ],
            "restrictions": None,
        }
    ],
}
LOCATION_REQUEST = {
    "name": "Demo depot",
    "address": "Invalidenstraße 117",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "coordinates": COORDINATES,
    "parking_type": "PARKING_LOT",
    "time_zone": "Europe/Berlin",
    "publish": True,
    "country_code": "DE",
    "party_id": "CSM",
}
LOCATION = [
    answer(
        "The demo depot, 0.4 km from the point searched",
        {
            "id": LOCATION_ID,
            **LOCATION_REQUEST,
            "state": "",
            "last_updated": SETUP_AT,
            "distance_km": 0.371,
            "chargepoints": [LOCATION_CHARGEPOINT],
            "substation_id": "",
            "tariffs": [TARIFF_BRIEF],
        },
    ),
    asked("A depot in Berlin", LOCATION_REQUEST),
]

ENERGY_VALUE = {"day": 20.0, "week": 61.5, "month": 187.25, "year": 2214.8}
CHARGEPOINT_ENERGY = [answer("Energy delivered", {**ENERGY_VALUE, "timezone": "Europe/Berlin"})]
ENERGY = [answer("Energy charged", {**ENERGY_VALUE, "timezone": "Asia/Bangkok"})]

EVSE = [
    answer(
        "The EVSE a QR code names",
        {
            "evse_id": EVSE_ID,
            "status": "AVAILABLE",
            "status_confirmed_at": SEEN_AT,
            "chargepoint": {
                "chargepoint_id": CHARGER,
                "name": "Demo AC charger (OCPP 1.6)",
                "connected": True,
                "max_power": 22.0,
            },
            "location": {
                "id": LOCATION_ID,
                "name": "Demo depot",
                "address": "Invalidenstraße 117",
                "city": "Berlin",
                "postal_code": "10115",
                "country": "DE",
                "coordinates": COORDINATES,
                "time_zone": "Europe/Berlin",
            },
            "connectors": [
                {
                    **CONNECTOR_PUBLIC,
                    "price_url": f"/api/v1/charge-points/{CHARGER}/connectors/1/price/",
                }
            ],
        },
    )
]
