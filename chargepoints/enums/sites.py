"""Sites: how a connector and its location are described (OCPI 2.2.1 vocabularies).

Connector (plug) standards are accounts.enums.ConnectorType: drivers name them too.
"""

from django.db import models


class ConnectorFormat(models.TextChoices):
    """OCPI 2.2.1 ConnectorFormat: a socket, or a cable attached to the charger."""

    SOCKET = "SOCKET", "Socket"
    CABLE = "CABLE", "Cable"


class PowerType(models.TextChoices):
    """OCPI 2.2.1 PowerType."""

    AC_1_PHASE = "AC_1_PHASE", "AC single phase"
    AC_2_PHASE = "AC_2_PHASE", "AC two phases"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT", "AC two phases, split"
    AC_3_PHASE = "AC_3_PHASE", "AC three phases"
    DC = "DC", "DC"


# The phases an AC supply carries (DC has none to count).
AC_PHASES = {
    PowerType.AC_1_PHASE: 1,
    PowerType.AC_2_PHASE: 2,
    PowerType.AC_2_PHASE_SPLIT: 2,
    PowerType.AC_3_PHASE: 3,
}


class ParkingType(models.TextChoices):
    """OCPI 2.2.1 ParkingType."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY", "Along a motorway"
    PARKING_GARAGE = "PARKING_GARAGE", "Parking garage"
    PARKING_LOT = "PARKING_LOT", "Parking lot"
    ON_DRIVEWAY = "ON_DRIVEWAY", "On a driveway"
    ON_STREET = "ON_STREET", "On street"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE", "Underground garage"
