"""Rate limits of the API, and the RateLimit fields that tell an app where it stands.

Logged-in callers are counted per user ("user", or "operator" for accounts
holding any right: integrations syncing a fleet make more calls than a
driver's phone), anonymous ones per client address ("anon"). Counting a
logged-in phone by its account, not its address, matters on mobile networks:
carrier-grade NAT puts thousands of phones behind one address.

Each throttle records what it counted on the request; RateLimitHeaders then
adds the fields of draft-ietf-httpapi-ratelimit-headers (revision 10 and
later: the structured ``RateLimit-Policy`` and ``RateLimit`` fields, which
replace the RateLimit-Limit/-Remaining/-Reset trio of the early drafts):

    RateLimit-Policy: "anon";q=120;w=60, "login";q=10;w=60
    RateLimit: "login";r=9;t=60

``RateLimit-Policy`` lists every policy that applied to the request;
``RateLimit`` the tightest of them (fewest requests left). DRF's throttles
keep a sliding window of request times, so ``t`` is when the oldest counted
request leaves it and one more request is allowed again: on a 429 it equals
Retry-After.
"""

import math
from dataclasses import dataclass
from inspect import iscoroutinefunction

from django.utils.decorators import sync_and_async_middleware
from phonenumber_field.phonenumber import PhoneNumber, to_python
from rest_framework import throttling

from csms.api.permissions import holds_any

# Where the throttles leave their counts: on Django's request, which the
# middleware sees (DRF's Request wraps it).
_STATE = "csms_rate_limits"


@dataclass(frozen=True)
class RateLimitState:
    policy: str
    quota: int
    window: int
    remaining: int
    reset: int


class RecordedThrottle:
    """Mixin for DRF's SimpleRateThrottle: note the count of each request it applied to."""

    policy = ""  # the name in the RateLimit fields; the scope unless set

    def allow_request(self, request, view):
        self.key = None
        allowed = super().allow_request(request, view)
        # A scoped throttle on a view without a scope applies to nothing.
        if getattr(self, "rate", None) is not None and self.key is not None:
            self._record(request, counted=allowed)
        return allowed

    def _record(self, request, *, counted: bool) -> None:
        history = self.history
        reset = self.duration - (self.now - history[-1]) if history else self.duration
        state = RateLimitState(
            policy=self.policy or self.scope,
            quota=self.num_requests,
            window=self.duration,
            remaining=max(self.num_requests - len(history), 0),
            reset=max(math.ceil(reset), 0),
        )
        django_request = getattr(request, "_request", request)
        states = getattr(django_request, _STATE, None)
        if states is None:
            states = []
            setattr(django_request, _STATE, states)
        states.append(state)


class AnonRateThrottle(RecordedThrottle, throttling.AnonRateThrottle):
    """Anonymous callers, per client address (csms/clients.py reads it)."""


class UserRateThrottle(RecordedThrottle, throttling.UserRateThrottle):
    """Logged-in callers, per account; holders of any right at the "operator" rate."""

    def allow_request(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return True  # AnonRateThrottle counts them
        if holds_any(user):
            self.scope = "operator"
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AddressRateThrottle(RecordedThrottle, throttling.ScopedRateThrottle):
    """The view's ``throttle_scope`` (e.g. "login"), per client address."""


class PhoneNumberRateThrottle(RecordedThrottle, throttling.SimpleRateThrottle):
    """Per phone number named in the body, whoever asks: "login" attempts for one account.

    Spreading guesses over many addresses does not buy more of them. A number
    is counted whether or not it has an account, so the count tells nothing.
    """

    scope = "login"
    policy = "login_phone_number"

    def get_cache_key(self, request, view):
        data = request.data
        raw = data.get("phone_number") if hasattr(data, "get") else None
        if not isinstance(raw, str):
            return None
        number = to_python(raw)
        # A malformed number is the serializer's to refuse.
        if not isinstance(number, PhoneNumber) or not number.is_valid():
            return None
        return self.cache_format % {"scope": self.policy, "ident": number.as_e164}


class PasswordResetCodeThrottle(PhoneNumberRateThrottle):
    """How many reset codes one number may be sent (CSMS_THROTTLE_PASSWORD_RESET, e.g. 5/hour)."""

    scope = "password_reset"
    policy = "password_reset"


def _tightest(states: list[RateLimitState]) -> RateLimitState:
    return min(states, key=lambda state: (state.remaining, -state.reset))


def _add_fields(request, response) -> None:
    states = getattr(request, _STATE, None)
    if not states:
        return
    policies = {}
    for state in states:
        policies.setdefault(state.policy, state)
    response["RateLimit-Policy"] = ", ".join(
        f'"{state.policy}";q={state.quota};w={state.window}' for state in policies.values()
    )
    tightest = _tightest(states)
    response["RateLimit"] = f'"{tightest.policy}";r={tightest.remaining};t={tightest.reset}'


@sync_and_async_middleware
def rate_limit_headers(get_response):
    """Add the RateLimit fields to every answer of a view whose throttles ran.

    A middleware rather than a base view: API views have no common base
    class, and the throttles' counts are known only once a view has run.
    Answers refused before the throttles (no token: 401, a view-level
    permission: 403) carry none, as DRF throttles after authentication.
    """
    if iscoroutinefunction(get_response):

        async def middleware(request):
            response = await get_response(request)
            _add_fields(request, response)
            return response

    else:

        def middleware(request):
            response = get_response(request)
            _add_fields(request, response)
            return response

    return middleware
