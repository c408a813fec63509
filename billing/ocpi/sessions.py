"""Our transactions as OCPI 2.2.1 Sessions (sessions §9.3.1) and our CDRs (CDRs §10.3.1),
as the partner asking may see them."""

from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from billing.models import CDR, OcpiPartner
from billing.selectors import (
    cdr_totals_ocpi,
    charging_periods_ocpi,
    charging_periods_rounded,
    ocpi_number,
    transaction_costs,
)
from billing.services.pricing import transaction_pricing
from billing.snapshots import (
    authorization_ocpi,
    cdr_location_ocpi,
    cdr_token_ocpi,
    ocpi_identity,
    ocpi_timestamp,
    tariff_ocpi,
    token_issuer,
)
from chargepoints.enums import TransactionStatus
from chargepoints.models import Transaction

# Sessions §9.4.3. A failed or cancelled transaction will not be billed: INVALID.
_SESSION_STATUS = {
    TransactionStatus.ACTIVE: "ACTIVE",
    TransactionStatus.COMPLETED: "COMPLETED",
}


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    # Optional fields we have no value for are left out, never sent as "" or null.
    return {key: value for key, value in data.items() if value not in ("", None)}


def _issued_by(partner: OcpiPartner, id_tag) -> bool:
    issuer = token_issuer(id_tag)
    return issuer is not None and issuer.pk == partner.pk


def _token_for(partner: OcpiPartner, token: dict[str, Any]) -> dict[str, Any]:
    """A CdrToken of a token ``partner`` did not issue: its uid replaced by an alias.

    The uid of an RFID card is all it takes to copy the card and charge on
    the driver's account, so only the token's issuer learns it (issue 15,
    finding 8). The alias is the same for every session of one token, for
    this partner only: it can still tell a driver's sessions apart, and no
    two partners can match what they see.
    """
    value = f"{partner.pk}:{token.get('uid', '')}"
    alias = salted_hmac("billing.ocpi.token-alias", value).hexdigest()[:32]
    return {**token, "uid": alias, "contract_id": alias}


def session_status(tx: Transaction) -> str:
    if tx.needs_review:
        # We learnt of it only partly: not billable until an operator looks at it.
        return "INVALID"
    return _SESSION_STATUS.get(tx.transaction_status, "INVALID")


def session_ocpi(tx: Transaction, *, partner: OcpiPartner) -> dict[str, Any]:
    """OCPI Session object of a transaction, for ``partner``; id is the transaction's UUID."""
    pricing = transaction_pricing(tx)
    snapshot = (pricing.tariff_snapshot if pricing is not None else None) or {}
    costs = transaction_costs(tx=tx, snapshot=snapshot)
    if costs is not None:
        currency = costs.currency
    else:
        currency = snapshot.get("currency") or settings.CSMS_CURRENCY
    country_code, party_id = ocpi_identity(tx)
    place = cdr_location_ocpi(tx)
    kwh = tx.total_energy if tx.total_energy is not None else tx.energy_wh / 1000
    token = cdr_token_ocpi(tx)
    if not _issued_by(partner, tx.id_tag):
        token = _token_for(partner, token)
    method, reference = authorization_ocpi(tx)
    return _without_empty(
        {
            "country_code": country_code,
            "party_id": party_id,
            "id": str(tx.uuid),
            "start_date_time": ocpi_timestamp(tx.start_transaction_timestamp),
            "end_date_time": ocpi_timestamp(tx.stop_transaction_timestamp),
            "kwh": ocpi_number(kwh),  # 4 decimals, as every OCPI number (types §16.6)
            "cdr_token": token,
            "auth_method": method,
            "authorization_reference": reference,
            "location_id": place["id"],
            "evse_uid": place["evse_uid"],
            "connector_id": place["connector_id"],
            "meter_id": tx.chargepoint.meter_serial_number,
            "currency": currency,
            "charging_periods": (
                charging_periods_ocpi(costs=costs, tariff_id=snapshot.get("id"))
                if costs is not None
                else []
            ),
            # Left out when unpriced: sessions §9.3.1 says an absent total_cost
            # does not claim the session was free.
            "total_cost": costs.total.as_ocpi() if costs is not None else None,
            "status": session_status(tx),
            "last_updated": ocpi_timestamp(tx.updated_at),
        }
    )


def cdr_ocpi(cdr: CDR, *, partner: OcpiPartner) -> dict[str, Any]:
    """OCPI CDR object, as stored: a CDR is sealed (CDRs §10.3.1). To a partner
    that did not issue its token, the token's uid is aliased and the signed
    meter data left out: the charger signs the token's uid along with the
    readings (OCMF's identification data)."""
    issued = _issued_by(partner, cdr.id_tag)
    # 4 decimals (types §16.6), also for CDRs stored with 6 before the engine
    # rounded: volumes by running totals, the totals the sums of the periods.
    periods = charging_periods_rounded(cdr.charging_periods or [])
    totals = cdr_totals_ocpi(
        periods, energy=cdr.total_energy, time=cdr.total_time, parking=cdr.total_parking_time
    )
    data = _without_empty(
        {
            "country_code": cdr.country_code.upper(),
            "party_id": cdr.party_id.upper(),
            "id": cdr.id,
            "start_date_time": ocpi_timestamp(cdr.start_date_time),
            "end_date_time": ocpi_timestamp(cdr.end_date_time),
            "session_id": cdr.session_id,
            "cdr_token": cdr.cdr_token if issued else _token_for(partner, cdr.cdr_token),
            "auth_method": cdr.auth_method,
            "authorization_reference": cdr.authorization_reference,
            "cdr_location": cdr.cdr_location,
            "meter_id": cdr.meter_id,
            "currency": cdr.currency,
            # As billed: the snapshot, whatever happened to the tariff rows since.
            "tariffs": cdr.tariff_snapshots
            or [tariff_ocpi(tariff) for tariff in cdr.tariffs.all()],
            "charging_periods": periods,
            "signed_data": cdr.signed_data if issued else None,
            "total_cost": cdr.total_cost,
            "total_fixed_cost": cdr.total_fixed_cost,
            "total_energy": totals["total_energy"],
            "total_energy_cost": cdr.total_energy_cost,
            "total_time": totals["total_time"],
            "total_time_cost": cdr.total_time_cost,
            "total_parking_time": totals["total_parking_time"],
            "total_parking_cost": cdr.total_parking_cost,
            "total_reservation_cost": cdr.total_reservation_cost,
            "remark": cdr.remark,
            "invoice_reference_id": cdr.invoice_reference_id,
            "last_updated": ocpi_timestamp(cdr.last_updated),
        }
    )
    # Booleans that default to false are sent only when true.
    if cdr.credit:
        data["credit"] = True
        data["credit_reference_id"] = cdr.credit_reference_id
    if cdr.home_charging_compensation:
        data["home_charging_compensation"] = True
    return data
