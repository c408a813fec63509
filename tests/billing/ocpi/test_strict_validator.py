"""Every object our OCPI 2.2.1 Sender interfaces answer passes a strict partner validator.

The validator is the JSON Schemas in schemas/, written by hand from the spec's
tables (release-2.2.1-bugfixes: types, mod_cdrs, mod_sessions, mod_tariffs,
mod_locations, mod_tokens): every field's type, cardinality, length and
enumeration, and no field the spec does not define. On top of that, OCPI
numbers use 4 decimals (types §16.6): no number in a CDR or Session has more
(issue 19, finding 4). The PyPI packages with OCPI 2.2.1 models were no use
here: one pins pydantic 1, the other checks types only.

Sessions and CDRs are made through the real path: a 1.6 charger's frames into
the gateway's adapter, priced and billed as any.
"""

import json
import pathlib
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from billing.models import CDR, Tariff, TariffElement
from billing.services.cdrs import cdr_credit
from chargepoints.models import ChargePoint, Connector
from ocpp_gateway.v16.adapter import ChargePoint16
from tests.billing.ocpi.conftest import Partner, envelope, issued_tag, registered_partner
from tests.ocpp_gateway.helpers import Wire

SCHEMAS = pathlib.Path(__file__).parent / "schemas"
SINCE = {"date_from": "2000-01-01T00:00:00Z", "limit": 100}
TOKEN = "strict-partner-token-c-01234"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=REGISTRY)


def errors(name: str, data) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(name).iter_errors(data)
    ]


