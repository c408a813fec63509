"""Paginated lists (transport §4.1.4.1), shown on tariffs; the tariffs module itself."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from billing.models import Tariff, TariffElement
from billing.ocpi.pagination import MAX_LIMIT
from tests.billing.ocpi.conftest import envelope

URL = "/ocpi/2.2.1/tariffs"


def make_tariffs(count: int, *, country_code: str = "DE", party_id: str = "CSM") -> None:
    for i in range(count):
        Tariff.objects.create(
            id=f"T{i:03}", country_code=country_code, party_id=party_id, currency="EUR"
        )


def next_params(response) -> dict[str, list[str]]:
    link = response["Link"]
    assert link.endswith('>; rel="next"')
    return parse_qs(urlsplit(link[1 : link.index(">")]).query)


def ids(response) -> list[str]:
    return [row["id"] for row in envelope(response)["data"]]


def test_a_page_says_how_many_there_are_and_links_the_next(emsp):
    make_tariffs(5)

    response = emsp.get(URL, {"offset": 1, "limit": 2})

    assert ids(response) == ["T001", "T002"]
    assert response["X-Total-Count"] == "5"
    assert response["X-Limit"] == "2"
    assert response["Link"] == (
        '<http://testserver/ocpi/2.2.1/tariffs?offset=3&limit=2>; rel="next"'
    )


def test_the_last_page_has_no_link(emsp):
    make_tariffs(5)

    response = emsp.get(URL, {"offset": 3, "limit": 2})

    assert ids(response) == ["T003", "T004"]
    assert "Link" not in response
    assert "Link" not in emsp.get(URL)
    assert ids(emsp.get(URL, {"offset": 10})) == []


def test_following_the_links_visits_every_object_once(emsp):
    make_tariffs(7)
    seen, url, params = [], URL, {"limit": 3}

    while True:
        response = emsp.get(url, params)
        seen += ids(response)
        if "Link" not in response:
            break
        link = response["Link"]
        url = link[link.index("<") + 1 : link.index(">")].removeprefix("http://testserver")
        params = None

    assert seen == [f"T{i:03}" for i in range(7)]


def test_a_limit_above_ours_is_lowered_to_ours(emsp):
    make_tariffs(MAX_LIMIT + 5)

    response = emsp.get(URL, {"limit": 2000})

    assert len(envelope(response)["data"]) == MAX_LIMIT
    assert response["X-Limit"] == str(MAX_LIMIT)
    assert response["X-Total-Count"] == str(MAX_LIMIT + 5)
    assert next_params(response) == {"offset": [str(MAX_LIMIT)], "limit": [str(MAX_LIMIT)]}


def test_the_next_link_keeps_the_date_filters(emsp):
    make_tariffs(3)

    response = emsp.get(
        URL, {"date_from": "2000-01-01T00:00:00Z", "date_to": "2100-01-01T00:00:00", "limit": 1}
    )

    assert next_params(response) == {
        "date_from": ["2000-01-01T00:00:00Z"],
        "date_to": ["2100-01-01T00:00:00"],
        "offset": ["1"],
        "limit": ["1"],
    }


def test_limit_zero_answers_the_count_only(emsp):
    make_tariffs(2)

    response = emsp.get(URL, {"limit": 0})

    assert ids(response) == []
    assert response["X-Total-Count"] == "2"
    assert "Link" not in response


def test_date_from_is_inclusive_and_date_to_exclusive(emsp):
    make_tariffs(3)
    for i, hour in enumerate([8, 9, 10]):
        moment = datetime.datetime(2024, 5, 1, hour, 0, 0, 500000, tzinfo=datetime.UTC)
        Tariff.objects.filter(id=f"T{i:03}").update(last_updated=moment)

    def between(date_from=None, date_to=None):
        params = {k: v for k, v in {"date_from": date_from, "date_to": date_to}.items() if v}
        return ids(emsp.get(URL, params))

    assert between("2024-05-01T09:00:00.5Z") == ["T001", "T002"]
    assert between("2024-05-01T09:00:00.500001Z") == ["T002"]
    assert between(date_to="2024-05-01T09:00:00.5Z") == ["T000"]
    assert between("2024-05-01T08:00:00", "2024-05-01T10:00:00") == ["T000", "T001"]
    response = emsp.get(URL, {"date_from": "2024-05-01T09:00:00Z"})
    assert response["X-Total-Count"] == "2"
    assert envelope(response)["data"][0]["last_updated"] == "2024-05-01T09:00:00Z"


@pytest.mark.parametrize(
    "params",
    [
        {"offset": "-1"},
        {"offset": "one"},
        {"offset": ""},
        {"limit": "-5"},
        {"limit": "1.5"},
        {"limit": "9" * 30},
        {"date_from": "yesterday"},
        {"date_from": "2024-05-01"},
        {"date_from": "2024-05-01T09:00:00+02:00"},
        {"date_from": "2024-13-01T09:00:00Z"},
        {"date_to": "2024-05-01 09:00:00"},
    ],
)
def test_bad_parameters_are_400_2001(emsp, params):
    body = envelope(emsp.get(URL, params), status=400, code=2001)

    assert "data" not in body


def test_tariffs_are_our_ocpi_tariffs_with_their_elements(emsp, location):
    tariff = Tariff.objects.create(
        id="AC-1",
        country_code="DE",
        party_id="CSM",
        currency="EUR",
        tariff_alt_text=[{"language": "en", "text": "0.35 EUR/kWh"}],
    )
    TariffElement.objects.create(
        tariff=tariff,
        price_components=[{"type": "ENERGY", "price": 0.35, "vat": 19.0, "step_size": 1}],
    )
    # A location under another party id of ours, and a tariff of nobody we know.
    location.country_code, location.party_id = "TH", "BKK"
    location.save()
    make_tariffs(1, country_code="th", party_id="bkk")
    Tariff.objects.create(id="FOREIGN", country_code="NL", party_id="XYZ", currency="EUR")

    data = envelope(emsp.get(URL))["data"]

    assert [(t["country_code"], t["party_id"], t["id"]) for t in data] == [
        ("DE", "CSM", "AC-1"),
        ("th", "bkk", "T000"),
    ]
    assert {k: v for k, v in data[0].items() if k != "last_updated"} == {
        "country_code": "DE",
        "party_id": "CSM",
        "id": "AC-1",
        "currency": "EUR",
        "type": "REGULAR",
        "tariff_alt_text": [{"language": "en", "text": "0.35 EUR/kWh"}],
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": 0.35, "vat": 19.0, "step_size": 1}]}
        ],
    }
