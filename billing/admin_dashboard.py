"""Billing on the admin's dashboard (csms/dashboard.py): today's revenue.

Registered from billing's admin: the charging domain and csms know nothing of
prices (the import contracts of pyproject.toml).
"""

import datetime
import zoneinfo
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Sum
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils import timezone

from billing.models import TransactionPricing
from csms.dashboard import Figure, FigureGroup, dashboard


def revenue_today(*, now: datetime.datetime | None = None) -> tuple[datetime.datetime, dict]:
    """What the transactions that ended today (site time zone) cost, per currency.

    A transaction is revenue once it has ended: its price is final then
    (a running one's cost still grows). Unpriced ones (a deauthorized start,
    no tariff) add nothing. The currency is the one of the tariff snapshot
    it was priced with, which a later edit of the tariff cannot change.
    """
    now = now or timezone.now()
    local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        TransactionPricing.objects.filter(
            transaction__stop_transaction_timestamp__gte=midnight,
            transaction__stop_transaction_timestamp__lte=now,
            total_cost__isnull=False,
        )
        .annotate(currency=KeyTextTransform("currency", "tariff_snapshot"))
        .order_by()
        .values("currency")
        .annotate(total=Sum("total_cost"))
    )
    return midnight, {row["currency"] or "": row["total"] or Decimal(0) for row in rows}


def _revenue() -> list[Figure]:
    midnight, totals = revenue_today()
    text = "; ".join(
        f"{total:.2f} {currency}".strip() for currency, total in sorted(totals.items())
    )
    url = reverse("admin:chargepoints_transaction_changelist")
    url += "?" + urlencode({"stop_transaction_timestamp__gte": midnight.isoformat()})
    return [Figure("revenue_today", "Revenue today", text or "0.00", url)]


def register() -> None:
    dashboard.register_figures(
        FigureGroup("Sessions", "billing.view_transactionpricing", _revenue, order=30)
    )


register()