def long_decimals(data, path="") -> list[str]:
    """Every number with more than 4 decimals in ``data``, by its path."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += long_decimals(value, f"{path}/{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += long_decimals(value, f"{path}/{index}")
    elif isinstance(data, float | int) and not isinstance(data, bool):
        # The JSON text a partner reads: Python writes the shortest repr.
        exponent = Decimal(repr(data)).normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:
            found.append(f"{path} = {data!r}")
    return found


# The strict checks themselves must refuse what they are meant to refuse.


def test_the_validator_refuses_an_unknown_field_a_long_id_and_a_bad_enum():
    cdr_errors = errors("cdr", {"id": "x" * 40, "auth_method": "PIN", "colour": "red"})

    assert any("colour" in e for e in cdr_errors)
    assert any(e.startswith("id:") for e in cdr_errors)
    assert any(e.startswith("auth_method:") for e in cdr_errors)
    assert any("'country_code' is a required property" in e for e in cdr_errors)


def test_the_decimal_check_finds_a_sixth_decimal_at_any_depth():
    session = {"kwh": 1.5, "charging_periods": [{"dimensions": [{"volume": 0.341667}]}]}

    assert long_decimals(session) == ["/charging_periods/0/dimensions/0/volume = 0.341667"]
    assert long_decimals({"a": 0.3417, "b": 12, "c": 1e-4}) == []


# Sessions and CDRs through the real path, with several tariffs.

C = {"type": "TIME", "price": 2.0, "vat": 19.0, "step_size": 60}
TARIFFS = {
    "ENERGY": {
        "price_components": [{"type": "ENERGY", "price": 0.2997, "vat": 19.0, "step_size": 1}]
    },
    "TIME": {"price_components": [C]},
    "PARKING": {
        "price_components": [
            {"type": "TIME", "price": 1.5, "step_size": 1},
            {"type": "PARKING_TIME", "price": 6.0, "vat": 7.0, "step_size": 300},
        ]
    },
    "FLAT": {"price_components": [{"type": "FLAT", "price": 1.25, "vat": 19.0, "step_size": 1}]},
    "MINMAX": {"price_components": [{"type": "ENERGY", "price": 0.1, "step_size": 1}]},
    "CURRENT": {
        "price_components": [{"type": "TIME", "price": 1.0, "vat": 20.0, "step_size": 900}],
        "restrictions": {"max_current": 32.0, "start_time": "08:00", "end_time": "20:00"},
    },
}
LIMITS = {"MINMAX": {"min_price": {"excl_vat": 5.0}, "max_price": {"excl_vat": 50.0}}}


@pytest.fixture
def partner(location) -> Partner:
    """A registered eMSP whose drivers charged every session below."""
    registered = registered_partner(
        "Strict eMSP", "NL", "STR", ("strict-token-b", TOKEN), "strict.example.com"
    )
    for name in TARIFFS:
        issued_tag(registered, f"TAG-{name}")
    return Partner(TOKEN)


@pytest.fixture
def priced_chargers(location, partner):
    """One 1.6 charger per tariff, each connector priced by it."""
    wires = {}
    for name, element in TARIFFS.items():
        tariff = Tariff.objects.create(
            country_code="DE",
            party_id="CSM",
            id=f"T-{name}",
            currency="EUR",
            **LIMITS.get(name, {}),
        )
        TariffElement.objects.create(
            tariff=tariff,
            price_components=element["price_components"],
            restrictions=element.get("restrictions", {}),
        )
        chargepoint = ChargePoint.objects.create(chargepoint_id=f"STRICT-{name}", location=location)
        Connector.objects.create(chargepoint=chargepoint, connectorid=1).tariff_ids.add(tariff)
        wire = Wire(ChargePoint16, f"STRICT-{name}")
        wire.result("BootNotification", {"chargePointVendor": "ACME", "chargePointModel": "Duo"})
        wires[name] = wire
    return wires


def charge(wire: Wire, tag: str, *, stop: bool = True) -> None:
    """10:00:07 to 10:51:38 UTC on 2025-06-02: 7 654.321 Wh by odd readings, power but
    no current (as the bundled simulator), parked from 10:37:11; durations and
    energies that are no finite 4-decimal number of hours or kWh."""

    def status(value: str, at: str) -> None:
        wire.result(
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": value, "timestamp": at},
        )

    started = wire.result(
        "StartTransaction",
        {"connectorId": 1, "idTag": tag, "meterStart": 1_000, "timestamp": "2025-06-02T10:00:07Z"},
    )
    tx_id = started["transactionId"]
    status("Charging", "2025-06-02T10:00:07Z")
    for at, wh, watts in (("10:13:29", 3_217.3, "9871.5"), ("10:37:11", 8_654.321, "7123.3")):
        wire.result(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": tx_id,
                "meterValue": [
                    {
                        "timestamp": f"2025-06-02T{at}Z",
                        "sampledValue": [
                            {"value": str(wh), "measurand": "Energy.Active.Import.Register"},
                            {"value": watts, "measurand": "Power.Active.Import", "unit": "W"},
                        ],
                    }
                ],
            },
        )
    status("SuspendedEV", "2025-06-02T10:37:11Z")
    if stop:
        wire.result(
            "StopTransaction",
            {"transactionId": tx_id, "meterStop": 8_654, "timestamp": "2025-06-02T10:51:38Z"},
        )


@pytest.fixture
def billed(priced_chargers):
    """A finished session per tariff (each with its CDR), a credit CDR, and one still running."""
    for name, wire in priced_chargers.items():
        charge(wire, f"TAG-{name}", stop=name != "CURRENT")
    cdr_credit(cdr=CDR.objects.get(tariffs__id="T-ENERGY"), remark="Meter replaced.")
    assert CDR.objects.count() == len(TARIFFS)  # 5 CDRs and the credit


def listed(partner: Partner, module: str) -> list[dict]:
    body = envelope(partner.get(f"/ocpi/2.2.1/{module}", SINCE))
    assert body["data"], f"no {module} to validate"
    return body["data"]


def test_every_cdr_passes_the_strict_validator(partner, billed):
    cdrs = listed(partner, "cdrs")

    assert len(cdrs) == 6
    assert any(cdr.get("credit") for cdr in cdrs)
    assert {t["id"] for cdr in cdrs for t in cdr["tariffs"]} >= {"T-MINMAX", "T-PARKING"}
    for cdr in cdrs:
        assert errors("cdr", cdr) == [], cdr["id"]
        assert long_decimals(cdr) == [], cdr["id"]


def test_every_session_passes_the_strict_validator(partner, billed):
    sessions = listed(partner, "sessions")

    assert {s["status"] for s in sessions} == {"COMPLETED", "ACTIVE"}
    for session in sessions:
        assert errors("session", session) == [], session["id"]
        assert long_decimals(session) == [], session["id"]


def test_every_tariff_and_location_passes_the_strict_validator(partner, billed):
    tariffs = listed(partner, "tariffs")
    locations = listed(partner, "locations")

    assert len(tariffs) == len(TARIFFS)
    for tariff in tariffs:
        assert errors("tariff", tariff) == [], tariff["id"]
    for location in locations:
        assert errors("location", location) == [], location["id"]


def test_cdr_totals_are_the_sums_of_their_periods(partner, billed):
    # Finding 4: 4 decimals, and still totals consistent with the periods, exactly.
    for cdr in listed(partner, "cdrs"):
        sums: dict[str, Decimal] = {}
        for period in cdr["charging_periods"]:
            for dimension in period["dimensions"]:
                name = dimension["type"]
                sums[name] = sums.get(name, Decimal(0)) + Decimal(repr(dimension["volume"]))
        parking = sums.get("PARKING_TIME", Decimal(0))
        assert sums["ENERGY"] == Decimal(repr(cdr["total_energy"])), cdr["id"]
        assert sums.get("TIME", Decimal(0)) + parking == Decimal(repr(cdr["total_time"]))
        assert parking == Decimal(repr(cdr.get("total_parking_time", 0)))


def test_a_cdr_stored_with_6_decimals_is_answered_with_4(partner, billed):
    # A CDR made before finding 4 was fixed: volumes and totals with 6 decimals.
    cdr = CDR.objects.get(tariffs__id="T-TIME")
    periods = cdr.charging_periods
    periods[0]["dimensions"] = [
        {"type": "ENERGY", "volume": 2.217311},
        {"type": "TIME", "volume": 0.222778},
    ]
    CDR.objects.filter(pk=cdr.pk).update(
        charging_periods=periods, total_energy=7.654321, total_time=0.858611
    )

    answered = next(c for c in listed(partner, "cdrs") if c["id"] == cdr.id)

    assert long_decimals(answered) == []
    assert errors("cdr", answered) == []
    assert answered["charging_periods"][0]["dimensions"] == [
        {"type": "ENERGY", "volume": 2.2173},
        {"type": "TIME", "volume": 0.2228},
    ]
