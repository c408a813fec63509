from rest_framework import serializers
from rest_framework.reverse import reverse

from chargepoints.models import Command
from chargepoints.services.command_secrets import command_params_redacted, command_redacted


class CommandSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    chargepoint = serializers.CharField(source="chargepoint_id", read_only=True)
    command = serializers.CharField(source="name", read_only=True)
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, allow_null=True, default=None
    )
    connector_id = serializers.IntegerField(
        source="connector.connectorid", read_only=True, allow_null=True, default=None
    )
    # Blank until the charger has connected once.
    ocpp_version = serializers.CharField(read_only=True)

    class Meta:
        model = Command
        fields = [
            "id",
            "url",
            "chargepoint",
            "command",
            "params",
            "status",
            "action",
            "request",
            "response",
            "error_code",
            "error_description",
            "progress",
            "progress_at",
            "connector_id",
            "transaction",
            "requested_by",
            "source",
            "ocpp_version",
            "created_at",
            "sent_at",
            "answered_at",
        ]
        read_only_fields = fields

    def to_representation(self, command: Command) -> dict:
        data = super().to_representation(command)
        # A new password travels in its command: no one is shown it, even in flight.
        data["params"] = command_params_redacted(command)
        data["request"] = command_redacted(command=command, payload=command.request)
        return data

    def get_url(self, command: Command) -> str:
        return reverse(
            "api:chargepoint-command-detail",
            kwargs={"chargepoint_id": command.chargepoint_id, "pk": command.pk},
            request=self.context.get("request"),
        )
