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
