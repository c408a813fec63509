import re
from pathlib import Path

import pytest

from csms.diagram import er_diagram

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-model.md"
SEED_000_ENTITIES = [
    "ChargePoint",
    "ChargingProfile",
    "Connector",
    "IdTag",
    "Reservation",
    "StatusNotification",
    "Transaction",
    "User",
    "Profile",
    "Location",
    "Sampledvalue",
    "TariffElement",
    "Tariff",
    "CDR",
]
SEED_003_MODELS = [
    "User",
    "UserVehicle",
    "ChargePoint",
    "Connector",
    "Transaction",
    "MeterValue",
    "ChargingSession",
    "Reservation",
    "ChargingProfile",
    "OCPPMessage",
    "Notification",
]


def test_the_documented_er_diagram_is_the_models_diagram():
    block = re.search(r"```mermaid\n(.*?)```", DOC.read_text(), re.S).group(1)
    assert block == er_diagram(), "run: python manage.py er_diagram --write docs/data-model.md"


SEEDS = DOC.parent.parent.parent / "shared" / "seeds"


def _seed_000_fields() -> list[str]:
    """Every field name declared inside an entity of seed 000's PlantUML."""
    seed = next(SEEDS.glob("000_*.txt"), None)
    if seed is None:
        return []
    names = []
    for body in re.findall(r'entity "\w+" as \w+ \{(.*?)\}', seed.read_text(), re.S):
        for line in body.splitlines():
            match = re.match(r"\s*\*?\s*(?:\*\*|<u>)?(\w+)(?:\*\*|</u>)?\s*:", line)
            if match:
                names.append(match.group(1))
    return names


def test_the_doc_names_every_field_of_seed_000():
    fields = _seed_000_fields()
    if not fields:
        pytest.skip("the seeds are not beside this checkout")
    section = DOC.read_text().split("### Seed 000")[1].split("### Seed 001")[0]
    missing = [name for name in fields if name not in section]
    assert not missing


def test_the_doc_maps_every_seed_000_and_003_entity():
    text = DOC.read_text()
    for entity in SEED_000_ENTITIES + SEED_003_MODELS + ["Heartbeat"]:
        assert f"**{entity}**" in text, entity
