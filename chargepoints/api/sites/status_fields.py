"""The public status fields of connectors, EVSEs and charge points, and their printed EVSE id.

``status`` is what an app shows (OCPI 2.2.1 EVSE Status, decided by
chargepoints.status_selectors); ``ocpp_status`` (operators) is what the
charger last said, in its OCPP words.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chargepoints.enums import PublicStatus
from chargepoints.evse_ids import connector_evse_id
from chargepoints.status_selectors import (
    PublicState,
    chargepoint_public_status,
    connector_public_status,
)

STATUS_HELP = (
    "What a driver can do here now, OCPI 2.2.1 EVSE Status: the charger's connection, "
    "availability and last reports combined. UNKNOWN while the charger is offline. "
    "BLOCKED, PLANNED and REMOVED are OCPI's and never sent."
)
CONFIRMED_HELP = (
    "When the status was last confirmed: the later of the last status report and the "
    "charger's last heartbeat. Null when the charger never said anything."
)
OCPP_STATUS_HELP = (
    "Operators: the status in the charger's own words (OCPP 1.6 ChargePointStatus or "
    "2.0.1 ConnectorStatusEnumType, OCPP's spelling); apps read ``status``."
)
EVSE_ID_HELP = (
    'The printed EVSE id (eMI3, as OCPI shows it and a QR code holds), e.g. "DE*CSM*ECP1*1". '
    "Look it up with GET /api/v1/evses/{evse_id}/."
)


class _StateField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def state(self, instance) -> PublicState:
        raise NotImplementedError


@extend_schema_field(serializers.ChoiceField(choices=PublicStatus.choices, help_text=STATUS_HELP))
class _Status(_StateField):
    def to_representation(self, instance) -> str:
        return str(self.state(instance).status)


@extend_schema_field(serializers.DateTimeField(allow_null=True, help_text=CONFIRMED_HELP))
class _ConfirmedAt(_StateField):
    def to_representation(self, instance):
        moment = self.state(instance).confirmed_at
        return None if moment is None else serializers.DateTimeField().to_representation(moment)


class ConnectorStatusField(_Status):
    def state(self, instance):
        return connector_public_status(instance)


class ConnectorConfirmedAtField(_ConfirmedAt):
    def state(self, instance):
        return connector_public_status(instance)


class ChargePointStatusField(_Status):
    def state(self, instance):
        return chargepoint_public_status(chargepoint=instance)


class ChargePointConfirmedAtField(_ConfirmedAt):
    def state(self, instance):
        return chargepoint_public_status(chargepoint=instance)


@extend_schema_field(serializers.CharField(help_text=EVSE_ID_HELP))
class EvseIdField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, connector) -> str:
        return connector_evse_id(connector)
