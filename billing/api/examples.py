"""Examples of the billing API's bodies: the driver journey of csms.api.examples."""

from csms.api.examples import (
    CDR_ID,
    CHARGER,
    CHARGING_AT,
    EVSE_ID,
    FREE,
    LOCATION_ID,
    SESSION_ID,
    STOPPED_AT,
    TARIFF_ID,
    TRANSACTION_ID,
    answer,
    price,
)

ENERGY_PRICE = price("0.35", "0.4165")
TEXT = "0.4165 EUR/kWh"
TARIFF_VALUE = {
    "id": TARIFF_ID,
    "country_code": "DE",
    "party_id": "CSM",
    "currency": "EUR",
    "type": "REGULAR",
    "tariff_alt_text": [{"language": "en", "text": "AC standard: 0.35 EUR/kWh"}],
    "text": TEXT,
    "tariff_alt_url": "",
    "min_price": None,
    "max_price": None,
    "elements": [
        {
            "position": 0,
            "price_components": [
                {
                    "type": "ENERGY",
                    "unit": "kWh",
                    "price": ENERGY_PRICE,
                    "vat_percent": "19.0",
                    "step_size": 1,
                }
            ],
            "restrictions": None,
        }
    ],
    "start_date_time": None,
    "end_date_time": None,
    "energy_mix": None,
    "last_updated": "2026-11-02T09:00:00Z",
}
TARIFF = [answer("The demo AC tariff", TARIFF_VALUE)]

PRICE_QUOTE = [
    answer(
        "Connector 1 now, with an estimate for 20 kWh",
        {
            "chargepoint_id": CHARGER,
            "connector_id": 1,
            "at": "2026-12-02T19:50:30Z",
            "free": False,
            "text": TEXT,
            "tariff": TARIFF_VALUE,
            "estimate": {
                "energy_kwh": "20.000",
                "duration_minutes": "54.5",
                "parking_minutes": "0.0",
                "derived": ["duration_minutes"],
                "cost": price("7.00", "8.33"),
                "fixed_cost": FREE,
                "energy_cost": price("7.00", "8.33"),
                "time_cost": FREE,
                "parking_cost": FREE,
            },
        },
    )
]

TOTAL = price("7.00", "8.33")
CDR_VALUE = {
    "id": CDR_ID,
    "country_code": "DE",
    "party_id": "CSM",
    "transaction_id": TRANSACTION_ID,
    "session_id": SESSION_ID,
    "chargepoint_id": CHARGER,
    "connector_id": 1,
    "evse_id": EVSE_ID,
    "location": {
        "id": LOCATION_ID,
        "name": "Demo depot",
        "address": "Invalidenstraße 117",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    },
    "started_at": CHARGING_AT,
    "ended_at": STOPPED_AT,
    "currency": "EUR",
    "total_energy_kwh": 20.0,
    "total_time_h": 0.9238,
    "total_parking_time_h": None,
    "cost": TOTAL,
    "fixed_cost": None,
    "energy_cost": TOTAL,
    "time_cost": None,
    "parking_cost": None,
    "reservation_cost": None,
    "tariff_ids": [TARIFF_ID],
    "charging_periods": [
        {
            "started_at": CHARGING_AT,
            "dimensions": [{"type": "ENERGY", "volume": 20.0}],
            "tariff_id": TARIFF_ID,
        }
    ],
    "auth_method": "COMMAND",
    "credit": False,
    "credit_reference_id": "",
    "remark": "",
    "needs_review": False,
    "last_updated": "2026-12-02T20:46:31Z",
}
CDR = [answer("20 kWh at the demo charger", CDR_VALUE)]
RECEIPT = [
    answer(
        "The receipt of the journey's session",
        {
            **CDR_VALUE,
            "charging_periods": [
                {
                    "started_at": CHARGING_AT,
                    "ended_at": STOPPED_AT,
                    "dimensions": [{"type": "ENERGY", "volume": 20.0}],
                    "costs": {"energy": TOTAL, "time": None, "parking_time": None, "flat": None},
                    "cost": TOTAL,
                }
            ],
            "tariff": {"id": TARIFF_ID, "text": TEXT},
        },
    )
]
