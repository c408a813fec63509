"""Text messages to a phone: the codes of a password reset (issue 18, finding 9).

CSMS_SMS_SENDER names the class that sends them, e.g.
``accounts.senders.TwilioSender``; anything with ``send(to: str, text: str)``
will do, so a site plugs in its own provider in a few lines. A sender raises
SendFailed (or anything) when the message did not leave; the caller logs it.

Why no SMS library: the ones on PyPI for Django (django-sms, django-sendsms)
have had no release for years, and a provider's own SDK (twilio) pulls in an
HTTP stack for one form POST. Twilio's Messages API is one HTTPS request.
"""

import base64
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, to: str, text: str) -> None: ...


class SendFailed(Exception):
    """The provider did not take the message."""


# Messages leave from these threads, after the answer's commit and beside the
# request: a provider's round trip (hundreds of milliseconds) would otherwise
# make an answer for a number with an account slower than one for a number
# without, which tells the two apart as well as different bodies would.
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sms")
_pending: set[Future] = set()
_pending_lock = threading.Lock()


def sms_sender() -> Sender | None:
    """The configured sender, or None when the site has none (CSMS_SMS_SENDER empty)."""
    path = settings.CSMS_SMS_SENDER
    if not path:
        return None
    try:
        return import_string(path)()
    except ImportError as exc:
        raise ImproperlyConfigured(f"CSMS_SMS_SENDER {path!r} cannot be imported: {exc}") from exc


def sms_send(*, sender: Sender, to: str, text: str) -> None:
    """Send ``text`` to ``to`` on a background thread; a failure is logged, never raised.

    The log names the number, never the text: it holds a code.
    """

    def send() -> None:
        try:
            sender.send(to, text)
        except Exception:
            logger.exception("Sending an SMS to %s with %s failed.", to, type(sender).__name__)

    future = _pool.submit(send)
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _pending_lock:
        _pending.discard(future)


def sms_wait(timeout: float | None = None) -> None:
    """Wait until the messages handed over so far have been sent or have failed."""
    with _pending_lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


class ConsoleSender:
    """Development: the message goes to the log (logger ``accounts.senders``), not to a phone.

    The default with DEBUG on. Never in production: whoever reads the log
    could reset any password.
    """

    def send(self, to: str, text: str) -> None:
        logger.warning("SMS to %s: %s", to, text)


@dataclass(frozen=True)
class SentMessage:
    to: str
    text: str


class OutboxSender:
    """Tests: messages are kept in ``OutboxSender.outbox``, as e-mail in mail.outbox."""

    outbox: ClassVar[list[SentMessage]] = []

    def send(self, to: str, text: str) -> None:
        self.outbox.append(SentMessage(to=to, text=text))


class TwilioSender:
    """Twilio's Messages API: POST {url}/2010-04-01/Accounts/{sid}/Messages.json.

    Settings (from the environment): CSMS_SMS_TWILIO_ACCOUNT_SID,
    CSMS_SMS_TWILIO_AUTH_TOKEN (HTTP basic auth), and either
    CSMS_SMS_TWILIO_FROM (a number of the account) or
    CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID. CSMS_SMS_TWILIO_URL points
    elsewhere only for a test double or a regional edge.
    """

    def __init__(self):
        self.account_sid = settings.CSMS_SMS_TWILIO_ACCOUNT_SID
        self.auth_token = settings.CSMS_SMS_TWILIO_AUTH_TOKEN
        self.sender = settings.CSMS_SMS_TWILIO_FROM
        self.service = settings.CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID
        if not (self.account_sid and self.auth_token and (self.sender or self.service)):
            raise ImproperlyConfigured(
                "TwilioSender needs CSMS_SMS_TWILIO_ACCOUNT_SID, CSMS_SMS_TWILIO_AUTH_TOKEN and "
                "CSMS_SMS_TWILIO_FROM or CSMS_SMS_TWILIO_MESSAGING_SERVICE_SID."
            )
        base = settings.CSMS_SMS_TWILIO_URL.rstrip("/")
        sid = urllib.parse.quote(self.account_sid, safe="")
        self.url = f"{base}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, to: str, text: str) -> None:
        fields = {"To": to, "Body": text}
        if self.service:
            fields["MessagingServiceSid"] = self.service
        else:
            fields["From"] = self.sender
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            # The request waits for this; a provider slower than that is down.
            with urllib.request.urlopen(request, timeout=settings.CSMS_SMS_TIMEOUT) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            raise SendFailed(f"Twilio answered {exc.code}: {_twilio_error(exc)}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SendFailed(f"Twilio unreachable: {exc}") from None


def _twilio_error(exc: urllib.error.HTTPError) -> str:
    """Twilio's own words for a refusal ({"code": 21211, "message": "..."}), if it gave them."""
    try:
        body = json.loads(exc.read(4096) or b"{}")
    except (ValueError, OSError):
        return exc.reason or ""
    if isinstance(body, dict) and body.get("message"):
        return f"{body.get('code', '')} {body['message']}".strip()
    return exc.reason or ""
