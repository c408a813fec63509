"""The SMS senders (accounts/senders.py): Twilio's API against a fake on 127.0.0.1."""

import base64
import importlib
import logging
import re
import urllib.parse

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

import csms.csms_settings
from accounts.senders import ConsoleSender, SendFailed, TwilioSender, sms_sender, sms_wait
from tests.fake_http import FakeHttpServer, JsonHandler
from tests.server import refused_port

SID, AUTH_TOKEN = "AC0123456789abcdef0123456789abcdef", "twilio secret"


class FakeTwilio(FakeHttpServer):
    """Twilio's Messages endpoint: keeps each request; answers 201, or a refusal when told."""

    def __init__(self):
        self.requests: list[dict] = []
        self.refusal: tuple[int, dict] | None = None
        fake = self

        class Handler(JsonHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                fake.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "form": dict(urllib.parse.parse_qsl(self.rfile.read(length).decode())),
                    }
                )
                self.answer(*(fake.refusal or (201, {"sid": "SM1", "status": "queued"})))

        super().__init__(Handler)
        self.url = self.base


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as fake:
        settings.CSMS_SMS_TWILIO_URL = fake.url
        settings.CSMS_SMS_TWILIO_ACCOUNT_SID = SID
        settings.CSMS_SMS_TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.CSMS_SMS_TWILIO_FROM = "+15005550006"
        settings.CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID = ""
        yield fake


def test_twilio_gets_the_message_as_its_api_wants_it(twilio):
    TwilioSender().send("+66812345678", "123456 is your code")

    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    credentials = base64.b64decode(request["authorization"].removeprefix("Basic ")).decode()
    assert credentials == f"{SID}:{AUTH_TOKEN}"
    assert request["form"] == {
        "To": "+66812345678",
        "From": "+15005550006",
        "Body": "123456 is your code",
    }


def test_a_messaging_service_sends_instead_of_a_number(twilio, settings):
    settings.CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID = "MG123"

    TwilioSender().send("+66812345678", "ภาษาไทย 123456")

    form = twilio.requests[0]["form"]
    assert form["MessagingServiceSid"] == "MG123"
    assert "From" not in form
    assert form["Body"] == "ภาษาไทย 123456"


def test_a_refusal_is_a_send_failure_in_twilios_own_words(twilio):
    twilio.refusal = (400, {"code": 21211, "message": "Invalid 'To' Phone Number"})

    with pytest.raises(SendFailed, match=r"400: 21211 Invalid 'To' Phone Number"):
        TwilioSender().send("+66812345678", "123456")


def test_an_unreachable_provider_is_a_send_failure(twilio, settings):
    with refused_port() as port:
        settings.CSMS_SMS_TWILIO_URL = f"http://127.0.0.1:{port}"

        with pytest.raises(SendFailed, match="unreachable"):
            TwilioSender().send("+66812345678", "123456")


def test_twilio_without_credentials_is_a_configuration_error(settings):
    settings.CSMS_SMS_TWILIO_ACCOUNT_SID = ""

    with pytest.raises(ImproperlyConfigured, match="CSMS_SMS_TWILIO_ACCOUNT_SID"):
        TwilioSender()


def test_an_unknown_sender_is_a_configuration_error(settings):
    settings.CSMS_SMS_SENDER = "accounts.senders.NoSuchSender"

    with pytest.raises(ImproperlyConfigured, match="NoSuchSender"):
        sms_sender()


def test_the_console_sender_writes_the_message_to_the_log(caplog):
    with caplog.at_level(logging.INFO, logger="accounts.senders"):
        ConsoleSender().send("+66812345678", "123456 is your code")

    assert "SMS to +66812345678: 123456 is your code" in caplog.text


@pytest.mark.parametrize(("debug", "sender"), [("1", "accounts.senders.ConsoleSender"), ("0", "")])
def test_the_console_sender_is_the_default_in_development_only(monkeypatch, debug, sender):
    monkeypatch.delenv("CSMS_SMS_SENDER", raising=False)
    monkeypatch.setenv("DEBUG", debug)
    try:
        default = importlib.reload(csms.csms_settings).CSMS_SMS_SENDER
        assert default == sender
    finally:
        monkeypatch.undo()
        importlib.reload(csms.csms_settings)


def test_a_password_reset_code_reaches_the_phone_through_twilio(
    twilio, settings, driver, django_capture_on_commit_callbacks
):
    settings.CSMS_SMS_SENDER = "accounts.senders.TwilioSender"
    api = APIClient()

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.post("/api/v1/auth/password-reset/", {"phone_number": "+66812345678"}).status_code
            == 202
        )
    sms_wait()

    [request] = twilio.requests
    assert request["form"]["To"] == "+66812345678"
    code = re.match(r"\d{6}", request["form"]["Body"]).group()
    answer = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"phone_number": "+66812345678", "code": code, "new_password": "a brand new horse 43"},
    )
    assert answer.status_code == 200
