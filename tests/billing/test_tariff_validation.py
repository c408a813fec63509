"""billing.validation: every class of bad OCPI 2.2.1 tariff input, by exact path and message."""

import copy
import json
from pathlib import Path

import pytest

from billing.pricing.tariffs import TariffSpec
from billing.validation.tariffs import tariff_errors
from billing.validation.types import parse_datetime

EXAMPLES = Path(__file__).parent / "ocpi_examples"
# Spec examples that break the spec's own rules (see ocpi_examples/README.md).
# Every example of the specification, including the free-of-charge one with
# step_size 0 and the PUT example without last_updated (see billing/validation/tariffs.py).
VALID_EXAMPLES = sorted(path.name for path in EXAMPLES.glob("*.json"))
DELETE = object()

TYPES = "must be one of AD_HOC_PAYMENT, PROFILE_CHEAP, PROFILE_FAST, PROFILE_GREEN, REGULAR"
DIMENSIONS = "must be one of ENERGY, FLAT, PARKING_TIME, TIME"
DAYS = "must be one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY"
SOURCES = "must be one of NUCLEAR, GENERAL_FOSSIL, COAL, GAS, GENERAL_GREEN, SOLAR, WIND, WATER"
ID = "must be 1 to 36 printable ASCII characters other than /"
TIME = "must be a time of day as HH:MM (00:00 to 23:59)"
DATETIME = "must be a UTC date and time as YYYY-MM-DDThh:mm:ssZ"
URL = "must be a URL of at most 255 characters"
RESERVATION = "must be FLAT or TIME in an element with a reservation restriction"


def full_tariff() -> dict:
    """A valid tariff that sets every field OCPI 2.2.1 defines."""
    return {
        "country_code": "DE",
        "party_id": "ALL",
        "id": "T-1",
        "currency": "EUR",
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "en", "text": "0.25 euro per kWh, 2 euro per hour"}],
        "tariff_alt_url": "https://company.com/tariffs/1",
        "min_price": {"excl_vat": 0.50, "incl_vat": 0.55},
        "max_price": {"excl_vat": 10.00, "incl_vat": 11.00},
        "elements": [
            {
                "price_components": [
                    {"type": "FLAT", "price": 2.00, "vat": 20.0, "step_size": 1},
                    {"type": "TIME", "price": 5.00, "vat": 20.0, "step_size": 60},
                ],
                "restrictions": {"reservation": "RESERVATION"},
            },
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1},
                    {"type": "PARKING_TIME", "price": 2.00, "step_size": 300},
                ],
                "restrictions": {
                    "start_time": "09:00",
                    "end_time": "18:00",
                    "start_date": "2024-01-01",
                    "end_date": "2025-01-01",
                    "min_kwh": 0,
                    "max_kwh": 50.5,
                    "min_current": 6,
                    "max_current": 32.0,
                    "min_power": 3.7,
                    "max_power": 22,
                    "min_duration": 0,
                    "max_duration": 3600,
                    "day_of_week": ["MONDAY", "FRIDAY"],
                },
            },
            {"price_components": [{"type": "TIME", "price": 0, "step_size": 1}]},
        ],
        "start_date_time": "2024-01-01T00:00:00Z",
        "end_date_time": "2024-12-31T23:59:59.123Z",
        "energy_mix": {
            "is_green_energy": False,
            "energy_sources": [
                {"source": "GENERAL_GREEN", "percentage": 35.9},
                {"source": "GAS", "percentage": 6.3},
                {"source": "COAL", "percentage": 57.8},
            ],
            "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 372}],
            "supplier_name": "E.ON Energy Deutschland",
            "energy_product_name": "E.ON DirektStrom eco",
        },
        "last_updated": "2024-01-01T12:00:00Z",
    }


def errors_with(*changes) -> list[tuple[str, str]]:
    """The errors of full_tariff() after setting (path, value) pairs; DELETE removes a key."""
    data = copy.deepcopy(full_tariff())
    for path, value in changes:
        *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
        target = data
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return tariff_errors(data)


def test_a_tariff_with_every_field_set_is_valid():
    assert tariff_errors(full_tariff()) == []


@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_the_spec_examples_are_valid(name):
    data = json.loads((EXAMPLES / name).read_text())
    assert tariff_errors(data) == []
    # What we accept, the cost engine can price.
    TariffSpec.from_ocpi(data)


def test_it_only_takes_an_object():
    assert tariff_errors([]) == [("", "must be an object")]
    assert tariff_errors(None) == [("", "must be an object")]


