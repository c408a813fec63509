"""Charge detail records: made once when a transaction ends, corrected only by credit.

OCPI 2.2.1 CDRs §10.2.1: a CDR is an invoice line and never changes; a
correction is a credit CDR (negative total_cost) followed by a new CDR.
"""

from typing import Any

from django.conf import settings
from django.db import transaction as db_transaction
from django.utils import timezone

from billing.models import CDR, Tariff
from billing.pricing import Costs, TariffSpec, price_session
from billing.selectors import charging_periods_ocpi, transaction_usage
from billing.services.pricing import transaction_pricing, transaction_tariff_assign
from billing.snapshots import (
    authorization_ocpi,
    cdr_location_ocpi,
    cdr_token_ocpi,
    ocpi_identity,
    tariff_ocpi,
)
from chargepoints.enums import Measurand
from chargepoints.models import SampledValue, Transaction
from chargepoints.models.ids import new_ocpi_id
from chargepoints.services.authorization import transaction_deauthorized


class CdrRefused(ValueError):
    """No CDR can be made or changed: the message says why, for the operator."""


def _free_tariff() -> dict[str, Any]:
    """What a connector without tariff charges: nothing (OCPI "Free of Charge" tariff)."""
    return {
        "id": "FREE",
        "currency": settings.CSMS_CURRENCY,
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0, "step_size": 1}]}],
    }


def _signed_data(tx: Transaction) -> dict[str, Any] | None:
    """OCPI 2.2.1 SignedData (CDRs §10.4.10) from the charger's signed meter values."""
    rows = list(
        SampledValue.objects.filter(transaction=tx, signed_meter_value__isnull=False)
        .order_by("timestamp")
        .values_list("value", "signed_meter_value")
    )
    if not rows:
        return None
    first = rows[0][1] or {}
    values = []
    for i, (plain, signed) in enumerate(rows):
        nature = "Start" if i == 0 else "End" if i == len(rows) - 1 else "Intermediate"
        values.append(
            {
                "nature": nature,
                "plain_data": str(plain)[:512],
                "signed_data": str((signed or {}).get("signedMeterData", ""))[:5000],
            }
        )
    data = {
        "encoding_method": str(first.get("encodingMethod") or first.get("signingMethod") or "")[
            :36
        ],
        "signed_values": values,
    }
    if first.get("publicKey"):
        data["public_key"] = str(first["publicKey"])[:512]
    return data


def _remark(tx: Transaction, costs: Costs) -> str:
    parts = []
    if tx.reason_stopped:
        parts.append(f"Stopped: {tx.reason_stopped}.")
    if costs.min_price_applied:
        parts.append("Minimum price applied.")
    if costs.max_price_applied:
        parts.append("Maximum price applied.")
    return " ".join(parts)[:255]


def _write(
    tx: Transaction,
    *,
    tariff: dict[str, Any],
    tariff_row: Tariff | None,
    currency: str,
    review_note: str = "",
) -> CDR:
    spec = TariffSpec.from_ocpi(tariff)
    usage = transaction_usage(tx=tx, currency=currency, end=tx.stop_transaction_timestamp)
    costs = price_session(spec, usage)  # CurrencyMismatch refuses a tariff in another currency
    country_code, party_id = ocpi_identity(tx)
    method, reference = authorization_ocpi(tx)
    free = tariff.get("id") == "FREE" and tariff_row is None
    start = usage.reservation.start if usage.reservation and costs.reservation.excl_vat else None
    cdr = CDR.objects.create(
        country_code=country_code,
        party_id=party_id,
        id=new_ocpi_id(),
        start_date_time=start or tx.start_transaction_timestamp,
        end_date_time=tx.stop_transaction_timestamp,
        session_id=str(tx.uuid),
        transaction=tx,
        cdr_token=cdr_token_ocpi(tx),
        id_tag_id=tx.id_tag_id,
        auth_method=method,
        authorization_reference=reference,
        cdr_location=cdr_location_ocpi(tx),
        location=tx.chargepoint.location,
        meter_id=tx.chargepoint.meter_serial_number,
        currency=costs.currency,
        tariff_snapshots=[] if free else [tariff],
        # Volumes to 4 decimals (OCPI numbers), rounded by running totals so the
        # periods add up to the totals below, which the engine made their sums
        # (billing/pricing/periods.py periods_rounded).
        charging_periods=charging_periods_ocpi(costs=costs, tariff_id=None if free else spec.id),
        signed_data=_signed_data(tx),
        total_cost=costs.total.as_ocpi(),
        total_fixed_cost=costs.fixed.as_ocpi(),
        total_energy=float(costs.total_energy_kwh),
        total_energy_cost=costs.energy.as_ocpi(),
        total_time=float(costs.total_time_h),
        total_time_cost=costs.time.as_ocpi(),
        total_parking_time=float(costs.total_parking_time_h),
        total_parking_cost=costs.parking.as_ocpi(),
        total_reservation_cost=costs.reservation.as_ocpi() if usage.reservation else None,
        remark=_remark(tx, costs),
        # What the price rests on besides the readings (a current derived or unknown).
        pricing_notes=list(costs.notes),
        needs_review=bool(review_note),
        review_note=review_note[:255],
    )
    if tariff_row is not None:
        cdr.tariffs.set([tariff_row])
    return cdr


