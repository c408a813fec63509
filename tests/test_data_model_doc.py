import re
from pathlib import Path

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
    assert block == er_diagram(), "run: python manage.py er_diagram, and paste it into the doc"


def test_the_doc_maps_every_seed_000_and_003_entity():
    text = DOC.read_text()
    for entity in SEED_000_ENTITIES + SEED_003_MODELS + ["Heartbeat"]:
        assert f"**{entity}**" in text, entity