def test_it_reports_every_error_at_once_in_field_order():
    assert errors_with(
        ("party_id", DELETE),
        ("elements.1.price_components.0.vat", 120),
        ("last_updated", "yesterday"),
    ) == [
        ("party_id", "is required"),
        ("elements[1].price_components[0].vat", "must be at most 100"),
        ("last_updated", DATETIME),
    ]


@pytest.mark.parametrize(
    "field",
    ["country_code", "party_id", "id", "currency", "elements"],
)
def test_required_fields_must_be_present_and_not_null(field):
    assert errors_with((field, DELETE)) == [(field, "is required")]
    assert errors_with((field, None)) == [(field, "is required")]


def test_optional_fields_may_be_null_and_unknown_fields_are_ignored():
    assert (
        errors_with(
            ("type", None),
            ("tariff_alt_text", None),
            ("min_price", None),
            ("elements.0.restrictions", None),
            ("elements.1.price_components.0.vat", None),
            ("energy_mix.supplier_name", None),
            ("publish", True),
            ("elements.1.price_components.0.tax_code", "X"),
            ("energy_mix.certificate", {"any": "thing"}),
        )
        == []
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("country_code", "DEU", "must be a 2-letter ISO 3166-1 alpha-2 country code"),
        ("country_code", "D1", "must be a 2-letter ISO 3166-1 alpha-2 country code"),
        ("party_id", "AL", "must be 3 letters or digits (ISO 15118 party id)"),
        ("party_id", "A L", "must be 3 letters or digits (ISO 15118 party id)"),
        ("id", "", ID),
        ("id", "x" * 37, ID),
        ("id", "a/b", ID),
        ("id", "tab\there", ID),
        ("id", "café", ID),
        ("id", 12, ID),
        ("currency", "EU", "must be a 3-letter ISO 4217 currency code"),
        ("currency", "€UR", "must be a 3-letter ISO 4217 currency code"),
        ("type", "PROFILE_CHEAPEST", TYPES),
        ("type", "regular", TYPES),
        ("tariff_alt_url", "company.com/tariffs", URL),
        ("tariff_alt_url", "https://company.com/" + "a" * 236, URL),
    ],
)
def test_it_checks_the_tariff_fields(path, value, message):
    assert errors_with((path, value)) == [(path, message)]


def test_codes_and_ids_of_36_characters_are_fine_in_any_case():
    assert errors_with(("country_code", "de"), ("party_id", "a1b"), ("currency", "eur")) == []
    assert errors_with(("id", "x" * 36)) == []
    assert errors_with(("tariff_alt_url", "https://company.com/" + "a" * 235)) == []


@pytest.mark.parametrize(
    ("path", "value", "error_path", "message"),
    [
        ("tariff_alt_text", {"language": "en"}, "tariff_alt_text", "must be a list"),
        ("tariff_alt_text.0", "text", "tariff_alt_text[0]", "must be an object"),
        (
            "tariff_alt_text.0.language",
            "eng",
            "tariff_alt_text[0].language",
            "must be a 2-letter ISO 639-1 language code",
        ),
        ("tariff_alt_text.0.language", DELETE, "tariff_alt_text[0].language", "is required"),
        ("tariff_alt_text.0.text", 5, "tariff_alt_text[0].text", "must be a string"),
        (
            "tariff_alt_text.0.text",
            "x" * 513,
            "tariff_alt_text[0].text",
            "must be at most 512 characters",
        ),
        (
            "tariff_alt_text.0.text",
            "two\nlines",
            "tariff_alt_text[0].text",
            "must not contain control characters or line breaks",
        ),
        (
            "tariff_alt_text.0.text",
            "bad \ud800",
            "tariff_alt_text[0].text",
            "must not contain control characters or line breaks",
        ),
        (
            "tariff_alt_text.0.text",
            "<b>2 euro</b>",
            "tariff_alt_text[0].text",
            "must be plain text, without markup",
        ),
    ],
)
def test_it_checks_display_texts(path, value, error_path, message):
    assert errors_with((path, value)) == [(error_path, message)]


def test_display_texts_may_hold_any_printable_text():
    text = "2,00 € p/uur < 22 kW\u00a0; 充电 ≥ 50 kW > 0,40 €"
    assert errors_with(("tariff_alt_text.0.text", text)) == []
    assert errors_with(("tariff_alt_text.0.text", "x" * 512)) == []


@pytest.mark.parametrize(
    ("path", "value", "error_path", "message"),
    [
        ("min_price", 0.5, "min_price", "must be an object"),
        ("min_price.excl_vat", DELETE, "min_price.excl_vat", "is required"),
        ("min_price.excl_vat", "0.50", "min_price.excl_vat", "must be a number"),
        ("max_price.incl_vat", -1, "max_price.incl_vat", "must not be negative"),
        ("max_price.excl_vat", 0.4, "min_price.excl_vat", "must not exceed max_price.excl_vat"),
        ("min_price.incl_vat", 11.5, "min_price.incl_vat", "must not exceed max_price.incl_vat"),
    ],
)
def test_it_checks_prices(path, value, error_path, message):
    assert errors_with((path, value)) == [(error_path, message)]


