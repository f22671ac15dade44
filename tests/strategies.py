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


# --------------------------------------------------------------------------------------------
# Bank statements (issue 7, readers)

#: Words a bank text is made of: letters (also non-ASCII), digits, and the characters that need
#: escaping or quoting in XML and CSV.
_BANK_WORD = st.sampled_from(
    (
        "Acme",
        "GmbH",
        "Müller",
        "Ørsted",
        "Société",
        "O'Neil",
        '"quoted"',
        "R&D",
        "<b>",
        "a,b",
        "x;y",
        "tab\\t",
        "INV-1001",
        "RE/4711",
        "1.234,50",
        "RF18539007547034",
        "Zahlung",
        "invoice",
        "ß",
        "#7",
    )
)

#: A bank text field as a reader returns it: words separated by single spaces, no edges.
bank_texts = st.lists(_BANK_WORD, min_size=0, max_size=6).map(" ".join)


_DOC_PREFIXES = st.sampled_from(("INV", "RE", "F", "CN", "AV"))
_DOC_NUMBERS = st.integers(min_value=1, max_value=999_999)
_LINE_UNITS = st.integers(min_value=1, max_value=10**10)
_BALANCE_UNITS = st.integers(min_value=-(10**10), max_value=10**10)
_LINE_DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
_SIGNS = st.sampled_from((1, 1, 1, -1))
_PAYER_ACCOUNTS = st.sampled_from(("", "DE02120300000000202051", "NL91ABNA0417164300"))
_STATEMENT_ACCOUNTS = st.sampled_from(("DE89370400440532013000", "GB29NWBK60161331926819"))
_IDS = st.integers(min_value=0, max_value=10**9)


def _units_money(units: int, currency: str) -> Money:
    return Money(Decimal(units).scaleb(-minor_units(currency)), currency)


@st.composite
def remittance_documents(draw: st.DrawFn, currency: str) -> object:
    """A referred document with a remitted amount (``o2c.statement.RemittanceDocument``)."""
    from o2c.statement import RemittanceDocument

    is_credit_note = draw(st.booleans())
    number = f"{draw(_DOC_PREFIXES)}-2026-{draw(_DOC_NUMBERS)}"
    return RemittanceDocument(
        number=number,
        amount_paid=_units_money(draw(_LINE_UNITS), currency),
        is_credit_note=is_credit_note,
        document_type="CREN" if is_credit_note else "CINV",
    )


@st.composite
def statement_payments(
    draw: st.DrawFn, currency: str, *, index: int = 0, plain: bool = False
) -> object:
    """A statement line (``o2c.statement.Payment``): a credit or debit at the minor unit.

    ``plain`` lines have no names, texts or documents (quicker, for amount-only properties).
    """
    from o2c.statement import Payment

    value_date = draw(_LINE_DATES)
    units = draw(_LINE_UNITS) * draw(_SIGNS)
    amount = _units_money(units, currency)
    payment_id = f"P{index}-{draw(_IDS)}"
    if plain:
        return Payment(
            payment_id=payment_id, value_date=value_date, booking_date=value_date, amount=amount
        )
    documents = tuple(draw(remittance_documents(currency)) for _ in range(draw(st.integers(0, 2))))
    return Payment(
        payment_id=payment_id,
        value_date=value_date,
        booking_date=value_date,
        amount=amount,
        payer_name=draw(bank_texts),
        payer_account=draw(_PAYER_ACCOUNTS),
        remittance_info=draw(bank_texts),
        end_to_end_id=f"E2E-{index}" if draw(st.booleans()) else "",
        documents=documents,
    )


@st.composite
def statements(
    draw: st.DrawFn, currency: str | None = None, *, max_lines: int = 8, plain: bool = False
) -> object:
    """A bank statement (``o2c.statement.Statement``) with unique line ids and balances.

    ``plain`` statements have lines without names, texts or documents.
    """
    from o2c.statement import Statement

    code = currency if currency is not None else draw(currency_codes)
    n = draw(st.integers(min_value=0, max_value=max_lines))
    lines = tuple(draw(statement_payments(code, index=i, plain=plain)) for i in range(n))
    opening = _units_money(draw(_BALANCE_UNITS), code)
    closing = opening
    for line in lines:
        closing = closing + line.amount  # type: ignore[attr-defined]
    return Statement(
        statement_id=f"S-{draw(_IDS)}",
        account=draw(_STATEMENT_ACCOUNTS),
        currency=code,
        lines=lines,
        opening_balance=opening,
        closing_balance=closing,
    )


