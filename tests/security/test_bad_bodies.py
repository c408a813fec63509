"""Issue 15, finding 6: a body nested too deeply is a 400 with a message, not a 500."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays", "objects"])
def test_an_anonymous_deeply_nested_body_is_a_400(body):
    response = APIClient().post("/api/v1/auth/login/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in str(response.json())


def test_a_drivers_deeply_nested_profile_update_is_a_400(driver):
    api = APIClient()
    api.force_authenticate(driver)

    response = api.patch("/api/v1/me/", data=DEEP_ARRAY, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in str(response.json())
