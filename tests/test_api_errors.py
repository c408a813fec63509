"""Every error under /api/ is RFC 9457 problem details with a stable code."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone, translation
from knox.models import AuthToken
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts.models import User
from accounts.services import user_create
from csms.api import fallback
from csms.api.problems import Conflict, Problem
from tests.tokens import token_for

PROBLEM = "application/problem+json"
TYPES = "https://csms.invalid/problems/"


def problem(response, status: int, code: str) -> dict:
    """The problem body of ``response``, after checking what every problem holds."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == TYPES + code.replace("_", "-")
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def driver_api(db):
    user = user_create(username="driver", password="x", phone_number="+66812345678")
    client = APIClient()
    client.force_authenticate(user)
    return client


# -- refusals a view raises ----------------------------------------------------


class Item(serializers.Serializer):
    name = serializers.CharField(max_length=3)


class Body(serializers.Serializer):
    count = serializers.IntegerField(min_value=1)
    place = Item()
    items = Item(many=True)
    tags = serializers.ListField(child=serializers.IntegerField())


class Raising(APIView):
    """A view that raises what the test gives it."""

    permission_classes = [AllowAny]
    authentication_classes = []
    error = None

    def get(self, request):
        raise self.error

    def post(self, request):
        Body(data=request.data).is_valid(raise_exception=True)
        raise AssertionError("not reached")


def answer(error=None, *, data=None, **headers):
    factory = APIRequestFactory()
    view = Raising.as_view(error=error)
    if data is None:
        request = factory.get("/api/v1/raising/", **headers)
    else:
        request = factory.post("/api/v1/raising/", data, format="json", **headers)
    # Straight to the view, without LocaleMiddleware: the default language.
    with translation.override("en"):
        response = view(request)
        response.render()
    return response


def test_a_conflict_is_a_409_problem_with_its_code_and_extension_members():
    error = Conflict("Connector 1 is in use.", code="connector_busy", session_id="abc", tx=42)

    body = problem(answer(error), 409, "connector_busy")

    assert body["detail"] == "Connector 1 is in use."
    assert body["title"] == "Conflict"
    assert body["session_id"] == "abc"
    assert body["tx"] == 42
    assert "errors" not in body


def test_a_problem_takes_the_status_it_names():
    error = Problem("Key reused.", code="idempotency_key_reused", status_code=422)

    body = problem(answer(error), 422, "idempotency_key_reused")

    assert body["title"] == "Unprocessable content"


def test_extension_members_cannot_replace_the_standard_ones():
    error = Conflict("Busy.", code="connector_busy", status=200, code_hint="x", type="evil")

    body = problem(answer(error), 409, "connector_busy")

    assert body["code_hint"] == "x"


def test_field_errors_carry_drf_codes_dotted_paths_and_list_indexes():
    data = {"count": 0, "place": {"name": "long"}, "items": [{"name": "ok"}, {}], "tags": [1, "x"]}

    body = problem(answer(data=data), 400, "invalid")

    assert body["title"] == "Invalid input"
    assert body["detail"] == "Invalid input."
    assert sorted(body["errors"], key=lambda error: error["field"]) == [
        {
            "field": "count",
            "code": "min_value",
            "message": "Ensure this value is greater than or equal to 1.",
        },
        {"field": "items.1.name", "code": "required", "message": "This field is required."},
        {
            "field": "place.name",
            "code": "max_length",
            "message": "Ensure this field has no more than 3 characters.",
        },
        {"field": "tags.1", "code": "invalid", "message": "A valid integer is required."},
    ]


def test_a_message_about_the_request_as_a_whole_has_no_field_and_is_the_detail():
    error = serializers.ValidationError("Pick one.", code="pick_one")

    body = problem(answer(error), 400, "invalid")

    assert body["detail"] == "Pick one."
    assert body["errors"] == [{"field": None, "code": "pick_one", "message": "Pick one."}]


def test_a_services_validation_error_keeps_its_fields_and_codes():
    error = DjangoValidationError(
        {
            "phone_number": [DjangoValidationError("Taken.", code="taken")],
            "__all__": [DjangoValidationError("Not now.")],
        }
    )

    body = problem(answer(error), 400, "invalid")

    assert body["errors"] == [
        {"field": "phone_number", "code": "taken", "message": "Taken."},
        {"field": None, "code": "invalid", "message": "Not now."},
    ]


def test_a_services_message_without_field_is_the_detail():
    body = problem(answer(DjangoValidationError("Too big.", code="too_large")), 400, "invalid")

    assert body["detail"] == "Too big."
    assert body["errors"] == [{"field": None, "code": "too_large", "message": "Too big."}]


def test_a_client_that_accepts_only_json_still_gets_the_problem():
    error = Conflict("Busy.", code="connector_busy")

    response = answer(error, HTTP_ACCEPT="application/json")

    problem(response, 409, "connector_busy")


# -- DRF's own errors, through real routes -------------------------------------


