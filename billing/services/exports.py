"""CDRs for accounting: one row per CDR, as CSV or JSON (``manage.py export_cdrs``).

A CDR is never edited (corrections are credit CDRs, OCPI 2.2.1 CDRs §10.2.1),
so an export of a period is final once the period is over: a credit shows as
its own row with a negative total and the id of the CDR it credits.
"""

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from billing.models import CDR
from billing.snapshots import ocpi_timestamp
from csms.imports.cells import cell_escape

COLUMNS = [
    "id",
    "country_code",
    "party_id",
    "start_date_time",
    "end_date_time",
    "session_id",
    "token_uid",
    "token_type",
    "contract_id",
    "auth_method",
    "location_id",
    "evse_uid",
    "evse_id",
    "connector_id",
    "meter_id",
    "currency",
    "total_energy_kwh",
    "total_time_h",
    "total_parking_time_h",
    "total_cost_excl_vat",
    "total_cost_incl_vat",
    "credit",
    "credit_reference_id",
    "needs_review",
]


def cdrs_ended_between(*, start: datetime.datetime, end: datetime.datetime) -> Iterator[CDR]:
    """The CDRs whose session ended in [start, end), oldest first."""
    return (
        CDR.objects.filter(end_date_time__gte=start, end_date_time__lt=end)
        .order_by("end_date_time", "id")
        .iterator(chunk_size=2000)
    )


def cdr_export_row(cdr: CDR) -> dict[str, Any]:
    token, where, cost = cdr.cdr_token or {}, cdr.cdr_location or {}, cdr.total_cost or {}
    return {
        "id": cdr.id,
        "country_code": cdr.country_code,
        "party_id": cdr.party_id,
        "start_date_time": ocpi_timestamp(cdr.start_date_time),
        "end_date_time": ocpi_timestamp(cdr.end_date_time),
        "session_id": cdr.session_id,
        "token_uid": token.get("uid", ""),
        "token_type": token.get("type", ""),
        "contract_id": token.get("contract_id", ""),
        "auth_method": cdr.auth_method,
        "location_id": where.get("id", ""),
        "evse_uid": where.get("evse_uid", ""),
        "evse_id": where.get("evse_id", ""),
        "connector_id": where.get("connector_id", ""),
        "meter_id": cdr.meter_id,
        "currency": cdr.currency,
        "total_energy_kwh": cdr.total_energy,
        "total_time_h": cdr.total_time,
        "total_parking_time_h": cdr.total_parking_time or 0,
        "total_cost_excl_vat": cost.get("excl_vat"),
        "total_cost_incl_vat": cost.get("incl_vat"),
        "credit": cdr.credit,
        "credit_reference_id": cdr.credit_reference_id,
        "needs_review": cdr.needs_review,
    }


def cdrs_export(*, cdrs: Iterable[CDR], form: str, out: io.TextIOBase) -> int:
    """Write ``cdrs`` to ``out`` as ``csv`` or ``json``; how many were written.

    The CSV is opened in spreadsheets: a token uid, session id or EVSE id a
    charger or partner chose is never a live formula there (csms/imports/cells.py).
    JSON is read by programs and carries the values as they are.
    """
    count = 0
    if form == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for cdr in cdrs:
            writer.writerow({key: cell_escape(value) for key, value in cdr_export_row(cdr).items()})
            count += 1
        return count
    # A JSON array written row by row: a year of CDRs is never held at once.
    out.write("[")
    for cdr in cdrs:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(cdr_export_row(cdr), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the server's time zone (TIME_ZONE), as accounting counts days."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
