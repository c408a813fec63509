"""csms/ids.py: time-ordered keys for readings and status reports."""

import time
import uuid

from chargepoints.models import SampledValue, StatusNotification
from csms.ids import uuid7


def test_a_key_is_an_rfc_9562_version_7_uuid_carrying_the_time():
    before = time.time_ns() // 1_000_000
    key = uuid7()
    after = time.time_ns() // 1_000_000

    assert isinstance(key, uuid.UUID)
    assert key.version == 7 and key.variant == uuid.RFC_4122
    assert before <= key.int >> 80 <= after


def test_keys_made_later_sort_later_and_never_repeat():
    keys = []
    for _ in range(5):
        keys += [uuid7() for _ in range(1000)]
        time.sleep(0.002)
    first, last = keys[:1000], keys[-1000:]

    assert max(first) < min(last)
    assert len(set(keys)) == len(keys)


def test_readings_and_status_reports_are_keyed_in_time_order():
    for model in (SampledValue, StatusNotification):
        assert model().pk.version == 7