# --------------------------------------------------------------------------------------------
# Payment terms (issue 3, o2c.terms / o2c.calendars)

_TERMS_START = dt.date(1999, 1, 1)
_TERMS_END = dt.date(2031, 12, 31)
#: Strategies built once (building them per draw makes generation slow).
_TERMS_CACHE: dict[tuple[str, bool], st.SearchStrategy[object]] = {}

#: A document date for terms properties (leap years and century leap year 2000 included).
document_dates = st.dates(min_value=dt.date(1999, 6, 1), max_value=dt.date(2030, 12, 31))

#: A discount or line percentage with up to three decimals, above 0 and below 50.
term_percents = st.integers(min_value=1, max_value=49_999).map(lambda u: Decimal(u).scaleb(-3))


def date_steps(*, nested: bool = True) -> st.SearchStrategy[object]:
    """One ``o2c.terms.DateStep`` (day limits only when ``nested``)."""
    key = ("step", nested)
    if key in _TERMS_CACHE:
        return _TERMS_CACHE[key]
    from o2c import terms as t

    days = st.integers(min_value=1, max_value=31)
    some_dates = st.dates(min_value=_TERMS_START, max_value=_TERMS_END)
    simple = st.one_of(
        st.builds(t.AddDays, st.integers(min_value=-40, max_value=400)),
        st.builds(t.AddWeeks, st.integers(min_value=0, max_value=20)),
        st.builds(t.AddMonths, st.integers(min_value=-3, max_value=24)),
        st.just(t.EndOfMonth()),
        st.builds(t.MonthDay, days, st.integers(min_value=0, max_value=3)),
        st.builds(t.PaymentDays, st.lists(days, min_size=1, max_size=3)),
        st.builds(t.CutOff, days),
        st.builds(
            lambda a, b: t.Postpone(((a, b),)),
            some_dates,
            some_dates,
        ),
    )
    strategy: st.SearchStrategy[object] = simple
    if nested:
        steps = st.lists(simple, min_size=1, max_size=2).map(tuple)
        day_limit = st.builds(
            lambda limit, low, high: t.DayLimit(((limit, low), (31, high))),
            st.integers(min_value=1, max_value=30),
            steps,
            steps,
        )
        strategy = st.one_of(simple, day_limit)
    _TERMS_CACHE[key] = strategy
    return strategy


def step_sequences(
    *, min_size: int = 1, max_size: int = 3
) -> st.SearchStrategy[tuple[object, ...]]:
    """A date rule: a tuple of steps."""
    return st.lists(date_steps(), min_size=min_size, max_size=max_size).map(tuple)


_TERMS_DUE = step_sequences()
_TERMS_BASELINE = step_sequences(max_size=2)
#: Plain day counts from the baseline (most terms) or any rule.
_TERMS_DEADLINES = st.one_of(
    st.integers(min_value=0, max_value=90).map(lambda n: (_add_days(n),)), _TERMS_DUE
)


def _add_days(n: int) -> object:
    from o2c.terms import AddDays

    return AddDays(n)


def discount_tiers(currency: str) -> st.SearchStrategy[object]:
    """A percentage tier (or, rarely, a fixed amount in ``currency``) with a deadline rule."""
    key = ("tiers:" + currency, True)
    if key not in _TERMS_CACHE:
        from o2c.terms import DiscountTier

        unit = Decimal(1).scaleb(-minor_units(currency))
        percent = st.builds(
            lambda p, d: DiscountTier(percent=p, deadline=d), term_percents, _TERMS_DEADLINES
        )
        fixed = st.builds(
            lambda u, d: DiscountTier(amount=money(u * unit, currency), deadline=d),
            st.integers(min_value=1, max_value=10**4),
            _TERMS_DEADLINES,
        )
        _TERMS_CACHE[key] = st.one_of(percent, percent, percent, percent, fixed)
    return _TERMS_CACHE[key]


