import datetime

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ocpp_gateway.models import OCPPMessage


def _message(chargepoint, age_days: int) -> OCPPMessage:
    return OCPPMessage.objects.create(
        chargepoint=chargepoint,
        message_id=f"m-{age_days}",
        direction="INBOUND",
        message_type=2,
        action="Heartbeat",
        payload={},
        timestamp=timezone.now() - datetime.timedelta(days=age_days),
    )


@override_settings(CSMS_MESSAGE_RETENTION_DAYS=30)
def test_pruning_deletes_what_is_older_than_the_retention(chargepoint, capsys):
    for age in (1, 29, 31, 400):
        _message(chargepoint, age)
    call_command("prune_ocpp_messages")
    assert sorted(OCPPMessage.objects.values_list("message_id", flat=True)) == ["m-1", "m-29"]
    assert "Deleted 2 OCPP message(s) older than 30 day(s)" in capsys.readouterr().out


def test_the_retention_can_be_given_on_the_command_line(chargepoint):
    for age in (1, 5, 10):
        _message(chargepoint, age)
    call_command("prune_ocpp_messages", "--days", "3")
    assert list(OCPPMessage.objects.values_list("message_id", flat=True)) == ["m-1"]


def test_the_log_is_searchable_in_the_admin(admin_client, chargepoint):
    _message(chargepoint, 1)
    response = admin_client.get("/admin/ocpp_gateway/ocppmessage/", {"q": "m-1"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
