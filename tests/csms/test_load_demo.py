"""``manage.py load_demo``: the demo network (chargepoints/demo.py) with its tariff
(billing/demo.py)."""

from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import IdTag, User
from billing.demo import demo_tariffs_load
from billing.models import Tariff
from chargepoints.demo import BMW_WALLBOX_ID, OCPP16_DEMO_ID, demo_data_load
from chargepoints.models import ChargePoint, Connector, Location

MODELS = [Location, ChargePoint, Connector, IdTag, Tariff, User]


def load_demo(*, operator_password: str) -> None:
    # What the command does, with the password given instead of read from the environment.
    result = demo_data_load(operator_password=operator_password)
    demo_tariffs_load(new_connectors=result.connectors_created)


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_the_demo_holds_a_16_and_a_201_charge_point(db):
    load_demo(operator_password="s3cret-operator")
    assert ChargePoint.objects.get(chargepoint_id=OCPP16_DEMO_ID).ocpp_version == "ocpp1.6"
    bmw = ChargePoint.objects.get(chargepoint_id=BMW_WALLBOX_ID)
    assert bmw.ocpp_version == "ocpp2.0.1"
    connector = bmw.connectors.get()
    assert (connector.evse_id, connector.evse_connector_id) == (1, 1)
    assert list(connector.tariff_ids.values_list("id", flat=True)) == ["DEMO-AC-STANDARD"]


def test_loading_the_demo_twice_changes_nothing(db):
    load_demo(operator_password="s3cret-operator")
    first = _counts()
    load_demo(operator_password="another-password")
    assert _counts() == first
    assert authenticate(username="operator", password="s3cret-operator") is not None


def test_loading_the_demo_again_keeps_what_the_operator_changed(db):
    load_demo(operator_password="s3cret-operator")
    ChargePoint.objects.filter(pk=BMW_WALLBOX_ID).update(name="Garage wallbox")
    IdTag.objects.filter(pk="DEMO-RFID-0001").update(revoked=True)
    Connector.objects.get(chargepoint_id=BMW_WALLBOX_ID).tariff_ids.clear()

    load_demo(operator_password="s3cret-operator")

    assert ChargePoint.objects.get(pk=BMW_WALLBOX_ID).name == "Garage wallbox"
    assert IdTag.objects.get(pk="DEMO-RFID-0001").revoked is True
    assert not Connector.objects.get(chargepoint_id=BMW_WALLBOX_ID).tariff_ids.exists()


def test_the_operator_password_comes_from_the_environment(db, monkeypatch, capsys):
    monkeypatch.setenv("CSMS_ADMIN_PASSWORD", "from-the-env-42")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "from-the-env-42" not in out
    operator = authenticate(username="operator", password="from-the-env-42")
    assert operator is not None and operator.is_staff and operator.is_superuser


def test_a_generated_operator_password_is_printed_once_and_works(db, monkeypatch, capsys):
    monkeypatch.delenv("CSMS_ADMIN_PASSWORD", raising=False)
    call_command("load_demo")
    first = capsys.readouterr().out
    password = first.split("password '")[1].split("'")[0]
    assert authenticate(username="operator", password=password) is not None

    call_command("load_demo")
    assert password not in capsys.readouterr().out
