from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # Billing prices what the charging domain announces; the charging
        # domain does not know billing exists (docs/architecture.md, "Events").
        from billing import authority, subscribers
        from billing.api import sites

        subscribers.subscribe()
        sites.register()
        # Partners' tokens are authorized by their whitelist rule (OCPI tokens §12.4.5).
        authority.register()