def test_min_price_may_equal_max_price():
    assert errors_with(("min_price", {"excl_vat": 10, "incl_vat": 11})) == []


@pytest.mark.parametrize(
    ("path", "value", "error_path", "message"),
    [
        ("elements", {}, "elements", "must be a list"),
        ("elements", [], "elements", "must not be empty"),
        ("elements.1", [], "elements[1]", "must be an object"),
        ("elements.1.price_components", DELETE, "elements[1].price_components", "is required"),
        ("elements.1.price_components", [], "elements[1].price_components", "must not be empty"),
        (
            "elements.1.price_components.1",
            None,
            "elements[1].price_components[1]",
            "must be an object",
        ),
    ],
)
def test_it_checks_elements(path, value, error_path, message):
    assert errors_with((path, value)) == [(error_path, message)]


COMPONENT = "elements.1.price_components.0"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", DELETE, "is required"),
        ("type", "KWH", DIMENSIONS),
        ("type", "energy", DIMENSIONS),
        ("price", DELETE, "is required"),
        ("price", "0.25", "must be a number"),
        ("price", True, "must be a number"),
        ("price", float("nan"), "must be a number"),
        ("price", float("inf"), "must be a number"),
        ("price", -0.01, "must not be negative"),
        ("vat", -1, "must not be negative"),
        ("vat", 100.01, "must be at most 100"),
        ("vat", "19%", "must be a number"),
        ("step_size", DELETE, "is required"),
        ("step_size", -60, "must not be negative"),
        ("step_size", 1.5, "must be an integer"),
        ("step_size", 60.0, "must be an integer"),
        ("step_size", "60", "must be an integer"),
        ("step_size", True, "must be an integer"),
    ],
)
def test_it_checks_price_components(field, value, message):
    error_path = "elements[1].price_components[0]." + field
    assert errors_with((f"{COMPONENT}.{field}", value)) == [(error_path, message)]


def test_a_free_component_and_vat_of_0_or_100_are_fine():
    assert errors_with((f"{COMPONENT}.price", 0), (f"{COMPONENT}.vat", 0)) == []
    assert errors_with((f"{COMPONENT}.vat", 100)) == []


RESTRICTIONS = "elements.1.restrictions"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_time", "9:00", TIME),
        ("start_time", "24:00", TIME),
        ("end_time", "12:60", TIME),
        ("end_time", "12:00:00", TIME),
        ("end_time", 1200, TIME),
        ("start_date", "2024-13-01", "must be a date as YYYY-MM-DD"),
        ("start_date", "20240101", "must be a date as YYYY-MM-DD"),
        ("end_date", "2024-1-1", "must be a date as YYYY-MM-DD"),
        ("end_date", "2025-02-30", "is not a real date"),
        ("min_kwh", "20", "must be a number"),
        ("max_kwh", -5, "must not be negative"),
        ("min_current", False, "must be a number"),
        ("max_power", [22], "must be a number"),
        ("min_duration", 1.5, "must be an integer"),
        ("max_duration", -1, "must not be negative"),
        ("day_of_week", "MONDAY", "must be a list"),
        ("reservation", "YES", "must be one of RESERVATION, RESERVATION_EXPIRES"),
    ],
)
def test_it_checks_restrictions(field, value, message):
    error_path = "elements[1].restrictions." + field
    assert errors_with((f"{RESTRICTIONS}.{field}", value)) == [(error_path, message)]


def test_it_checks_each_day_of_week():
    assert errors_with((f"{RESTRICTIONS}.day_of_week", ["MONDAY", "monday", "SUN"])) == [
        ("elements[1].restrictions.day_of_week[1]", DAYS),
        ("elements[1].restrictions.day_of_week[2]", DAYS),
    ]


def test_restrictions_must_be_an_object():
    assert errors_with((RESTRICTIONS, ["MONDAY"])) == [
        ("elements[1].restrictions", "must be an object")
    ]


