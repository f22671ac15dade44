"""Composable Hypothesis strategies for o2c's domain values.

Areas add their strategies here (terms, invoices, payments ...), built from these.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st
from moneyed import Money

from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import minor_units, money

#: ISO currencies with 0, 2, 3 and 4 decimals.
CURRENCIES_BY_DIGITS = {
    0: ("JPY", "KRW", "ISK", "CLP", "VND"),
    2: ("EUR", "USD", "GBP", "CHF", "INR", "SEK", "DKK", "CAD"),
    3: ("KWD", "BHD", "JOD", "OMR", "TND"),
    4: ("CLF", "UYW"),
}
CURRENCIES = tuple(c for codes in CURRENCIES_BY_DIGITS.values() for c in codes)

currency_codes = st.sampled_from(CURRENCIES)


@st.composite
def amounts(
    draw: st.DrawFn,
    currency: str,
    *,
    min_units: int = -(10**12),
    max_units: int = 10**12,
) -> Decimal:
    """A Decimal amount with exactly the currency's number of decimals."""
    units = draw(st.integers(min_value=min_units, max_value=max_units))
    return Decimal(units).scaleb(-minor_units(currency))


@st.composite
def moneys(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_units: int = -(10**12),
    max_units: int = 10**12,
) -> Money:
    """Money in any ISO currency (or the given one), already at its minor unit."""
    code = currency if currency is not None else draw(currency_codes)
    return money(draw(amounts(code, min_units=min_units, max_units=max_units)), code)


@st.composite
def raw_decimals(draw: st.DrawFn, *, places: int = 8, bound: int = 10**9) -> Decimal:
    """An unrounded Decimal with up to ``places`` decimals (for rounding properties)."""
    units = draw(st.integers(min_value=-bound * 10**places, max_value=bound * 10**places))
    return Decimal(units).scaleb(-places)


weights = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
)


# --------------------------------------------------------------------------------------------
# Aging and collections (issue 8): open items and settlements


@st.composite
def open_items(
    draw: st.DrawFn,
    *,
    currencies: tuple[str, ...] = ("EUR", "USD", "JPY", "KWD"),
    customers: tuple[str, ...] = ("C1", "C2", "C3"),
    min_size: int = 0,
    max_size: int = 12,
) -> list[OpenItem]:
    """A list of open items (invoices, credit memos, unapplied cash) around 2026-03-31."""
    base = dt.date(2026, 3, 31)
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    result = []
    for i in range(n):
        code = draw(st.sampled_from(currencies))
        kind = draw(st.sampled_from(tuple(ItemKind)))
        units = draw(st.integers(min_value=1, max_value=10**9))
        full = Decimal(units).scaleb(-minor_units(code))
        doc = base + dt.timedelta(days=draw(st.integers(min_value=-400, max_value=30)))
        due = doc + dt.timedelta(days=draw(st.integers(min_value=0, max_value=90)))
        signed = -full if kind is not ItemKind.INVOICE else full
        result.append(
            OpenItem(
                item_id=ItemId(f"I{i}"),
                customer_id=CustomerId(draw(st.sampled_from(customers))),
                kind=kind,
                document_number=f"D{i}",
                document_date=doc,
                due_date=due,
                original_amount=money(signed, code),
                open_amount=money(signed, code),
                instalment=draw(st.none() | st.integers(min_value=1, max_value=4)),
            )
        )
    return result


# -------------------------------------------------------------------------------------------- fx


@st.composite
def rate_values(draw: st.DrawFn, *, max_digits: int = 8) -> Decimal:
    """A positive exchange-rate value as published: up to ``max_digits`` significant digits.

    From 1e-14 up to about 1e8 (IDR per EUR is about 17,000; KWD per JPY about 0.002).
    """
    digits = draw(st.integers(min_value=1, max_value=10**max_digits - 1))
    return Decimal(digits).scaleb(draw(st.integers(min_value=-(max_digits + 6), max_value=0)))


# --------------------------------------------------------------------------------------------
# Credit, orders, provisioning and forecast (issue 9)


@st.composite
def payment_records(
    draw: st.DrawFn,
    *,
    currency: str = "EUR",
    customers: tuple[str, ...] = ("C1", "C2", "C3"),
    min_size: int = 0,
    max_size: int = 30,
) -> list[object]:
    """Settled items (``o2c.credit.PaymentRecord``) paid between 30 days early and 200 late."""
    from o2c.credit import PaymentRecord

    base = dt.date(2025, 1, 1)
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    result: list[object] = []
    for i in range(n):
        doc = base + dt.timedelta(days=draw(st.integers(min_value=0, max_value=400)))
        due = doc + dt.timedelta(days=draw(st.sampled_from((0, 14, 30, 60))))
        paid = due + dt.timedelta(days=draw(st.integers(min_value=-30, max_value=200)))
        lag = draw(st.integers(min_value=0, max_value=3))
        result.append(
            PaymentRecord(
                item_id=ItemId(f"P{i}"),
                customer_id=CustomerId(draw(st.sampled_from(customers))),
                amount=draw(moneys(currency, min_units=1, max_units=10**8)),
                document_date=doc,
                due_date=due,
                paid_date=max(paid, doc),
                disputed=draw(st.booleans()),
                recorded_on=max(paid, doc) + dt.timedelta(days=lag),
            )
        )
    return result


@st.composite
def disputed_open_items(
    draw: st.DrawFn,
    *,
    currency: str = "EUR",
    customers: tuple[str, ...] = ("C1", "C2"),
    max_size: int = 10,
) -> list[OpenItem]:
    """Open items in one currency, invoices possibly partly paid and partly disputed."""
    base = dt.date(2026, 3, 31)
    result = []
    for i in range(draw(st.integers(min_value=0, max_value=max_size))):
        kind = draw(st.sampled_from(tuple(ItemKind)))
        full = draw(amounts(currency, min_units=1, max_units=10**9))
        open_part = (
            full
            if kind is not ItemKind.INVOICE
            else draw(
                amounts(currency, min_units=1, max_units=int(full.scaleb(minor_units(currency))))
            )
        )
        disputed = None
        if kind is ItemKind.INVOICE and draw(st.booleans()):
            units = int(open_part.scaleb(minor_units(currency)))
            disputed = money(draw(amounts(currency, min_units=0, max_units=units)), currency)
        sign = 1 if kind is ItemKind.INVOICE else -1
        doc = base + dt.timedelta(days=draw(st.integers(min_value=-300, max_value=0)))
        result.append(
            OpenItem(
                item_id=ItemId(f"O{i}"),
                customer_id=CustomerId(draw(st.sampled_from(customers))),
                kind=kind,
                document_number=f"N{i}",
                document_date=doc,
                due_date=doc + dt.timedelta(days=draw(st.integers(min_value=0, max_value=60))),
                original_amount=money(sign * full, currency),
                open_amount=money(sign * open_part, currency),
                disputed_amount=disputed,
            )
        )
    return result


#: A loss rate: a fraction between 0 and 1 with up to 6 decimals.
loss_rates = st.integers(min_value=0, max_value=10**6).map(lambda u: Decimal(u).scaleb(-6))
