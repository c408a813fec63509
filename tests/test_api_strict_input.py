"""What the API cannot read is a 400 that says so, never a silent default (issue 18).

Before: ``?ordering=bogus`` (and ``?ordering=user__password``) answered 200
in the default order; a parameter given twice was "last wins"; a connector
id of 1.5 or 1e30 filtered as a number; and a body Python could not read
was answered in Python's words ("use sys.set_int_max_str_digits()").
"""

import datetime
import json
from types import SimpleNamespace

import django_filters
import pytest
from django.utils import timezone
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.test import APIRequestFactory

from accounts.models import User
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction
from csms.api.filters import Ordering
from csms.api.problems import Problem
from csms.api.query import query_parameters_check, query_parameters_known
from tests import test_api_permissions as matrix
from tests.rights import OPERATORS, user_in_group
from tests.test_api_permissions import ROUTES, client_for, url_of
from tests.tokens import api_as

world, quick_settings, a_photo = matrix.world, matrix.quick_settings, matrix.a_photo


@pytest.fixture
def operator(db):
    return api_as(user_in_group(OPERATORS, username="operator", password="op password 42"))


def problem(response, code: str) -> dict:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


# -- ?ordering= --------------------------------------------------------------------


def test_an_unknown_ordering_term_is_named_with_the_ones_allowed(operator):
    body = problem(operator.get("/api/v1/transactions/", {"ordering": "bogus"}), "invalid_ordering")

    assert body["terms"] == ["bogus"]
    assert body["allowed"] == [
        "start_transaction_timestamp",
        "-start_transaction_timestamp",
        "transaction_id",
        "-transaction_id",
    ]
    assert "bogus" in body["detail"] and "-transaction_id" in body["detail"]
    assert body["title"] == "Invalid ordering"


def test_ordering_by_a_field_not_offered_is_refused_not_ignored(operator):
    body = problem(
        operator.get("/api/v1/users/", {"ordering": "-username,user__password,--last_login"}),
        "invalid_ordering",
    )

    assert body["terms"] == ["user__password", "--last_login"]


def test_an_offered_ordering_still_orders(operator):
    for name in ("anna", "bert"):
        User.objects.create_user(username=name, password="pw password 42")

    ascending = operator.get("/api/v1/users/", {"ordering": "username"}).json()["results"]
    descending = operator.get("/api/v1/users/", {"ordering": " -username"}).json()["results"]

    names = [row["username"] for row in ascending]
    assert names == sorted(names) and "anna" in names
    assert [row["username"] for row in descending] == names[::-1]


def _get_routes():
    for route in ROUTES:
        if route.method != "GET" or route.url == "/docs/":  # an HTML page
            continue
        for caller, status in route.expect.items():
            if status == 200:
                yield pytest.param(route, caller, id=f"{route.url} as {caller}")
                break


@pytest.mark.parametrize(("route", "caller"), list(_get_routes()))
def test_every_route_refuses_an_ordering_it_does_not_offer(route, caller, world):
    url = url_of(route.url, world)
    url += ("&" if "?" in url else "?") + "ordering=no_such_field"

    response = client_for(world, caller).get(url, HTTP_ACCEPT="application/json")

    # A list names the term; anything else reads no ordering at all.
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] in ("invalid_ordering", "unknown_query_parameter")


def test_the_schema_lists_the_orderings_each_list_takes(operator):
    schema = operator.get("/api/v1/schema/", {"format": "json"}).json()

    parameters = schema["paths"]["/api/v1/sessions/"]["get"]["parameters"]
    ordering = next(p for p in parameters if p["name"] == "ordering")
    assert ordering["schema"] == {
        "type": "array",
        "items": {
            "type": "string",
            "enum": ["start_time", "-start_time", "last_activity", "-last_activity"],
        },
    }
    assert (ordering["style"], ordering["explode"]) == ("form", False)
    detail = schema["paths"]["/api/v1/sessions/{session_id}/"]["get"].get("parameters", [])
    assert "ordering" not in [p["name"] for p in detail]


class _Unordered(ListAPIView):
    """A list that names no ordering_fields: DRF would order it by any serializer field."""

    queryset = User.objects.all()
    serializer_class = Serializer
    filter_backends = [Ordering]


def _request(query: str) -> Request:
    request = Request(APIRequestFactory().get(f"/api/v1/x/?{query}"))
    request.resolver_match = SimpleNamespace(namespaces=["api"])
    return request


def test_a_list_without_ordering_fields_takes_no_ordering():
    view, request = _Unordered(), _request("ordering=username")

    assert "ordering" not in query_parameters_known(view, request)
    with pytest.raises(Problem) as refused:
        query_parameters_check(view, request)
    assert refused.value.code == "unknown_query_parameter"


# -- a parameter given twice -------------------------------------------------------


def test_a_filter_given_twice_is_refused_rather_than_the_last_one_winning(operator):
    response = operator.get(
        "/api/v1/transactions/?updated_after=2026-01-01T00:00:00Z&updated_after=2026-02-01T00:00:00Z"
    )

    body = problem(response, "repeated_query_parameter")
    assert body["parameters"] == ["updated_after"]
    assert "updated_after" in body["detail"]
    assert body["title"] == "Repeated query parameter"


@pytest.mark.parametrize(
    "query",
    [
        "page_size=1&page_size=2",
        "ordering=start_time&ordering=-start_time",
        "format=json&format=api",
    ],
)
def test_paging_ordering_and_format_are_given_once(operator, query):
    response = operator.get(f"/api/v1/sessions/?{query}")

    assert problem(response, "repeated_query_parameter")["parameters"] == [query.split("=")[0]]