@st.composite
def payment_terms(draw: st.DrawFn, currency: str = "EUR") -> object:
    """Any ``o2c.terms.PaymentTerms`` (fixed amounts in ``currency``, up to 10**6 minor units).

    Percent lines never exceed 90% together when a fixed line is present, so a total of at
    least ten times the fixed amounts (see :func:`terms_with_totals`) always fits.
    """
    from o2c.calendars import BusinessDayConvention
    from o2c.money import RemainderPolicy
    from o2c.terms import (
        BaselineSource,
        DiscountBase,
        DiscountScope,
        EndOfMonth,
        LineKind,
        PartialPayment,
        PaymentTerms,
        SettlementCondition,
        TermLine,
    )

    if draw(st.integers(min_value=0, max_value=15)) == 0:
        settlement = draw(
            st.sampled_from([s for s in SettlementCondition if s is not SettlementCondition.CREDIT])
        )
        return PaymentTerms(
            lines=(TermLine.balance(),),
            settlement=settlement,
            baseline=draw(st.sampled_from(BaselineSource)),
            convention=draw(st.sampled_from(BusinessDayConvention)),
        )
    n = draw(st.integers(min_value=1, max_value=4))
    kinds = [draw(st.sampled_from([LineKind.PERCENT, LineKind.FIXED])) for _ in range(n - 1)]
    with_balance = LineKind.FIXED in kinds or n == 1 or draw(st.booleans())
    per_line = draw(st.integers(min_value=0, max_value=4)) == 0
    tier_lists = st.lists(discount_tiers(currency), max_size=2)
    unit = Decimal(1).scaleb(-minor_units(currency))
    budget = 90_000 if LineKind.FIXED in kinds else 100_000  # thousandths of a percent
    lines = []
    used = 0
    for i, kind in enumerate(kinds):
        due = draw(_TERMS_DUE)
        chained = i > 0 and draw(st.integers(min_value=0, max_value=4)) == 0
        tiers = tuple(draw(tier_lists)) if per_line else ()
        if kind is LineKind.FIXED:
            amount = money(draw(st.integers(min_value=1, max_value=10**6)) * unit, currency)
            lines.append(TermLine.of_amount(amount, due, chained=chained, discounts=tiers))
            continue
        units = draw(st.integers(min_value=1, max_value=budget // n))
        used += units
        lines.append(
            TermLine.of_percent(Decimal(units).scaleb(-3), due, chained=chained, discounts=tiers)
        )
    due = draw(_TERMS_DUE)
    tiers = tuple(draw(tier_lists)) if per_line else ()
    chained = n > 1 and draw(st.integers(min_value=0, max_value=4)) == 0
    if with_balance:
        lines.append(TermLine.balance(due, chained=chained, discounts=tiers))
    else:
        rest = Decimal(100_000 - used).scaleb(-3)
        lines.append(TermLine.of_percent(rest, due, chained=chained, discounts=tiers))
    term_tiers = () if per_line else tuple(draw(st.lists(discount_tiers(currency), max_size=3)))
    baseline_rules = draw(st.one_of(st.just(()), st.just((EndOfMonth(),)), _TERMS_BASELINE))
    return PaymentTerms(
        lines=tuple(lines),
        discounts=term_tiers,
        baseline=draw(st.sampled_from(BaselineSource)),
        baseline_rules=baseline_rules,
        convention=draw(st.sampled_from(BusinessDayConvention)),
        discount_base=draw(st.sampled_from(DiscountBase)),
        discount_scope=draw(st.sampled_from(DiscountScope)),
        partial_payment=draw(st.sampled_from(PartialPayment)),
        remainder=draw(st.sampled_from(RemainderPolicy)),
    )


@st.composite
def weekend_calendars(draw: st.DrawFn, around: dt.date | None = None) -> object:
    """A ``WeekendCalendar`` with 0-3 weekend days and up to 8 holidays (near ``around``)."""
    from o2c.calendars import Weekday, WeekendCalendar

    weekend = draw(st.lists(st.sampled_from(Weekday), max_size=3, unique=True))
    if around is None:
        holidays = draw(st.lists(document_dates, max_size=8))
    else:
        offsets = draw(st.lists(st.integers(min_value=-40, max_value=120), max_size=8))
        holidays = [around + dt.timedelta(days=n) for n in offsets]
    return WeekendCalendar(weekend=weekend, holidays=holidays)


@st.composite
def dated_calendars(draw: st.DrawFn) -> tuple[dt.date, object]:
    """A document date and a calendar whose holidays fall within weeks of it."""
    day = draw(document_dates)
    return day, draw(weekend_calendars(around=day))


@st.composite
def terms_with_totals(draw: st.DrawFn, currency: str | None = None) -> tuple[object, Money]:
    """Terms and a total in any currency that the terms' fixed lines fit into."""
    code = currency if currency is not None else draw(currency_codes)
    terms = draw(payment_terms(code))
    fixed = sum(
        (line.amount.amount for line in terms.lines if line.amount is not None),  # type: ignore[attr-defined]
        Decimal(0),
    )
    unit = Decimal(1).scaleb(-minor_units(code))
    floor_units = int(fixed * 10 / unit) + 1
    total = draw(
        moneys(code, min_units=floor_units if fixed else 0, max_units=floor_units + 10**12)
    )
    return terms, total


# ------------------------------------------------------------------------------ tax and invoices

#: Tie rules that are symmetric around zero (a negated amount rounds to the negated result).
SYMMETRIC_ROUNDINGS = ("HALF_UP", "HALF_EVEN", "HALF_DOWN", "UP", "DOWN")

tax_percents = st.integers(min_value=0, max_value=30_000).map(lambda u: Decimal(u).scaleb(-3))

# Strategies built once (building them inside a composite on every draw is slow).
_QTY_PLACES = st.integers(min_value=0, max_value=3)
_PRICE_EXTRA_DIGIT = st.integers(min_value=0, max_value=1)
_LINE_DISCOUNTS = st.sampled_from([Decimal(0), Decimal(0), Decimal(10), Decimal("2.5")])
_DESCRIPTIONS = st.sampled_from(["Widget", "Service", "Gadget", "Fee"])
_INVOICE_NUMBERS = st.integers(min_value=1, max_value=99999)
_CHARGE_UNITS = st.integers(min_value=0, max_value=500)


@st.composite
def quantities(draw: st.DrawFn, *, max_units: int = 1000, places: int = 3) -> Decimal:
    """A positive quantity with up to ``places`` decimals."""
    units = draw(st.integers(min_value=1, max_value=max_units * 10**places))
    places_drawn = draw(_QTY_PLACES) if places == 3 else draw(st.integers(0, places))
    return Decimal(units).scaleb(-places_drawn)


_QUANTITIES = quantities()


@st.composite
def percent_taxes(
    draw: st.DrawFn, tax_id: str | None = None, *, price_included: bool | None = None
) -> object:
    """A percent tax (0-30 %, three decimals), price-included or not."""
    from o2c.tax import Tax

    percent = draw(tax_percents)
    included = draw(st.booleans()) if price_included is None else price_included
    name = tax_id if tax_id is not None else f"T{percent.normalize():f}{'i' if included else ''}"
    return Tax.percent_of(name, percent, price_included=included)


@st.composite
def tax_policies(draw: st.DrawFn, *, symmetric: bool = True) -> object:
    """A TaxPolicy: any method, global base, included rounding and (symmetric) tie rule."""
    from o2c.money import Rounding, RoundingPolicy
    from o2c.tax import GlobalBase, IncludedRounding, RoundingMethod, TaxPolicy

    names = SYMMETRIC_ROUNDINGS if symmetric else tuple(r.name for r in Rounding)
    return TaxPolicy(
        method=draw(st.sampled_from(RoundingMethod)),
        rounding=RoundingPolicy(rounding=Rounding[draw(st.sampled_from(names))]),
        global_base=draw(st.sampled_from(GlobalBase)),
        included=draw(st.sampled_from(IncludedRounding)),
    )


_PRICE_UNITS = st.integers(min_value=0, max_value=10**7)


@st.composite
def taxable_lines(
    draw: st.DrawFn,
    currency: str,
    *,
    taxes: list[object] | tuple[object, ...] | None = None,
) -> object:
    """A priced line in ``currency`` (price with up to one extra decimal) with 0-2 taxes."""
    from o2c.tax import TaxableLine

    digits = minor_units(currency) + draw(_PRICE_EXTRA_DIGIT)
    price = Decimal(draw(_PRICE_UNITS)).scaleb(-digits)
    if taxes is None:
        taxes = draw(st.lists(percent_taxes(), max_size=2, unique_by=lambda t: t.id))  # type: ignore[attr-defined]
    return TaxableLine(
        quantity=draw(_QUANTITIES),
        unit_price=money(price, currency),
        taxes=taxes,
        discount_percent=draw(_LINE_DISCOUNTS),
    )


@st.composite
def invoice_lines(draw: st.DrawFn, currency: str, *, taxes: tuple[object, ...] = ()) -> object:
    """An InvoiceLine in ``currency`` with one of ``taxes`` (or a price-excluded 19 % VAT)."""
    from o2c.invoice import InvoiceLine
    from o2c.tax import Tax

    tax = taxes[draw(st.integers(0, len(taxes) - 1))] if taxes else Tax.vat("S19", "19")
    digits = minor_units(currency) + draw(_PRICE_EXTRA_DIGIT)
    return InvoiceLine(
        description=draw(_DESCRIPTIONS),
        quantity=draw(_QUANTITIES),
        unit_price=money(Decimal(draw(_PRICE_UNITS)).scaleb(-digits), currency),
        taxes=[tax],
        discount_percent=draw(_LINE_DISCOUNTS),
    )


def billing_customer() -> object:
    """A customer with every field billing needs (name, address with country, tax id)."""
    from o2c.invoice import Address, Customer

    return Customer(
        id="C-1",
        name="Muster GmbH",
        tax_id="DE123456789",
        address=Address(lines=("Hauptstr. 1",), city="Berlin", postal_code="10115", country="DE"),
    )


@st.composite
def invoices(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    max_lines: int = 6,
    policy: object | None = None,
) -> object:
    """An Invoice (1-``max_lines`` lines, two VAT rates, 2/10 net 30) in any currency."""
    from o2c.invoice import Invoice
    from o2c.tax import AllowanceCharge, ChargeKind, Tax, TaxPolicy
    from o2c.terms import PaymentTerms

    code = currency if currency is not None else draw(currency_codes)
    vat = (Tax.vat("S19", "19"), Tax.vat("S7", "7"))
    lines = [
        draw(invoice_lines(code, taxes=vat))
        for _ in range(draw(st.integers(min_value=1, max_value=max_lines)))
    ]
    charges = []
    if draw(st.booleans()):
        unit = Decimal(1).scaleb(-minor_units(code))
        kind = draw(st.sampled_from(ChargeKind))
        units = draw(_CHARGE_UNITS)
        if kind is ChargeKind.ALLOWANCE:  # at most half the lines' amount: a positive invoice
            gross = sum((ln.quantity * ln.unit_price.amount for ln in lines), Decimal(0))  # type: ignore[attr-defined]
            units = min(units, int(gross / 2 / unit))
        charges.append(
            AllowanceCharge(
                kind=kind,
                amount=money(unit * units, code),
                reason="shipping",
                taxes=draw(st.sampled_from([None, (vat[0],)])),
            )
        )
    return Invoice.create(
        number=f"INV-{draw(_INVOICE_NUMBERS):05d}",
        customer=billing_customer(),
        issue_date=draw(document_dates),
        currency=code,
        lines=lines,
        charges=charges,
        terms=PaymentTerms.parse("2/10 net 30"),
        policy=TaxPolicy() if policy is None else policy,
    )


# --------------------------------------------------------------------------------------------
# Cash application: a small world of customers, open items and payments against them.


@st.composite
def cash_application_batches(
    draw: st.DrawFn, *, max_customers: int = 3, max_items: int = 6, max_payments: int = 8
) -> tuple[list[object], list[object], list[object]]:
    """``(customers, open_items, payments)``: payments that pay, part-pay, over-pay, repeat or
    miss the items of a few customers (EUR), with or without references."""
    import datetime as _dt

    from o2c.cash_application import CustomerProfile
    from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
    from o2c.statement import Payment
    from o2c.terms import DiscountOffer

    n_customers = draw(st.integers(min_value=1, max_value=max_customers))
    names = ["Alpha Tools GmbH", "Beta Foods SARL", "Gamma Steel Inc.", "Delta Paper Oy"]
    customers = [CustomerProfile(f"C{i}", names[i]) for i in range(n_customers)]
    base = _dt.date(2026, 3, 1)
    items = []
    for i in range(draw(st.integers(min_value=1, max_value=max_items))):
        cid = draw(st.sampled_from([c.customer_id for c in customers]))
        units = draw(st.sampled_from([50_000, 100_000, 123_456, 77_777, 250_000, 99_999]))
        credit = draw(st.booleans()) and i > 0 and draw(st.integers(0, 4)) == 0
        amount = money(Decimal(-units // 10 if credit else units).scaleb(-2), "EUR")
        offers = ()
        if not credit and draw(st.booleans()):
            offers = (
                DiscountOffer(
                    deadline=base + _dt.timedelta(days=10),
                    amount=money(Decimal(units // 50).scaleb(-2), "EUR"),
                ),
            )
        items.append(
            OpenItem(
                item_id=ItemId(f"I{i}"),
                customer_id=CustomerId(cid),
                kind=ItemKind.CREDIT_MEMO if credit else ItemKind.INVOICE,
                document_number=f"INV-2026-{100100 + i}",
                document_date=base,
                due_date=base + _dt.timedelta(days=30),
                original_amount=amount,
                open_amount=amount,
                discounts=offers,
            )
        )
    payments = []
    by_id = {c.customer_id: c for c in customers}
    for k in range(draw(st.integers(min_value=1, max_value=max_payments))):
        item = draw(st.sampled_from(items))
        factor = draw(st.sampled_from(["1", "1", "0.98", "0.5", "1.1", "2", "0.999"]))
        amount = abs(item.open_amount.amount) * Decimal(factor)
        amount = amount.quantize(Decimal("0.01"))
        if amount <= 0:
            amount = Decimal("1.00")
        with_ref = draw(st.booleans())
        payments.append(
            Payment(
                payment_id=f"P{k}",
                value_date=base + _dt.timedelta(days=draw(st.integers(0, 40))),
                amount=money(amount, "EUR"),
                payer_name=draw(
                    st.sampled_from([by_id[str(item.customer_id)].name, "Unknown Payer Ltd", ""])
                ),
                reference=item.document_number if with_ref else "",
            )
        )
    return customers, items, payments


# ---------------------------------------------------------------------------- ledger fact streams

#: The operations :func:`ledger_streams` draws from.
LEDGER_OPERATIONS = ("invoice", "payment", "allocate", "reverse", "refund", "write_off")


@st.composite
def ledger_streams(
    draw: st.DrawFn,
    *,
    customer: str = "C1",
    currency: str = "EUR",
    max_facts: int = 25,
    days: int = 7,
) -> list[object]:
    """A stream of ledger facts for one customer, in recording order, NOT necessarily valid.

    Invoices, payments, allocations, reversals, refunds and write-offs refer to earlier
    documents (or to missing ones), with amounts and effective dates (over ``days`` days) that
    often break the ledger's invariants: append them one by one and keep what is accepted.
    """
    from o2c.ledger import (
        AllocationReversed,
        InvoiceIssued,
        PaymentAllocated,
        PaymentReceived,
        Refunded,
        WrittenOff,
    )
    from o2c.terms import Instalment

    ops = draw(
        st.lists(
            st.tuples(
                st.sampled_from(LEDGER_OPERATIONS),
                st.integers(0, 5),
                st.integers(0, 5),
                st.integers(1, 20_000),
            ),
            min_size=1,
            max_size=max_facts,
        )
    )
    start = dt.date(2026, 1, 1)
    t0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    facts: list[object] = []
    invoices, payments, allocations = ["I-none"], ["P-none"], ["A-none"]
    for n, (kind, a, b, units) in enumerate(ops):
        amount = money(Decimal(units).scaleb(-minor_units(currency)), currency)
        common = {
            "fact_id": f"f{n}",
            "customer_id": customer,
            "effective": start + dt.timedelta(days=n % days),
            "recorded_at": t0 + dt.timedelta(minutes=n),
        }
        source, item = payments[a % len(payments)], invoices[b % len(invoices)]
        if kind == "invoice":
            invoices.append(f"I{n}")
            facts.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"f{n}",
                    customer_id=customer,
                    item_id=f"I{n}",
                    document_number=f"I{n}",
                    document_date=common["effective"],  # type: ignore[arg-type]
                    recorded_at=common["recorded_at"],  # type: ignore[arg-type]
                    instalments=[Instalment(number=1, due_date=start, amount=amount)],
                )
            )
        elif kind == "payment":
            payments.append(f"P{n}")
            facts.append(
                PaymentReceived(
                    payment_id=f"P{n}",  # type: ignore[arg-type]
                    amount=amount,
                    value_date=common["effective"],  # type: ignore[arg-type]
                    **common,  # type: ignore[arg-type]
                )
            )
        elif kind == "allocate":
            allocations.append(f"f{n}")
            facts.append(PaymentAllocated(source_id=source, item_id=item, applied=amount, **common))  # type: ignore[arg-type]
        elif kind == "reverse":
            facts.append(
                AllocationReversed(allocation_id=allocations[a % len(allocations)], **common)
            )  # type: ignore[arg-type]
        elif kind == "refund":
            facts.append(Refunded(source_id=source, amount=amount, **common))  # type: ignore[arg-type]
        else:
            facts.append(WrittenOff(item_id=item, amount=amount, **common))  # type: ignore[arg-type]
    return facts