def test_no_token_is_a_401_problem_with_its_challenge(api, db):
    response = api.get("/api/v1/me/")

    body = problem(response, 401, "not_authenticated")
    assert body["detail"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_body_is_a_parse_error(api, db):
    response = api.post("/api/v1/auth/login/", "{nope", content_type="application/json")

    problem(response, 400, "parse_error")


def test_a_body_of_an_unsupported_type_is_a_415_problem(api, db):
    response = api.post("/api/v1/auth/login/", "x", content_type="text/csv")

    problem(response, 415, "unsupported_media_type")


def test_a_wrong_method_is_a_405_problem_with_allow(driver_api):
    response = driver_api.delete("/api/v1/me/")

    problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_unknown_id_is_a_404_problem(driver_api):
    response = driver_api.get("/api/v1/vehicles/999999/")

    body = problem(response, 404, "not_found")
    assert "Vehicle" not in body["detail"]


def test_register_field_errors_have_codes(api, db):
    response = api.post("/api/v1/auth/register/", {}, format="json")

    body = problem(response, 400, "invalid")
    assert {"field": "password", "code": "required", "message": "This field is required."} in (
        body["errors"]
    )


def test_a_throttled_request_is_a_429_problem_with_retry_after():
    response = answer(exceptions.Throttled(wait=30))

    problem(response, 429, "throttled")
    assert response["Retry-After"] == "30"


# -- paths under /api/ ------------------------------------------------------------


def test_an_unknown_api_path_is_a_404_problem(api, db):
    body = problem(api.get("/api/v1/no-such-thing/"), 404, "not_found")

    assert body["detail"] == "There is no /api/v1/no-such-thing/ in this API."


def test_an_unknown_api_path_is_a_404_problem_for_every_method(api, db):
    problem(api.post("/api/v2/anything", {}, format="json"), 404, "not_found")


def test_outside_the_api_a_404_is_still_a_page(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_a_post_without_the_final_slash_is_served_as_with_it(api, db, settings, debug):
    # In DEBUG, Django's CommonMiddleware raised a RuntimeError (a 500 page)
    # rather than redirect a POST; without DEBUG, it redirected and lost the body.
    settings.DEBUG = debug
    user_create(username="driver", password="correct horse 42")

    response = api.post(
        "/api/v1/auth/login", {"username": "driver", "password": "correct horse 42"}
    )

    assert response.status_code == 200
    assert response.json()["token"]


def test_a_get_without_the_final_slash_is_served_too(driver_api):
    response = driver_api.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "driver"


def test_a_path_without_the_final_slash_is_checked_as_with_it(api, db):
    problem(api.get("/api/v1/me"), 401, "not_authenticated")


def test_a_server_error_under_the_api_is_a_500_problem_without_internals(rf):
    body = json.loads(fallback.server_error(rf.get("/api/v1/me/")).content)

    assert body["status"] == 500
    assert body["code"] == "server_error"
    assert "Traceback" not in body["detail"]


def test_a_server_error_elsewhere_is_still_a_page(rf):
    response = fallback.server_error(rf.get("/admin/"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "handler, status, code",
    [
        (fallback.bad_request, 400, "bad_request"),
        (fallback.permission_denied, 403, "permission_denied"),
        (fallback.page_not_found, 404, "not_found"),
    ],
)
def test_djangos_own_refusals_under_the_api_are_problems(rf, handler, status, code):
    response = handler(rf.get("/api/v1/me/"), Exception("internal"))

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert json.loads(response.content)["code"] == code
    assert b"internal" not in response.content


# -- why a token is refused --------------------------------------------------------


def _with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_an_unknown_token_is_token_invalid(db):
    problem(_with_token("nope").get("/api/v1/me/"), 401, "token_invalid")


def test_an_expired_token_is_token_expired(driver_api):
    user = User.objects.get(username="driver")
    token = token_for(user)
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))

    body = problem(_with_token(token).get("/api/v1/me/"), 401, "token_expired")

    assert body["title"] == "Token expired"


@pytest.mark.parametrize(
    "status, code", [("BLOCKED", "account_blocked"), ("EXPIRED", "account_expired")]
)
def test_a_closed_accounts_token_says_why(db, status, code):
    user = user_create(username="closed", password="x")
    token = token_for(user)
    User.objects.filter(pk=user.pk).update(status=status)  # tokens outlive a bulk update

    response = _with_token(token).get("/api/v1/me/")

    problem(response, 401, code)
    assert response["WWW-Authenticate"] == "Token"


def test_logging_in_to_a_blocked_account_is_a_403_account_blocked(api, db):
    user_create(username="closed", password="correct horse 42", status="BLOCKED")

    response = api.post(
        "/api/v1/auth/login/", {"username": "closed", "password": "correct horse 42"}
    )

    problem(response, 403, "account_blocked")


# -- the schema ------------------------------------------------------------------------


def test_every_documented_error_is_a_problem(api, db):
    schema = api.get("/api/v1/schema/?format=json").json()

    components = schema["components"]["schemas"]
    assert {"type", "title", "status", "detail", "code"} <= set(components["Problem"]["required"])
    assert components["FieldError"]["required"] == ["field", "code", "message"]
    documented = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith(("4", "5")) or "content" not in response:
                    continue
                assert list(response["content"]) == [PROBLEM], (method, path, status)
                documented += 1
    assert documented > 100


@pytest.mark.parametrize("accept", ["text/html", "application/json", "*/*"])
def test_an_error_is_problem_json_whatever_the_client_accepts(api, db, accept):
    response = api.get("/api/v1/me/", HTTP_ACCEPT=accept)

    problem(response, 401, "not_authenticated")


def test_an_unanswerable_accept_is_a_406_problem(driver_api):
    response = driver_api.get("/api/v1/me/", HTTP_ACCEPT="application/xml")

    problem(response, 406, "not_acceptable")
