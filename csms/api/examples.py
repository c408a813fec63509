"""How the API's examples are written: one driver's journey, the same ids and amounts everywhere.

Each app keeps its examples in ``<app>/api/examples.py`` and attaches them
with ``@extend_schema_serializer(examples=...)`` on a serializer (every
operation answering with it shows them; a list wraps them in its page) or
``@extend_schema(examples=...)`` on a view. tests/test_api_schema_quality.py
validates every example against the schema of what it exemplifies, so an
example cannot drift from the API.

The journey: a driver (+66812345678, account 42) charges 20 kWh at the demo
charger CP-DEMO-16 (connector 1, printed EVSE id DE*CSM*ECPDEMO16*1, in
Berlin) on 2 December 2026 at the demo tariff, 0.35 EUR/kWh plus 19 % VAT.
"""

from drf_spectacular.utils import OpenApiExample


def answer(summary: str, value, *status_codes: int) -> OpenApiExample:
    """An example of a success answer (200 and 201 unless codes are given)."""
    codes = [str(code) for code in status_codes] or None
    return OpenApiExample(summary, value=value, response_only=True, status_codes=codes)


def asked(summary: str, value) -> OpenApiExample:
    """An example of a request body."""
    return OpenApiExample(summary, value=value, request_only=True)


def price(excl_vat: str, incl_vat: str, currency: str = "EUR") -> dict:
    """A Price object (csms.api.money)."""
    return {
        "excl_vat": {"amount": excl_vat, "currency": currency},
        "incl_vat": {"amount": incl_vat, "currency": currency},
    }


FREE = price("0.00", "0.00")
DRIVER_ID = 42
PHONE = "+66812345678"
CHARGER = "CP-DEMO-16"
EVSE_ID = "DE*CSM*ECPDEMO16*1"
LOCATION_ID = "DEMO-LOC-1"
TARIFF_ID = "DEMO-AC-STANDARD"
ID_TAG = "04E91C5A"
SESSION_ID = "8d3f2f6e-5c1a-4f7e-9a53-2b1d0c7e4a10"
TRANSACTION_ID = 1207
CDR_ID = "CDR-1207"
# The journey's moments.
REGISTERED_AT = "2026-11-30T08:12:00Z"
STARTED_AT = "2026-12-02T19:51:00Z"
CHARGING_AT = "2026-12-02T19:51:04Z"
STOPPED_AT = "2026-12-02T20:46:30Z"
