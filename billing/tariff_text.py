"""A tariff in words, as an app shows it before a driver starts:
"0.42 EUR/kWh + 1.00 EUR per session, parking 6.00 EUR/h after 2 h".

Built from the tariff's elements in their order (OCPI 2.2.1 tariffs §11.3.1:
the first element whose restrictions match prices a dimension), each with the
restrictions under which it applies. Prices are those a driver pays, VAT
included (a component without VAT has none, tariffs §11.4.2), in the active
language's number format.
"""

from decimal import Decimal

from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from billing.pricing.tariffs import (
    DAYS,
    RESERVATION,
    Element,
    PriceComponent,
    Restrictions,
    TariffSpec,
)
from billing.pricing.tariffs import Price as EnginePrice
from csms.api.money import money_text


def component_incl_vat(component: PriceComponent) -> Decimal:
    if component.vat is None:
        return component.price
    return component.price * (1 + component.vat / 100)


def _number(value: Decimal) -> str:
    value = Decimal(value).normalize()
    places = max(0, -value.as_tuple().exponent)
    return number_format(value, places, use_l10n=True)


def _duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    if hours and minutes:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": minutes}


def _component(component: PriceComponent, currency: str) -> str:
    price = money_text(component_incl_vat(component), currency, exact=True)
    if component.type == "ENERGY":
        return _("%(price)s/kWh") % {"price": price}
    if component.type == "FLAT":
        return _("%(price)s per session") % {"price": price}
    if component.type == "PARKING_TIME":
        return _("parking %(price)s/h") % {"price": price}
    return _("%(price)s/h charging") % {"price": price}


def _restrictions(r: Restrictions) -> list[str]:
    parts = []
    if r.start_time is not None and r.end_time is not None:
        times = {"start": r.start_time.strftime("%H:%M"), "end": r.end_time.strftime("%H:%M")}
        parts.append(_("from %(start)s to %(end)s") % times)
    elif r.start_time is not None:
        parts.append(_("from %(start)s") % {"start": r.start_time.strftime("%H:%M")})
    elif r.end_time is not None:
        parts.append(_("until %(end)s") % {"end": r.end_time.strftime("%H:%M")})
    if r.day_of_week:
        days = [str(WEEKDAYS[i]) for i, day in enumerate(DAYS) if day in r.day_of_week]
        parts.append(_("on %(days)s") % {"days": ", ".join(days)})
    if r.start_date is not None:
        parts.append(_("from %(date)s") % {"date": date_format(r.start_date)})
    if r.end_date is not None:
        parts.append(_("before %(date)s") % {"date": date_format(r.end_date)})
    if r.min_duration:
        parts.append(_("after %(duration)s") % {"duration": _duration(r.min_duration)})
    if r.max_duration is not None:
        parts.append(_("for the first %(duration)s") % {"duration": _duration(r.max_duration)})
    if r.min_kwh:
        parts.append(_("after %(kwh)s kWh") % {"kwh": _number(r.min_kwh)})
    if r.max_kwh is not None:
        parts.append(_("for the first %(kwh)s kWh") % {"kwh": _number(r.max_kwh)})
    if r.min_power:
        parts.append(_("at %(kw)s kW or more") % {"kw": _number(r.min_power)})
    if r.max_power is not None:
        parts.append(_("below %(kw)s kW") % {"kw": _number(r.max_power)})
    if r.min_current:
        parts.append(_("at %(a)s A or more") % {"a": _number(r.min_current)})
    if r.max_current is not None:
        parts.append(_("below %(a)s A") % {"a": _number(r.max_current)})
    return parts


def _element(element: Element, currency: str) -> str:
    text = " + ".join(_component(c, currency) for c in element.price_components)
    reservation = element.restrictions.reservation
    if reservation is not None:
        label = _("reservation") if reservation == RESERVATION else _("expired reservation")
        text = f"{label}: {text}"
    return " ".join([text, *_restrictions(element.restrictions)])


def _limit(price: EnginePrice, currency: str) -> Decimal:
    return price.incl_vat if price.incl_vat is not None else price.excl_vat


def tariff_is_free(spec: TariffSpec | None) -> bool:
    """Whether nothing can cost money: no tariff, or only prices of zero and no minimum."""
    if spec is None:
        return True
    if spec.min_price is not None and spec.min_price.excl_vat > 0:
        return False
    return all(c.price == 0 for e in spec.elements for c in e.price_components)


def tariff_text(spec: TariffSpec | None) -> str:
    """The tariff in one line, in the active language."""
    if tariff_is_free(spec):
        return _("Free of charge")
    parts = [
        _element(element, spec.currency)
        for element in spec.elements
        if any(c.price for c in element.price_components)
    ]
    if spec.min_price is not None:
        price = money_text(_limit(spec.min_price, spec.currency), spec.currency)
        parts.append(_("at least %(price)s per session") % {"price": price})
    if spec.max_price is not None:
        price = money_text(_limit(spec.max_price, spec.currency), spec.currency)
        parts.append(_("at most %(price)s per session") % {"price": price})
    return ", ".join(parts)
