"""Tariffs written from OCPI 2.2.1 Tariff objects: one at a time, or a whole import.

A tariff is known by (country_code, party_id, id) (tariffs §11.2.2), and
writing one replaces it whole, elements included, as a PUT does. All three
are CiStrings (types §16.1), so "de"/"all"/"t1" is the same tariff as
"DE"/"ALL"/"T1". Our primary key is the id alone, so one id cannot belong to
two parties here: the second party gets an error naming the first.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from billing.models import Tariff, TariffElement
from billing.validation.tariffs import tariff_errors
from billing.validation.types import parse_datetime
from chargepoints.models import Connector

Owner = tuple[str, str]

# The fields we keep of each OCPI class; others are ignored, so what we serve
# later is only what we checked.
PRICE_FIELDS = ("excl_vat", "incl_vat")
DISPLAY_TEXT_FIELDS = ("language", "text")
COMPONENT_FIELDS = ("type", "price", "vat", "step_size")
RESTRICTION_FIELDS = (
    "start_time",
    "end_time",
    "start_date",
    "end_date",
    "min_kwh",
    "max_kwh",
    "min_current",
    "max_current",
    "min_power",
    "max_power",
    "min_duration",
    "max_duration",
    "day_of_week",
    "reservation",
)
ENERGY_MIX_FIELDS = ("is_green_energy", "supplier_name", "energy_product_name")
SOURCE_FIELDS = ("source", "percentage")
IMPACT_FIELDS = ("category", "amount")


class TariffInvalid(ValueError):
    """The tariff was not written; ``errors`` holds (path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors


@dataclass
class ImportReport:
    """What an import wrote (or, in a dry run, would write), or why it wrote nothing."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (index, path, message)


@transaction.atomic
def tariff_upsert(*, data: dict) -> tuple[Tariff, bool]:
    """Create or replace one tariff from a valid OCPI Tariff object; True when created."""
    errors = tariff_errors(data)
    if errors:
        raise TariffInvalid(errors)
    stored = _stored(data["id"], _owner(data))
    errors = _ownership_errors(stored, _owner(data))
    if errors:
        raise TariffInvalid(errors)
    return _write(data, stored)


@transaction.atomic
def tariffs_import(
    *, objects: list, dry_run: bool = False, sources: Sequence[str] | None = None
) -> ImportReport:
    """Write many OCPI Tariff objects, or none of them if any is invalid.

    ``sources`` names where each object came from (a file): the same tariff
    twice in one source is an error, as nobody can tell which one was meant;
    in a later source it replaces the earlier one, as a later PUT would.
    Error indexes count within ``objects``; those in messages within a source.
    """
    report = ImportReport()
    exists: list[bool] = []
    claims = _Claims()
    counted: Counter[str] = Counter()
    for index, data in enumerate(objects):
        source = sources[index] if sources is not None else ""
        local_index = counted[source]
        counted[source] += 1
        errors, found = tariff_errors(data), False
        if not errors:
            errors, found = claims.check(data, source=source, local_index=local_index)
        report.errors.extend((index, path, message) for path, message in errors)
        exists.append(found)

    if report.errors:
        return report
    for data, found in zip(objects, exists, strict=True):
        if not dry_run:
            _, created = _write(data, _stored(data["id"], _owner(data)))
            found = not created
        (report.updated if found else report.created).append(data["id"])
    return report


@dataclass
class _Claims:
    """The tariffs named by the objects of an import so far."""

    first_seen: dict[tuple[str, Owner, str], int] = field(default_factory=dict)
    owners: dict[str, Owner] = field(default_factory=dict)  # by id in upper case

    def check(self, data: dict, *, source: str, local_index: int):
        """Errors in the identity of a valid object, and whether its tariff exists by now."""
        owner, tariff_id = _owner(data), data["id"].upper()
        first = self.first_seen.setdefault((source, owner, tariff_id), local_index)
        if first != local_index:
            return [("id", f"repeats the tariff at index {first} of the same file")], True
        if tariff_id in self.owners:
            if self.owners[tariff_id] != owner:
                party = _party(self.owners[tariff_id])
                return [("id", f"belongs to a tariff of {party} earlier in this import")], False
            return [], True
        stored = _stored(data["id"], owner)
        errors = _ownership_errors(stored, owner)
        if not errors:
            self.owners[tariff_id] = owner
        return errors, stored is not None


def _owner(data: dict) -> Owner:
    return data["country_code"].upper(), data["party_id"].upper()


def _owner_of(tariff: Tariff) -> Owner:
    return tariff.country_code.upper(), tariff.party_id.upper()


def _party(owner: Owner) -> str:
    return "*".join(owner)


def _stored(tariff_id: str, owner: Owner) -> Tariff | None:
    """The tariff stored under this id in any letter case, the owner's first."""
    candidates = Tariff.objects.filter(id__iexact=tariff_id)
    ranked = sorted(candidates, key=lambda t: (_owner_of(t) != owner, t.id != tariff_id))
    return ranked[0] if ranked else None


def _ownership_errors(stored: Tariff | None, owner: Owner) -> list[tuple[str, str]]:
    if stored is None or _owner_of(stored) == owner:
        return []
    return [("id", f"belongs to a tariff of {_party(_owner_of(stored))}")]


def _write(data: dict, stored: Tariff | None) -> tuple[Tariff, bool]:
    values = _tariff_values(data)
    if stored is None:
        tariff = Tariff.objects.create(id=data["id"], **values)
    else:
        tariff = stored
        for name, value in values.items():
            setattr(tariff, name, value)
        tariff.save()  # also moves last_updated on
        tariff.elements.all().delete()
    # Order matters: the first element whose restrictions match applies (§11.3.1).
    TariffElement.objects.bulk_create(
        TariffElement(
            tariff=tariff,
            position=position,
            price_components=[_known(c, COMPONENT_FIELDS) for c in element["price_components"]],
            restrictions=_known(element.get("restrictions") or {}, RESTRICTION_FIELDS) or None,
        )
        for position, element in enumerate(data["elements"])
    )
    return tariff, stored is None


def _tariff_values(data: dict) -> dict[str, Any]:
    def optional(key: str, convert):
        return None if data.get(key) is None else convert(data[key])

    return {
        # CiStrings, and ISO codes are written in capitals.
        "country_code": data["country_code"].upper(),
        "party_id": data["party_id"].upper(),
        "currency": data["currency"].upper(),
        # "When omitted, this tariff is valid for all sessions" (§11.3.1), which
        # REGULAR is not: keep it blank.
        "type": data.get("type") or "",
        "tariff_alt_text": [
            _known(text, DISPLAY_TEXT_FIELDS) for text in data.get("tariff_alt_text") or []
        ],
        "tariff_alt_url": data.get("tariff_alt_url") or "",
        "min_price": optional("min_price", lambda price: _known(price, PRICE_FIELDS)),
        "max_price": optional("max_price", lambda price: _known(price, PRICE_FIELDS)),
        "start_date_time": optional("start_date_time", parse_datetime),
        "end_date_time": optional("end_date_time", parse_datetime),
        "energy_mix": optional("energy_mix", _energy_mix),
    }


def _energy_mix(mix: dict) -> dict[str, Any]:
    kept = _known(mix, ENERGY_MIX_FIELDS)
    if mix.get("energy_sources") is not None:
        kept["energy_sources"] = [_known(s, SOURCE_FIELDS) for s in mix["energy_sources"]]
    if mix.get("environ_impact") is not None:
        kept["environ_impact"] = [_known(i, IMPACT_FIELDS) for i in mix["environ_impact"]]
    return kept


def _known(data: dict, fields: Sequence[str]) -> dict[str, Any]:
    """The fields OCPI defines, leaving out unknown ones and nulls (null means absent)."""
    return {key: data[key] for key in fields if data.get(key) is not None}


def tariff_connectors_add(*, tariff: Tariff, connectors: Iterable[Connector]) -> None:
    """Price these connectors with ``tariff`` too (OCPI Connector.tariff_ids)."""
    tariff.connectors.add(*connectors)
