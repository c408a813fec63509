"""What a transaction costs, as far as the charging domain tells drivers.

Billing prices sessions; the charging domain only shows the price (live
updates, notifications, the API). It asks through this interface, which
billing fills when Django starts (``billing.apps``; docs/architecture.md,
"Interfaces filled from above"). Without one, sessions have no price.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db.models import QuerySet

from chargepoints.models import Transaction


@dataclass(frozen=True)
class TransactionPrice:
    # Including VAT so far, in the tariff's currency; None when unpriced.
    total: Decimal | None = None
    # The same excluding VAT, and the currency (ISO 4217): what the API shows
    # as a Price (csms/api/money.py). None and "" when unpriced.
    excl_vat: Decimal | None = None
    currency: str = ""

    @property
    def incl_vat(self) -> Decimal | None:
        return self.total


UNPRICED = TransactionPrice()


class PriceSource(Protocol):
    def price(self, tx: Transaction) -> TransactionPrice: ...

    def payable(self, tx: Transaction) -> bool:
        """Whether the driver pays: a cost above zero, or a priced tariff at its connector."""

    def with_prices(self, transactions: QuerySet[Transaction]) -> QuerySet[Transaction]:
        """The queryset made to fetch what ``price`` reads in the same query."""


_registered: list[PriceSource] = []


def price_source_register(source: PriceSource) -> None:
    _registered[:] = [source]


def transaction_price(*, tx: Transaction) -> TransactionPrice:
    return _registered[0].price(tx) if _registered else UNPRICED


def transaction_payable(*, tx: Transaction) -> bool:
    return _registered[0].payable(tx) if _registered else False


def transactions_with_prices(transactions: QuerySet[Transaction]) -> QuerySet[Transaction]:
    return _registered[0].with_prices(transactions) if _registered else transactions
