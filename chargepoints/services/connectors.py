"""Finding a charger's connector from what a charger calls it, and counting them."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from chargepoints.models import ChargePoint, Connector
from csms.rows import RowReader, row_insert

# Every meter value names its connector: one indexed read, compiled once (csms/rows.py).
_BY_NUMBER = RowReader(Connector, ["chargepoint", "connectorid"])
_BY_EVSE = RowReader(Connector, ["chargepoint", "evse_id", "evse_connector_id"])


@dataclass(frozen=True)
class ConnectorRef:
    """How a charger names an outlet.

    OCPP 1.6 numbers connectors (``connectorid``; 0 is the charger itself).
    OCPP 2.0.1 names an EVSE and a connector within it (``evse_id``,
    ``evse_connector_id``); a missing connector id within the EVSE means its
    first connector.
    """

    connectorid: int | None = None
    evse_id: int | None = None
    evse_connector_id: int | None = None

    @property
    def is_whole_charger(self) -> bool:
        return self.evse_id is None and not self.connectorid


def connector_get_or_create(*, chargepoint: ChargePoint, ref: ConnectorRef) -> Connector | None:
    """The connector a report is about, created on its first report; None for the charger."""
    if ref.is_whole_charger:
        return None
    if ref.evse_id is not None:
        evse_connector_id = ref.evse_connector_id or 1
        connector = _BY_EVSE.get(chargepoint.pk, ref.evse_id, evse_connector_id)
        if connector is not None:
            return connector
        # A connector an operator created by number, before the charger said
        # which EVSE it is: the report names it, so adopt it, don't duplicate it.
        unlinked = Connector.objects.filter(
            chargepoint=chargepoint, connectorid=ref.evse_id, evse_id__isnull=True
        ).first()
        if unlinked is not None:
            unlinked.evse_id = ref.evse_id
            unlinked.evse_connector_id = evse_connector_id
            unlinked.save(update_fields=["evse_id", "evse_connector_id", "last_updated"])
            return unlinked
        # Number the new connector like the EVSE where that number is free
        # (the usual one connector per EVSE), otherwise after the last one.
        taken = Connector.objects.filter(chargepoint=chargepoint)
        connectorid = ref.evse_id
        if taken.filter(connectorid=connectorid).exists():
            connectorid = (taken.aggregate(last=Max("connectorid"))["last"] or 0) + 1
        connector = Connector.objects.create(
            chargepoint=chargepoint,
            connectorid=connectorid,
            evse_id=ref.evse_id,
            evse_connector_id=evse_connector_id,
        )
        chargepoint_connector_count_update(chargepoint_id=chargepoint.pk)
        return connector
    connector = _BY_NUMBER.get(chargepoint.pk, ref.connectorid)
    if connector is None:
        # Known not to exist a moment ago: create it, and read it only if
        # another process just did (the unique constraint says so).
        try:
            with transaction.atomic():
                connector = row_insert(
                    Connector(chargepoint=chargepoint, connectorid=ref.connectorid)
                )
        except IntegrityError:
            connector = _BY_NUMBER.get(chargepoint.pk, ref.connectorid)
        else:
            chargepoint_connector_count_update(chargepoint_id=chargepoint.pk)
    return connector


# The most a charge point's connector_count holds (a PositiveSmallIntegerField).
_MOST_CONNECTORS = 32767


@dataclass(frozen=True)
class ConnectorsReported:
    """How many connectors a charger says it has, in its configuration or device model."""

    count: int
    # The charger's own total (a configuration key) replaces a count set too
    # high by hand; a device-model report comes in parts, and a part only raises it.
    complete: bool = False


def chargepoint_connector_count_update(
    *, chargepoint_id: str, reported: ConnectorsReported | None = None
) -> int:
    """Keep ``connector_count`` to what the charger reports, never below the connectors seen.

    Called when a connector row is created or a report arrives: never per
    frame (docs/architecture.md rule 10). Returns the count now stored.
    """
    seen = Connector.objects.filter(chargepoint_id=chargepoint_id, connectorid__gt=0).count()
    rows = ChargePoint.objects.filter(pk=chargepoint_id)
    current = rows.values_list("connector_count", flat=True).first()
    if current is None:
        return 0
    if reported is None:
        count = max(current, seen)
    elif reported.complete:
        count = max(reported.count, seen)
    else:
        count = max(current, reported.count, seen)
    count = min(count, _MOST_CONNECTORS)
    if count != current:
        rows.update(connector_count=count)
    return count
