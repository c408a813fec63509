"""EVSE ids: how an EVSE of ours is numbered, and the printed id a QR code holds.

The printed id is the eMI3 EVSE id OCPI shows (locations §8.3.2):
``<country>*<party>*E<outlet>*<evse>``, e.g. "TH*CSM*ECP1*1", made from the
charge point's id upper-cased with what eMI3 does not allow dropped, cut
to the 48 characters OCPI allows. OCPI (billing) and the REST API show it
from here, so both print the same id.

Reading one back (``evse_find``): ISO 15118-2 Annex H, which eMI3 follows,
makes the id case-insensitive and the ``*`` separators optional, so
"th*csm*ecp1*1" and "THCSMECP11" name the same EVSE. People also type
spaces and dashes: anything but letters, digits and ``*`` is ignored.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from chargepoints.models import ChargePoint, Connector

EVSE_ID_MAX_LENGTH = 48  # OCPI 2.2.1 EVSE.evse_id: CiString(48)
_NOT_EMI3 = re.compile(r"[^A-Za-z0-9*]")
# Between two characters of a printed outlet, the charge point id may have
# had characters the printing dropped; a compact reading drops stars too.
_DROPPED = "[^A-Za-z0-9*]*"
_DROPPED_COMPACT = "[^A-Za-z0-9]*"


def evse_number(connector: Connector) -> int:
    """The EVSE a connector belongs to: its OCPP 2.0.1 EVSE, or itself on OCPP 1.6."""
    return connector.evse_id or connector.connectorid


def evse_uid(chargepoint_id: str, number: int) -> str:
    """OCPI EVSE.uid (CiString(36)): unique in our platform, stable for the charger's life."""
    return f"{chargepoint_id}*{number}"[-36:]


def _prefix() -> str:
    return f"{settings.CSMS_OCPI_COUNTRY_CODE}*{settings.CSMS_OCPI_PARTY_ID}*E"


def evse_emi3_id(chargepoint_id: str, number: int) -> str:
    """EVSE.evse_id in the eMI3 format <country>*<party>*E<outlet> (locations §8.3.2)."""
    outlet = _NOT_EMI3.sub("", chargepoint_id.upper()) or "0"
    prefix = _prefix()
    suffix = f"*{number}"
    return prefix + outlet[: EVSE_ID_MAX_LENGTH - len(prefix) - len(suffix)] + suffix


def connector_evse_id(connector: Connector) -> str:
    """The printed id of the EVSE a connector belongs to."""
    return evse_emi3_id(connector.chargepoint_id, evse_number(connector))


@dataclass(frozen=True)
class Evse:
    """One EVSE of a charge point: its printed id and its connectors, in order."""

    evse_id: str
    number: int
    chargepoint: ChargePoint
    connectors: list[Connector]


class EvseIdAmbiguous(Exception):
    """A compact id (typed without ``*``) that names more than one EVSE."""

    def __init__(self, candidates: list[str]):
        super().__init__(", ".join(candidates))
        self.candidates = candidates


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _outlet_pattern(outlet: str, *, cut: bool, dropped: str) -> str:
    """A regular expression for the charge point ids that print as ``outlet``.

    Case is left to the database's case-insensitive match; an outlet cut to
    fit 48 characters continues with anything.
    """
    body = dropped.join(re.escape(char) for char in outlet)
    return f"^{dropped}{body}{'.*' if cut else dropped}$"


def _patterns(typed: str) -> list[str]:
    """The charge point ids ``typed`` can be read as, as regular expressions."""
    prefix = _prefix()
    if "*" in typed:
        if not typed.upper().startswith(prefix):
            return []
        outlet, star, number = typed[len(prefix) :].rpartition("*")
        if not star or not outlet or not number.isdigit():
            return []
        cut = len(typed) >= EVSE_ID_MAX_LENGTH
        return [_outlet_pattern(outlet.upper(), cut=cut, dropped=_DROPPED)]
    # Without separators the EVSE number is some of the trailing digits, and
    # the outlet may have been cut: every split is a candidate, checked later.
    compact, head = _compact(typed), _compact(prefix)
    if not compact.startswith(head):
        return []
    rest = compact[len(head) :]
    digits = len(rest) - len(rest.rstrip("0123456789"))
    return [
        _outlet_pattern(rest[:-size], cut=True, dropped=_DROPPED_COMPACT)
        for size in range(1, min(digits, 9) + 1)
        if rest[:-size] and rest[-size] != "0"
    ]


def evse_find(*, evse_id: str, chargepoints: QuerySet[ChargePoint]) -> Evse | None:
    """The EVSE printed as ``evse_id`` among ``chargepoints``, or None.

    The database picks the few charge points whose id can print as the
    typed outlet (a case-insensitive regular expression: no row is read
    into Python to be compared); each is then checked by printing its ids
    again, so only an exact reading answers. Raises EvseIdAmbiguous when a
    compact id reads as several EVSEs.
    """
    typed = _NOT_EMI3.sub("", evse_id)
    patterns = _patterns(typed)
    if not patterns:
        return None
    condition = Q()
    for pattern in patterns:
        condition |= Q(chargepoint_id__iregex=pattern)
    if "*" in typed:

        def matches(printed: str) -> bool:
            return printed == typed.upper()
    else:

        def matches(printed: str) -> bool:
            return _compact(printed) == _compact(typed)

    found = []
    for chargepoint in chargepoints.filter(condition):
        for number in sorted({evse_number(c) for c in chargepoint.connectors.all()}):
            printed = evse_emi3_id(chargepoint.chargepoint_id, number)
            if matches(printed):
                found.append((printed, number, chargepoint))
    if not found:
        return None
    if len(found) > 1:
        raise EvseIdAmbiguous(sorted(printed for printed, _, _ in found))
    printed, number, chargepoint = found[0]
    connectors = sorted(
        (c for c in chargepoint.connectors.all() if evse_number(c) == number),
        key=lambda connector: (connector.evse_connector_id or 0, connector.connectorid),
    )
    return Evse(evse_id=printed, number=number, chargepoint=chargepoint, connectors=connectors)
