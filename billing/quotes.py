"""What charging at a connector costs, before starting: the tariff that would apply now,
and an estimate priced by the same engine as the CDR.

The estimate simulates a session starting now on that connector: the energy
delivered evenly over the charging time, then the parking time (the car
plugged in, taking no energy; OCPI 2.2.1 CdrDimensionType PARKING_TIME).
The tariff is the one a session starting now would be given
(billing.services.pricing.tariff_in_force); a connector without one charges
nothing, as its CDR would say.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from billing.models import Tariff
from billing.pricing import Costs, Sample, StateChange, TariffSpec, Usage, price_session
from billing.services.pricing import tariff_in_force
from billing.snapshots import tariff_ocpi
from chargepoints.models import Connector
from chargepoints.selectors import chargepoint_time_zone


class EstimateRefused(ValueError):
    """The estimate cannot be made from what was given: ``field`` names what is missing."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Estimate:
    energy_kwh: Decimal
    duration_minutes: Decimal
    parking_minutes: Decimal
    # Which of energy and duration came from the connector's power, not the caller.
    derived: tuple[str, ...]
    costs: Costs


@dataclass(frozen=True)
class Quote:
    at: datetime.datetime
    connector: Connector
    tariff: Tariff | None
    spec: TariffSpec | None
    estimate: Estimate | None


def _derived(
    connector: Connector, energy: Decimal | None, minutes: Decimal | None
) -> tuple[Decimal, Decimal, tuple[str, ...]]:
    """Energy and duration, the one not given worked out at the connector's maximum power."""
    power = Decimal(str(connector.max_power)) if connector.max_power else None
    if energy is not None and minutes is not None:
        return energy, minutes, ()
    if minutes is not None and not minutes:
        return Decimal(0), minutes, ("energy_kwh",)
    if energy is not None:
        if not energy:
            return energy, Decimal(0), ()
        if power is None:
            raise EstimateRefused(
                "duration_minutes", _("Needed: this connector's power is unknown.")
            )
        return energy, (energy / power * 60).quantize(Decimal("0.1")), ("duration_minutes",)
    if minutes is not None:
        if power is None:
            raise EstimateRefused("energy_kwh", _("Needed: this connector's power is unknown."))
        return (power * minutes / 60).quantize(Decimal("0.001")), minutes, ("energy_kwh",)
    return Decimal(0), Decimal(0), ()


def connector_quote(
    *,
    connector: Connector,
    at: datetime.datetime,
    energy_kwh: Decimal | None = None,
    duration_minutes: Decimal | None = None,
    parking_minutes: Decimal | None = None,
) -> Quote:
    """The tariff in force at ``connector`` at ``at`` and, when asked, an estimate.

    An estimate is made when any of energy, duration or parking time is
    given; raises EstimateRefused when energy and duration cannot both be known.
    """
    tariff = tariff_in_force(connector=connector, at=at)
    spec = TariffSpec.from_ocpi(tariff_ocpi(tariff)) if tariff is not None else None
    asked = (energy_kwh, duration_minutes, parking_minutes) != (None, None, None)
    estimate = None
    if asked:
        energy, minutes, derived = _derived(connector, energy_kwh, duration_minutes)
        if energy and not minutes:
            raise EstimateRefused(
                "duration_minutes", _("Must be above 0 when energy is to be delivered.")
            )
        parking = parking_minutes or Decimal(0)
        costs = _simulate(connector, spec, at, energy=energy, minutes=minutes, parking=parking)
        estimate = Estimate(
            energy_kwh=energy,
            duration_minutes=minutes,
            parking_minutes=parking,
            derived=derived,
            costs=costs,
        )
    return Quote(
        at=at,
        connector=connector,
        tariff=tariff,
        spec=spec,
        estimate=estimate,
    )


def _simulate(
    connector: Connector,
    spec: TariffSpec | None,
    start: datetime.datetime,
    *,
    energy: Decimal,
    minutes: Decimal,
    parking: Decimal,
) -> Costs:
    # What a connector without tariff charges: nothing (as its CDR would).
    free = {"id": "FREE", "currency": settings.CSMS_CURRENCY, "elements": [_FREE]}
    spec = spec or TariffSpec.from_ocpi(free)
    charged = start + datetime.timedelta(minutes=float(minutes))
    end = charged + datetime.timedelta(minutes=float(parking))
    samples = [Sample(at=start, energy_wh=0.0)]
    if charged > start:
        samples.append(Sample(at=charged, energy_wh=float(energy * 1000)))
    states = [StateChange(at=charged, charging=False)] if end > charged else []
    usage = Usage(
        currency=spec.currency,
        start=start,
        end=end,
        time_zone=chargepoint_time_zone(chargepoint=connector.chargepoint),
        samples=tuple(samples),
        states=tuple(states),
    )
    return price_session(spec, usage)


_FREE = {"price_components": [{"type": "ENERGY", "price": 0, "step_size": 1}]}