def test_a_views_own_parameter_given_twice_is_refused(operator, connector):
    url = f"/api/v1/charge-points/{connector.chargepoint_id}/connectors/1/price/"

    response = operator.get(f"{url}?energy_kwh=1&energy_kwh=2")

    assert problem(response, "repeated_query_parameter")["parameters"] == ["energy_kwh"]


class _Filters(django_filters.FilterSet):
    username = django_filters.MultipleChoiceFilter(choices=[("anna", "anna"), ("bert", "bert")])
    groups = django_filters.ModelMultipleChoiceFilter(
        queryset=User.groups.field.related_model.objects
    )
    id__in = django_filters.BaseInFilter(field_name="id")
    joined = django_filters.DateFromToRangeFilter(field_name="date_joined")
    last_login = django_filters.IsoDateTimeFromToRangeFilter()

    class Meta:
        model = User
        fields = ["username", "groups"]


class _Filtered(ListAPIView):
    queryset = User.objects.all()
    serializer_class = Serializer
    filterset_class = _Filters
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]


@pytest.mark.parametrize("query", ["username=anna&username=bert", "groups=1&groups=2"])
def test_a_filter_that_takes_a_list_may_repeat(query):
    query_parameters_check(_Filtered(), _request(query))


@pytest.mark.parametrize(
    "query",
    [
        "id__in=1&id__in=2",  # comma-separated: Django would read the last one only
        "joined_after=2026-01-01&joined_after=2026-02-01",
        "last_login_before=2026-01-01T00:00:00Z&last_login_before=2026-02-01T00:00:00Z",
    ],
)
def test_a_filter_that_reads_one_value_may_not(query):
    with pytest.raises(Problem) as refused:
        query_parameters_check(_Filtered(), _request(query))

    assert refused.value.code == "repeated_query_parameter"
    assert refused.value.extra["parameters"] == [query.split("=")[0]]


# -- ids are whole numbers ---------------------------------------------------------


def test_transactions_filter_by_a_whole_connector_id(operator, chargepoint, connector):
    tx = Transaction.objects.create(
        chargepoint=chargepoint,
        connector=connector,
        transaction_status=TransactionStatus.COMPLETED,
        start_transaction_timestamp=timezone.now() - datetime.timedelta(hours=1),
        wh_meter_start=0,
    )

    found = operator.get("/api/v1/transactions/", {"connector_id": "1"}).json()["results"]

    assert [row["transaction_id"] for row in found] == [tx.pk]
    for bad in ("1.5", "1e30", "0", "-1", "99999999999999999999", "one"):
        response = operator.get("/api/v1/transactions/", {"connector_id": bad})
        body = problem(response, "invalid")
        assert [error["field"] for error in body["errors"]] == ["connector_id"], bad


@pytest.mark.parametrize(
    ("url", "name"), [("/api/v1/transactions/", "needs_review"), ("/api/v1/cdrs/", "credit")]
)
def test_a_yes_no_filter_refuses_other_words(operator, url, name):
    body = problem(operator.get(url, {name: "perhaps"}), "invalid")

    assert [error["field"] for error in body["errors"]] == [name]


# -- bodies Python cannot read -----------------------------------------------------

BODIES = [
    pytest.param(
        b'{"license_plate": ' + b"9" * 5000 + b"}",
        "A number in the body has too many digits.",
        id="5000 digits",
    ),
    pytest.param(b'{"license_plate": "\xff\xfe"}', "The body is not UTF-8 text.", id="not UTF-8"),
    pytest.param(
        b'{"license_plate":\n  "B 1",}',
        "The body is not valid JSON (line 2, column 9).",
        id="no JSON",
    ),
    pytest.param(
        b'{"license_plate": NaN}',
        "The body is not valid JSON: NaN is no JSON number.",
        id="NaN",
    ),
]


@pytest.mark.parametrize(("body", "detail"), BODIES)
def test_a_body_that_cannot_be_read_is_told_in_the_apis_words(db, driver, body, detail):
    response = api_as(driver).generic(
        "POST", "/api/v1/vehicles/", body, content_type="application/json"
    )

    answer = problem(response, "parse_error")
    assert answer["detail"] == detail
    assert answer["title"] == "Malformed request body"
    for internal in ("sys.", "codec", "Expecting", "JSON parse error", "char "):
        assert internal not in response.content.decode()


def test_a_body_in_another_charset_is_read_in_it(db, driver):
    body = json.dumps({"license_plate": "Ä 1"}, ensure_ascii=False).encode("latin-1")

    response = api_as(driver).generic(
        "POST", "/api/v1/vehicles/", body, content_type="application/json; charset=latin-1"
    )

    assert response.status_code == 201, response.content
    assert response.json()["license_plate"] == "Ä 1"


def test_a_multipart_body_that_cannot_be_read_is_told_in_the_apis_words(db, driver):
    response = api_as(driver).generic(
        "POST", "/api/v1/vehicles/", b"no parts", content_type="multipart/form-data"
    )

    answer = problem(response, "parse_error")
    assert answer["detail"] == "The body is not valid multipart/form-data."
    assert "boundary" not in response.content.decode()


@pytest.mark.parametrize("bad", ["1.5", "1e30", "0", "99999999999999999999", "one"])
def test_a_user_filter_takes_only_a_users_id(operator, bad):
    body = problem(operator.get("/api/v1/transactions/", {"user": bad}), "invalid")

    assert [error["field"] for error in body["errors"]] == ["user"]
