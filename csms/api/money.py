"""Money as the API shows it: an amount with its currency, excluding and including VAT.

Every amount in REST and on the sockets is a Price object (OCPI 2.2.1 types
§16.8, with the currency beside each amount)::

    {"excl_vat": {"amount": "3.25", "currency": "EUR"},
     "incl_vat": {"amount": "3.87", "currency": "EUR"}}

``incl_vat`` is null when the VAT is unknown. Amounts are decimal strings
(never floats: 0.1 + 0.2 is not 0.3 in binary), rounded as the CDR rounds
them (four decimals, half up, billing.pricing.periods) and written with at
least two decimals: "3.87", "3.8701", "1.00". An app formats them for its
reader; notifications are formatted here (``money_text``).
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from django.utils.formats import number_format
from rest_framework import serializers

# As the CDR rounds: four decimals are plenty for any currency.
CDR_PLACES = Decimal("0.0001")
SHOWN_PLACES = 2


class Priced(Protocol):
    """Whatever carries an amount in a currency, without and with VAT."""

    excl_vat: Decimal | None
    incl_vat: Decimal | None
    currency: str


def money_amount(value: Decimal | float | int | str) -> str:
    """The amount as a decimal string rounded as the CDR rounds: "3.8701", "3.87", "1.00"."""
    # Through str: a float from an OCPI JSON column (3.689) keeps the digits it shows.
    rounded = Decimal(str(value)).quantize(CDR_PLACES, rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(SHOWN_PLACES, "0")
    return f"{whole}.{fraction}"


def money_data(value, currency: str) -> dict[str, str] | None:
    if value is None:
        return None
    return {"amount": money_amount(value), "currency": currency.upper()}


def price_data(*, excl_vat, incl_vat, currency: str) -> dict[str, Any] | None:
    """The API's Price object; None when there is no amount at all."""
    if excl_vat is None:
        return None
    return {"excl_vat": money_data(excl_vat, currency), "incl_vat": money_data(incl_vat, currency)}


def price_of(priced: Priced | None) -> dict[str, Any] | None:
    if priced is None or not priced.currency:
        return None
    return price_data(excl_vat=priced.excl_vat, incl_vat=priced.incl_vat, currency=priced.currency)


def price_from_ocpi(price: dict | None, currency: str) -> dict[str, Any] | None:
    """An OCPI Price as a CDR keeps it ({"excl_vat": 3.1, "incl_vat": 3.689}) in the API shape."""
    if not isinstance(price, dict) or price.get("excl_vat") is None:
        return None
    return price_data(excl_vat=price["excl_vat"], incl_vat=price.get("incl_vat"), currency=currency)


def money_text(value: Decimal, currency: str, *, exact: bool = False) -> str:
    """An amount for people, in the active language's number format: "3.87 EUR", "3,87 EUR".

    The ISO 4217 code rather than a symbol: "$" is a dozen currencies, and
    the code reads the same in every language. ``exact`` keeps the digits
    the CDR would (a unit price of 0.425 EUR/kWh is not 0.43).
    """
    if exact:
        shown = Decimal(money_amount(value))
        places = max(SHOWN_PLACES, -shown.as_tuple().exponent)
    else:
        places = SHOWN_PLACES
        shown = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{number_format(shown, places, use_l10n=True)} {currency.upper()}".rstrip()


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(
        help_text="Decimal string rounded as the CDR rounds (at most 4 decimals, at least 2), "
        'e.g. "3.87".'
    )
    currency = serializers.CharField(help_text="ISO 4217 code, e.g. EUR.")


class PriceSerializer(serializers.Serializer):
    """An amount without and with VAT (OCPI 2.2.1 Price), each with its currency."""

    excl_vat = MoneySerializer(help_text="The amount excluding VAT.")
    incl_vat = MoneySerializer(
        allow_null=True, help_text="The amount including VAT; null when the VAT is unknown."
    )
