"""What the cost engine assumed about a session, said in English for its CDR.

A restriction on current or power (tariffs §11.4.6 min/max_current,
min/max_power) needs a value the charger may not report: many report power
and no current, some only their energy register. The engine then derives the
value (timeline._electrics) or, when nothing is known, applies the configured
rule (Supply.unknown_matches); either way the price rests on an assumption a
driver or partner may question, so the CDR says which, and for how long
(CDR.pricing_notes).
"""

from collections.abc import Iterable
from decimal import Decimal

from billing.pricing.tariffs import Element
from billing.pricing.timeline import (
    FROM_ENERGY,
    FROM_VOLTAGE,
    MEASURED,
    UNKNOWN,
    Segment,
)
from billing.pricing.types import Supply

ZERO = Decimal(0)


def duration_text(seconds: Decimal) -> str:
    """``2 h 45 min``; ``40 s`` under half a minute."""
    minutes = int((seconds / 60).to_integral_value())
    if minutes == 0:
        return f"{int(seconds.to_integral_value())} s"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Assumed:
    """Seconds of charging priced with a derived or unknown current or power.

    Only counted while the tariff has a restriction on that quantity: an
    assumption nothing depends on is not worth a note.
    """

    def __init__(self, supply: Supply):
        self.supply = supply
        self.seconds: dict[tuple[str, str, str], Decimal] = {}

    def add(self, parts: Iterable[Segment], elements: Iterable[Element]) -> None:
        rules = [element.restrictions for element in elements]
        on_current = any(r.min_current is not None or r.max_current is not None for r in rules)
        on_power = any(r.min_power is not None or r.max_power is not None for r in rules)
        for segment in parts:
            if not segment.moment.charging:
                continue  # parking: no current flows, nothing is assumed
            if on_current and segment.current_source != MEASURED:
                key = ("current", segment.current_source, segment.power_source)
                self.seconds[key] = self.seconds.get(key, ZERO) + segment.seconds
            if on_power and segment.power_source != MEASURED:
                key = ("power", segment.power_source, "")
                self.seconds[key] = self.seconds.get(key, ZERO) + segment.seconds

    def notes(self) -> tuple[str, ...]:
        order = ("current", "power")
        keys = sorted(self.seconds, key=lambda key: (order.index(key[0]), key[1], key[2]))
        notes = (self._note(key, self.seconds[key]) for key in keys if self.seconds[key] > 0)
        return tuple(notes)

    def _note(self, key: tuple[str, str, str], seconds: Decimal) -> str:
        quantity, source, power_source = key
        during = duration_text(seconds)
        nominal = f"the nominal {self.supply.nominal_voltage or 0:g} V"
        if self.supply.phases:
            nominal += f" on {self.supply.phases} phase{'s' if self.supply.phases > 1 else ''}"
        restriction = f"min_{quantity}/max_{quantity}"
        if source == UNKNOWN:
            rule = "match" if self.supply.unknown_matches else "no_match"
            applied = "applied" if self.supply.unknown_matches else "not applied"
            return (
                f"{quantity.capitalize()} unknown for {during}: {restriction} restrictions "
                f"{applied} (CSMS_PRICING_UNKNOWN_CURRENT={rule})."
            )
        if source == FROM_ENERGY:
            return f"Power derived from the energy register for {during}."
        other = "power" if quantity == "current" else "current"
        if power_source == FROM_ENERGY:
            other = "power (derived from the energy register)"
        voltage = "the measured voltage" if source == FROM_VOLTAGE else nominal
        return f"{quantity.capitalize()} derived from {other} and {voltage} for {during}."
