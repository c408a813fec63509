"""The demo charging network that ``make run`` loads: safe to load any number of times.

``manage.py load_demo`` (csms) loads this, then billing's demo tariff
(billing/demo.py).

Everything is keyed by a fixed id and only created when missing: a second load
adds back what was deleted but never overwrites what an operator changed (a
renamed charger, a revoked tag, the operator's password).
"""

import dataclasses
import secrets
from dataclasses import dataclass

from django.db import transaction

from accounts.enums import ConnectorType, IdTokenType, VehicleType
from accounts.models import IdTag, User, UserVehicle
from accounts.services import user_create
from chargepoints.enums import ConnectorFormat, OcppProtocol, ParkingType, PowerType
from chargepoints.models import ChargePoint, Connector, Location

OPERATOR_USERNAME = "operator"
BMW_WALLBOX_ID = "DE*BMW*ETEST1234567890AB"
OCPP16_DEMO_ID = "CP-DEMO-16"


@dataclass(frozen=True)
class DemoLoadResult:
    operator_created: bool
    # Set only when the password was generated here, so it can be shown once.
    generated_password: str | None
    # Connectors made by this load (billing gives them the demo tariff).
    connectors_created: tuple[Connector, ...] = ()


@transaction.atomic
def demo_data_load(*, operator_password: str | None) -> DemoLoadResult:
    location, _ = Location.objects.get_or_create(
        id="DEMO-LOC-1",
        defaults={
            "country_code": "DE",
            "party_id": "CSM",
            "name": "Demo depot",
            "address": "Invalidenstraße 117",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
            "coordinates": {"latitude": "52.530400", "longitude": "13.384800"},
            "parking_type": ParkingType.PARKING_LOT,
            "time_zone": "Europe/Berlin",
        },
    )
    cp16, _ = ChargePoint.objects.get_or_create(
        chargepoint_id=OCPP16_DEMO_ID,
        defaults={
            "name": "Demo AC charger (OCPP 1.6)",
            "location": location,
            "ocpp_version": OcppProtocol.OCPP16,
            "max_power": 22.0,
            "connector_count": 2,
            "latitude": 52.5304,
            "longitude": 13.3848,
        },
    )
    bmw, _ = ChargePoint.objects.get_or_create(
        chargepoint_id=BMW_WALLBOX_ID,
        defaults={
            "name": "BMW wallbox (OCPP 2.0.1)",
            "location": location,
            "ocpp_version": OcppProtocol.OCPP201,
            "max_power": 22.0,
            "connector_count": 1,
            "latitude": 52.5305,
            "longitude": 13.3850,
        },
    )
    connectors_created = []
    for chargepoint, connectorid, evse in ((cp16, 1, None), (cp16, 2, None), (bmw, 1, 1)):
        connector, created = Connector.objects.get_or_create(
            chargepoint=chargepoint,
            connectorid=connectorid,
            defaults={
                "evse_id": evse,
                "evse_connector_id": 1 if evse else None,
                "standard": ConnectorType.IEC_62196_T2,
                "format": ConnectorFormat.SOCKET if chargepoint == cp16 else ConnectorFormat.CABLE,
                "power_type": PowerType.AC_3_PHASE,
                "max_power": 22.0,
                "max_current": 32.0,
                "max_voltage": 400.0,
            },
        )
        if created:
            connectors_created.append(connector)

    driver = User.objects.filter(username="demo-driver").first()
    if driver is None:
        driver = user_create(
            username="demo-driver",
            password=None,
            phone_number="+4915112345678",
            first_name="Demo",
            last_name="Driver",
        )
    UserVehicle.objects.get_or_create(
        license_plate="B-EV 2026",
        defaults={"user": driver, "make": "BMW", "model": "i4", "type": VehicleType.ELECTRIC},
    )
    for token, token_type, revoked in (
        ("DEMO-RFID-0001", IdTokenType.ISO14443, False),
        ("DEMO-RFID-0002", IdTokenType.ISO14443, False),
        ("DEMO-REVOKED-01", IdTokenType.ISO14443, True),
    ):
        IdTag.objects.get_or_create(
            idToken=token,
            defaults={"user": driver, "token_type": token_type, "revoked": revoked},
        )

    result = _operator_ensure(password=operator_password)
    return dataclasses.replace(result, connectors_created=tuple(connectors_created))


def _operator_ensure(*, password: str | None) -> DemoLoadResult:
    if User.objects.filter(username=OPERATOR_USERNAME).exists():
        return DemoLoadResult(operator_created=False, generated_password=None)
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    user_create(
        username=OPERATOR_USERNAME,
        password=password,
        first_name="Demo",
        last_name="Operator",
        is_staff=True,
        is_superuser=True,
    )
    return DemoLoadResult(operator_created=True, generated_password=generated)