@db_transaction.atomic
def cdr_create(*, tx: Transaction, review_note: str = "") -> CDR:
    """The CDR of a finished transaction, priced by the tariff it started under.

    A ``review_note`` keeps the CDR from partners until an operator approves it.
    """
    tx = Transaction.objects.select_for_update().get(pk=tx.pk)
    if tx.stop_transaction_timestamp is None:
        raise CdrRefused(f"Transaction {tx.pk} has not ended.")
    if tx.connector_id is None:
        raise CdrRefused(f"Transaction {tx.pk} has no connector: reconcile it first.")
    if tx.cdrs.filter(credit=False).exists():
        raise CdrRefused(f"Transaction {tx.pk} already has a CDR: correct it with a credit.")
    pricing = transaction_pricing(tx)
    priced = pricing is not None and pricing.tariff_snapshot
    tariff = pricing.tariff_snapshot if priced else _free_tariff()
    return _write(
        tx,
        tariff=tariff,
        tariff_row=pricing.tariff if priced else None,
        currency=tariff["currency"],
        review_note=review_note,
    )


@db_transaction.atomic
def cdr_credit(*, cdr: CDR, remark: str = "") -> CDR:
    """A credit CDR cancelling ``cdr``: the same data, total_cost negated (CDRs §10.2.1)."""
    cdr = CDR.objects.select_for_update().get(pk=cdr.pk)
    if cdr.credit:
        raise CdrRefused(f"CDR {cdr.id} is a credit CDR; credits are not credited.")
    if CDR.objects.filter(credit=True, credit_reference_id=cdr.id).exists():
        raise CdrRefused(f"CDR {cdr.id} is already credited.")
    tariffs = list(cdr.tariffs.all())
    credit = CDR.objects.get(pk=cdr.pk)
    credit.pk = f"{cdr.id}-C"[:39]
    credit.credit = True
    credit.credit_reference_id = cdr.id
    credit.total_cost = {key: -value for key, value in cdr.total_cost.items()}
    credit.remark = (remark or f"Credit for CDR {cdr.id}.")[:255]
    credit.needs_review = False
    credit.review_note = ""
    credit.save(force_insert=True)
    credit.tariffs.set(tariffs)
    return credit


@db_transaction.atomic
def cdr_reissue(*, cdr: CDR, tariff: Tariff, remark: str = "") -> tuple[CDR, CDR]:
    """Correct a CDR: credit it, then price its transaction again with ``tariff``.

    The session keeps its currency: a tariff in another one is refused by the
    cost engine (CurrencyMismatch) and nothing is written.
    """
    if cdr.transaction_id is None:
        raise CdrRefused(f"CDR {cdr.id} has no transaction to price again.")
    tariff = Tariff.objects.prefetch_related("elements").get(pk=tariff.pk)
    tx = Transaction.objects.select_for_update().get(pk=cdr.transaction_id)
    replacement = _write(tx, tariff=tariff_ocpi(tariff), tariff_row=tariff, currency=cdr.currency)
    credit = cdr_credit(cdr=cdr, remark=remark)
    if remark:
        replacement.remark = remark[:255]
        replacement.save(update_fields=["remark", "last_updated"])
    return credit, replacement


@db_transaction.atomic
def cdr_approve(*, cdr: CDR) -> CDR:
    """An operator checked a CDR made for review: partners may now see it."""
    # last_updated moves: partners syncing with date_from fetch it now.
    CDR.objects.filter(pk=cdr.pk).update(needs_review=False, last_updated=timezone.now())
    cdr.refresh_from_db()
    return cdr


@db_transaction.atomic
def transaction_reconcile(*, tx: Transaction) -> CDR:
    """Bill a transaction we learnt of only partly (a stop or update for an unknown start).

    The operator first corrects what the admin shows (connector, start time,
    start reading); missing readings are taken from the earliest stored one.
    The CDR waits for review before partners see it.
    """
    tx = Transaction.objects.select_for_update().get(pk=tx.pk)
    if not tx.needs_review:
        raise CdrRefused(f"Transaction {tx.pk} is not waiting for reconciliation.")
    if transaction_deauthorized(tx):
        raise CdrRefused(f"Transaction {tx.pk} was refused at its start ({tx.start_status}).")
    if tx.stop_transaction_timestamp is None:
        raise CdrRefused(f"Transaction {tx.pk} has not ended.")
    if tx.connector_id is None:
        raise CdrRefused(f"Transaction {tx.pk} has no connector: set it first.")
    first = (
        tx.sampled_values.filter(
            measurand=Measurand.ENERGY_ACTIVE_IMPORT_REGISTER, phase="", numeric_value__isnull=False
        )
        .order_by("timestamp")
        .first()
    )
    if first is not None and first.timestamp < tx.start_transaction_timestamp:
        # A stop for an unknown start was dated at the stop; its readings go further back.
        tx.start_transaction_timestamp = first.timestamp
        tx.wh_meter_start = None
    if tx.wh_meter_start is None:
        tx.wh_meter_start = first.numeric_value if first else tx.wh_meter_stop
    tx.total_energy = tx.energy_wh / 1000
    tx.save(update_fields=["start_transaction_timestamp", "wh_meter_start", "total_energy"])
    pricing = transaction_pricing(tx)
    if pricing is None or pricing.tariff_snapshot is None:
        transaction_tariff_assign(tx=tx)
    note = tx.review_note or f"Transaction {tx.pk} reconciled by an operator."
    cdr = cdr_create(tx=tx, review_note=note)
    tx.needs_review = False
    tx.save(update_fields=["needs_review", "updated_at"])
    return cdr
