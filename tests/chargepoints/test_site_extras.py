"""Fields other apps add to the sites API (chargepoints.api.sites.extras).

The sites API knows no tariffs: billing registers them. Without billing's
fields connectors show none; a registered field is validated and
saved with the connector.
"""

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from chargepoints.api.sites import extras
from chargepoints.api.sites.extras import ExtraField, Shown, extra_field_register
from tests.problems import fields_at_fault
from tests.rights import OPERATORS, user_in_group
from tests.tokens import token_for

URL = "/api/v1/charge-points/CP-TEST-1/connectors/"


@pytest.fixture
def operator_api(db) -> APIClient:
    operator = user_in_group(OPERATORS, username="operator", password="operator password 42")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(operator)}")
    return client


@pytest.fixture
def no_extras(monkeypatch):
    monkeypatch.setattr(extras, "_registered", [])


def test_billing_registers_the_tariffs_of_connectors_and_locations():
    assert {(field.name, field.shown) for field in extras._registered} == {
        ("tariff_ids", Shown.PUBLIC_CONNECTOR),
        ("tariff_ids", Shown.CONNECTOR),
        ("tariffs", Shown.LOCATION),
    }


def test_without_registered_fields_a_connector_shows_no_tariffs(no_extras, operator_api, connector):
    body = operator_api.get(URL).json()

    assert body["results"][0]["connector_id"] == 1
    assert "tariff_ids" not in body["results"][0]


def test_a_registered_field_is_validated_and_saved_with_the_connector(
    no_extras, operator_api, connector
):
    saved = []
    extra_field_register(
        ExtraField(
            name="colour",
            shown=Shown.CONNECTOR,
            make=lambda: serializers.ChoiceField(choices=["red", "blue"], required=False),
            save=lambda connector, value: saved.append((connector.connectorid, value)),
        )
    )

    refused = operator_api.post(URL, {"connector_id": 2, "colour": "green"}, format="json")
    created = operator_api.post(URL, {"connector_id": 2, "colour": "blue"}, format="json")

    assert refused.status_code == 400 and "colour" in fields_at_fault(refused)
    assert created.status_code == 201, created.json()
    assert saved == [(2, "blue")]
