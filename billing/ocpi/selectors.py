"""What we show roaming partners: our objects, as querysets ordered oldest first.

OCPI 2.2.1 transport §4.1.4.1: pages must not shift while a partner crawls
them, so every list has a stable order that new objects extend at the end
where the model allows it.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from billing.models import CDR, OcpiPartner, Tariff
from chargepoints.models import ChargePoint, Connector, Location, Transaction
from chargepoints.status_selectors import connectors_with_activity


def ocpi_parties() -> list[tuple[str, str]]:
    """Our (country_code, party_id) pairs: ours by setting, and those our locations carry.

    A CPO may run locations under several party ids (white label, credentials
    §7.3.1); each is a CPO role of ours.
    """
    ours = (settings.CSMS_OCPI_COUNTRY_CODE.upper(), settings.CSMS_OCPI_PARTY_ID.upper())
    parties = [ours]
    pairs = Location.objects.values_list("country_code", "party_id").distinct()
    for country_code, party_id in sorted(pairs):
        pair = (country_code.upper(), party_id.upper())
        if pair not in parties:
            parties.append(pair)
    return parties


def _of_our_parties() -> Q:
    # CiStrings (types §16.1): the case of a stored code does not matter.
    condition = Q()
    for country_code, party_id in ocpi_parties():
        condition |= Q(country_code__iexact=country_code, party_id__iexact=party_id)
    return condition


def _chargepoints() -> Prefetch:
    connectors = connectors_with_activity(
        Connector.objects.prefetch_related("tariff_ids").order_by("connectorid")
    )
    return Prefetch(
        "chargepoints",
        queryset=ChargePoint.objects.order_by("chargepoint_id").prefetch_related(
            Prefetch("connectors", queryset=connectors)
        ),
    )


def ocpi_locations() -> QuerySet[Location]:
    """Every location, with ``ocpi_last_updated``: its own or its newest charger's or connector's.

    OCPI 2.2.1 locations §8.2.1.1: a change to an EVSE or a connector is a
    change of its location, so date_from finds the location again.
    """
    newest_chargepoint = (
        ChargePoint.objects.filter(location=OuterRef("pk"))
        .order_by("-last_updated")
        .values("last_updated")[:1]
    )
    newest_connector = (
        Connector.objects.filter(chargepoint__location=OuterRef("pk"))
        .order_by("-last_updated")
        .values("last_updated")[:1]
    )
    return (
        Location.objects.annotate(
            ocpi_last_updated=Greatest(
                "last_updated",
                Coalesce(Subquery(newest_chargepoint), "last_updated"),
                Coalesce(Subquery(newest_connector), "last_updated"),
            ),
            has_connectors=Exists(Connector.objects.filter(chargepoint__location=OuterRef("pk"))),
        )
        .prefetch_related(_chargepoints())
        .order_by("id")
    )


def ocpi_location_list() -> QuerySet[Location]:
    # Locations §8.2.1.1 GET List: "all Locations with valid EVSEs". One whose
    # chargers all left is no longer listed, which tells a partner it expired.
    return ocpi_locations().filter(has_connectors=True)


def ocpi_tariffs() -> QuerySet[Tariff]:
    return Tariff.objects.filter(_of_our_parties()).prefetch_related("elements").order_by("id")


def _charged_with_tokens_of(partner: OcpiPartner) -> Q:
    """Sessions and CDRs ``partner`` may see: those charged with a token it issued.

    OCPI 2.2.1 sessions §9 and CDRs §10: a CPO sends them to the eMSP of the
    token; another partner has no business knowing who charged where, or
    when. Our own drivers' (a tag no partner issued, or no known tag at all)
    go only to a partner the operator allowed (``sees_our_drivers``).
    """
    visible = Q(id_tag__ocpi_issuer__partner=partner)
    if partner.sees_our_drivers:
        visible |= Q(id_tag__ocpi_issuer__isnull=True)
    return visible


def ocpi_sessions(*, partner: OcpiPartner) -> QuerySet[Transaction]:
    """One OCPI Session per transaction on a known connector that ``partner`` may
    see, in the order they began."""
    return (
        Transaction.objects.filter(_charged_with_tokens_of(partner), connector__isnull=False)
        .select_related(
            "chargepoint__location",
            "connector",
            "pricing",
            "session",
            "id_tag__ocpi_issuer__partner",
        )
        # The eMSP's answer each started on (snapshots.authorization_ocpi).
        .prefetch_related("ocpi_authorizations")
        .order_by("transaction_id")
    )


def ocpi_cdrs(*, partner: OcpiPartner) -> QuerySet[CDR]:
    """Our CDRs that ``partner`` may see. One flagged for review waits until an
    operator clears it.

    A partner syncing with date_from finds a cleared CDR only if clearing it
    moved its last_updated.
    """
    return (
        CDR.objects.filter(_of_our_parties(), _charged_with_tokens_of(partner), needs_review=False)
        .select_related("id_tag__ocpi_issuer__partner")
        .prefetch_related(Prefetch("tariffs", queryset=Tariff.objects.prefetch_related("elements")))
        .order_by("end_date_time", "id")
    )
