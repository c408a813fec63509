"""Our sites as OCPI 2.2.1 Location, EVSE and Connector objects (locations §8.3).

An OCPI EVSE is one EVSE of one of our charge points: an OCPP 2.0.1 charger's
connectors are grouped by their EVSE id; an OCPP 1.6 charger knows no EVSEs,
so each connector is an EVSE of its own (locations §8.1, "OCPP 1.x Charge
Points with multiple connectors per EVSE").
"""

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from billing.snapshots import (
    evse_emi3_id,
    evse_number,
    evse_uid,
    ocpi_connector_id,
    ocpi_timestamp,
)
from chargepoints.enums import AC_PHASES, PowerType
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.status_selectors import evse_public_status

# Locations §8.4.4: what an eMSP can ask of every charger we run.
CAPABILITIES = ["REMOTE_START_STOP_CAPABLE", "RESERVABLE"]

# Locations §8.3.3: max_voltage and max_amperage are required. When neither the
# charger nor the operator told us, the nominal values of the supply stand in.
_NOMINAL_VOLTAGE = {"AC": 230, "DC": 500}
_NOMINAL_AMPERAGE = {"AC": 16, "DC": 125}


@dataclass(frozen=True)
class Evse:
    chargepoint: ChargePoint
    number: int
    connectors: list[Connector]

    @property
    def uid(self) -> str:
        return evse_uid(self.chargepoint.chargepoint_id, self.number)


def chargepoint_evses(chargepoint: ChargePoint, connectors: Iterable[Connector]) -> list[Evse]:
    """A charge point's EVSEs: its connectors grouped by EVSE, in order."""
    return [
        Evse(
            chargepoint=chargepoint,
            number=number,
            connectors=sorted(group, key=lambda connector: int(ocpi_connector_id(connector))),
        )
        for number, group in itertools.groupby(sorted(connectors, key=evse_number), evse_number)
    ]


def location_evses(location: Location) -> list[Evse]:
    """The EVSEs of a location (its charge points and connectors prefetched, in order)."""
    return [
        evse
        for chargepoint in location.chargepoints.all()
        for evse in chargepoint_evses(chargepoint, chargepoint.connectors.all())
    ]


def evse_find(location: Location, uid: str) -> Evse | None:
    """The location's EVSE with that uid, as the Locations module shows it."""
    return next((evse for evse in location_evses(location) if evse.uid == uid), None)


def evse_connector_find(evse: Evse, connector_id: str) -> Connector | None:
    """The EVSE's connector with that OCPI id."""
    found = (c for c in evse.connectors if ocpi_connector_id(c) == connector_id)
    return next(found, None)


def _geo(latitude: Any, longitude: Any) -> dict[str, str]:
    # Locations §8.4.13 GeoLocation: decimal degrees with 5 to 7 decimals.
    return {"latitude": f"{float(latitude):.6f}", "longitude": f"{float(longitude):.6f}"}


def evse_status(evse: Evse) -> str:
    """Locations §8.4.22: the public status the REST API shows too, by the same rule."""
    return evse_public_status(chargepoint=evse.chargepoint, connectors=evse.connectors).status


def connector_ocpi(connector: Connector) -> dict[str, Any]:
    """OCPI Connector object (locations §8.3.3)."""
    supply = "DC" if connector.power_type == PowerType.DC else "AC"
    voltage = round(connector.max_voltage or _NOMINAL_VOLTAGE[supply])
    power_kw = connector.max_power or connector.chargepoint.max_power
    if connector.max_current:
        amperage = round(connector.max_current)
    elif power_kw:
        amperage = round(power_kw * 1000 / (voltage * AC_PHASES.get(connector.power_type, 1)))
    else:
        amperage = _NOMINAL_AMPERAGE[supply]
    data: dict[str, Any] = {
        "id": ocpi_connector_id(connector),
        "standard": connector.standard,
        "format": connector.format,
        "power_type": connector.power_type,
        "max_voltage": voltage,
        "max_amperage": amperage,
    }
    if power_kw:
        data["max_electric_power"] = round(power_kw * 1000)
    data["tariff_ids"] = [tariff.id for tariff in connector.tariff_ids.all()]
    data["last_updated"] = ocpi_timestamp(connector.last_updated)
    return data


def evse_last_updated(evse: Evse):
    return max([evse.chargepoint.last_updated, *(c.last_updated for c in evse.connectors)])


def evse_ocpi(evse: Evse) -> dict[str, Any]:
    """OCPI EVSE object (locations §8.3.2)."""
    chargepoint = evse.chargepoint
    data: dict[str, Any] = {
        "uid": evse.uid,
        "evse_id": evse_emi3_id(chargepoint.chargepoint_id, evse.number),
        "status": evse_status(evse),
        "capabilities": CAPABILITIES,
        "connectors": [connector_ocpi(connector) for connector in evse.connectors],
    }
    if chargepoint.latitude is not None and chargepoint.longitude is not None:
        data["coordinates"] = _geo(chargepoint.latitude, chargepoint.longitude)
    data["last_updated"] = ocpi_timestamp(evse_last_updated(evse))
    return data


def location_last_updated(location: Location):
    # Locations §8.2.1.1: a change of an EVSE or a connector updates its location.
    # The same rule as ocpi_locations() applies in the database.
    moments = [location.last_updated]
    for chargepoint in location.chargepoints.all():
        moments.append(chargepoint.last_updated)
        moments.extend(connector.last_updated for connector in chargepoint.connectors.all())
    return max(moments)


def location_ocpi(location: Location) -> dict[str, Any]:
    """OCPI Location object (locations §8.3.1), with every EVSE of its chargers.

    Unpublished locations are sent too, with publish=false (§8.3.1): partners'
    helpdesks still need them; only their apps must not show them.
    """
    data: dict[str, Any] = {
        "country_code": location.country_code.upper(),
        "party_id": location.party_id.upper(),
        "id": location.id,
        "publish": location.publish,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        # string(10) in §8.3.1; our column allows 20.
        "postal_code": location.postal_code[:10],
        "state": location.state,
        "country": location.country.alpha3,
        "coordinates": _geo(location.coordinates["latitude"], location.coordinates["longitude"]),
        "parking_type": location.parking_type,
        "evses": [evse_ocpi(evse) for evse in location_evses(location)],
        "time_zone": str(location.time_zone),
        "last_updated": ocpi_timestamp(location_last_updated(location)),
    }
    # Optional fields we do not know are left out rather than sent empty.
    return {key: value for key, value in data.items() if value not in ("", None)}
