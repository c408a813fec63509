"""The demo tariff ``make run`` loads with the demo network (chargepoints/demo.py)."""

from collections.abc import Iterable

from django.db import transaction

from billing.enums import TariffType
from billing.models import Tariff, TariffElement
from chargepoints.models import Connector


@transaction.atomic
def demo_tariffs_load(*, new_connectors: Iterable[Connector]) -> Tariff:
    """The demo AC tariff, given to connectors the demo load just made.

    Connectors that existed before keep the tariffs an operator chose.
    """
    tariff, _ = Tariff.objects.get_or_create(
        id="DEMO-AC-STANDARD",
        defaults={
            "country_code": "DE",
            "party_id": "CSM",
            "currency": "EUR",
            "type": TariffType.REGULAR,
            "tariff_alt_text": [{"language": "en", "text": "AC standard: 0.35 EUR/kWh"}],
        },
    )
    TariffElement.objects.get_or_create(
        tariff=tariff,
        position=0,
        defaults={
            "price_components": [{"type": "ENERGY", "price": 0.35, "vat": 19.0, "step_size": 1}],
            "restrictions": None,
        },
    )
    for connector in new_connectors:
        connector.tariff_ids.add(tariff)
    return tariff
