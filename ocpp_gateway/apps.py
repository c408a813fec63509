from django.apps import AppConfig


class OcppGatewayConfig(AppConfig):
    name = "ocpp_gateway"
    verbose_name = "OCPP gateway"

    def ready(self):
        # The domain sends commands through an interface it owns; the gateway
        # is what fills it (docs/architecture.md, "The command transport").
        from chargepoints.services.command_transport import command_transport_register
        from ocpp_gateway.commands import ChannelLayerTransport

        command_transport_register(ChannelLayerTransport())