@pytest.mark.parametrize(
    ("low", "high", "low_value", "high_value", "message"),
    [
        ("min_kwh", "max_kwh", 50, 20, "must not exceed max_kwh"),
        ("min_current", "max_current", 32.5, 32, "must not exceed max_current"),
        ("min_power", "max_power", 50, 22, "must not exceed max_power"),
        ("min_duration", "max_duration", 3600, 1800, "must not exceed max_duration"),
        ("start_date", "end_date", "2025-01-02", "2025-01-01", "must not be after end_date"),
    ],
)
def test_a_restriction_range_may_not_end_before_it_starts(
    low, high, low_value, high_value, message
):
    assert errors_with(
        (f"{RESTRICTIONS}.{low}", low_value), (f"{RESTRICTIONS}.{high}", high_value)
    ) == [(f"elements[1].restrictions.{low}", message)]
    assert (
        errors_with((f"{RESTRICTIONS}.{low}", high_value), (f"{RESTRICTIONS}.{high}", high_value))
        == []
    )


def test_a_time_window_may_wrap_past_midnight():
    # tariffs §11.4.6: "If end_time < start_time then the period wraps around to the next day."
    assert (
        errors_with((f"{RESTRICTIONS}.start_time", "20:00"), (f"{RESTRICTIONS}.end_time", "00:00"))
        == []
    )


def test_a_reservation_element_may_only_have_flat_and_time_components():
    assert errors_with(
        ("elements.0.price_components.0.type", "ENERGY"),
        ("elements.0.price_components.1.type", "PARKING_TIME"),
    ) == [
        ("elements[0].price_components[0].type", RESERVATION),
        ("elements[0].price_components[1].type", RESERVATION),
    ]
    assert errors_with(("elements.0.restrictions.reservation", "RESERVATION_EXPIRES")) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-01-01T00:00:00+00:00", DATETIME),
        ("2024-01-01T02:00:00+02:00", DATETIME),
        ("2024-01-01 00:00:00Z", DATETIME),
        ("2024-01-01", DATETIME),
        ("2024-01-01T00:00:00.1234567Z", DATETIME),
        ("\uff12\uff10\uff12\uff14-01-01T00:00:00Z", DATETIME),  # full-width digits
        (1704067200, DATETIME),
        ("2024-02-30T00:00:00Z", "is not a real date and time"),
        ("2024-01-01T24:00:00Z", "is not a real date and time"),
    ],
)
def test_date_times_are_in_utc_as_the_spec_writes_them(value, message):
    assert errors_with(("start_date_time", value)) == [("start_date_time", message)]


@pytest.mark.parametrize(
    "value", ["2015-06-29T20:39:09", "2016-12-29T17:45:09.2Z", "2018-01-01T01:08:01.123"]
)
def test_date_times_without_designator_or_with_fractions_are_utc(value):
    # types §16.2: "The absence of the timezone designator implies a UTC timestamp."
    assert errors_with(("last_updated", value)) == []
    assert parse_datetime(value).utcoffset().total_seconds() == 0


def test_a_tariff_must_start_before_it_ends():
    assert errors_with(("end_date_time", "2024-01-01T00:00:00Z")) == [
        ("start_date_time", "must be before end_date_time")
    ]


@pytest.mark.parametrize(
    ("path", "value", "error_path", "message"),
    [
        ("energy_mix", True, "energy_mix", "must be an object"),
        ("energy_mix.is_green_energy", DELETE, "energy_mix.is_green_energy", "is required"),
        (
            "energy_mix.is_green_energy",
            "yes",
            "energy_mix.is_green_energy",
            "must be true or false",
        ),
        ("energy_mix.energy_sources", {}, "energy_mix.energy_sources", "must be a list"),
        (
            "energy_mix.energy_sources.1.source",
            "HYDRO",
            "energy_mix.energy_sources[1].source",
            SOURCES,
        ),
        (
            "energy_mix.energy_sources.2.percentage",
            100.5,
            "energy_mix.energy_sources[2].percentage",
            "must be at most 100",
        ),
        (
            "energy_mix.energy_sources.2.percentage",
            DELETE,
            "energy_mix.energy_sources[2].percentage",
            "is required",
        ),
        (
            "energy_mix.environ_impact.0.category",
            "CO2",
            "energy_mix.environ_impact[0].category",
            "must be one of NUCLEAR_WASTE, CARBON_DIOXIDE",
        ),
        (
            "energy_mix.environ_impact.0.amount",
            -3,
            "energy_mix.environ_impact[0].amount",
            "must not be negative",
        ),
        (
            "energy_mix.supplier_name",
            "x" * 65,
            "energy_mix.supplier_name",
            "must be at most 64 characters",
        ),
        (
            "energy_mix.energy_product_name",
            "eco\tplus",
            "energy_mix.energy_product_name",
            "must not contain control characters or line breaks",
        ),
    ],
)
def test_it_checks_the_energy_mix(path, value, error_path, message):
    assert errors_with((path, value)) == [(error_path, message)]
