"""Junk input to every public constructor and computation of tax, invoice and creditor_reference
raises O2CError: never decimal.InvalidOperation, Overflow, ZeroDivisionError, TypeError,
KeyError, IndexError or Python's int-digit-limit ValueError, and never hangs.

Each case is a function of one hostile value put in one argument of an otherwise valid call;
Hypothesis draws the value and the case (python-stdnum's robustness test, looped over o2c).
"""

from __future__ import annotations

import datetime as dt
import math
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from o2c.errors import O2CError
from o2c.invoice import (
    Address,
    Customer,
    Invoice,
    InvoiceLine,
    References,
    credit_memo,
    validate,
)
from o2c.invoice import references as creditor_reference
from o2c.money import CashRounding, Rounding, RoundingPolicy, money
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    ExemptionCertificate,
    RateQuote,
    Tax,
    TaxableLine,
    TaxGroup,
    TaxPolicy,
    compute,
    flatten,
    line_taxes,
    restate,
)

EUR = "EUR"
DAY = dt.date(2026, 3, 2)
VAT = Tax.vat("S19", "19")
INCLUDED = Tax.percent_of("I21", "21", price_included=True)


class _Odd:
    """An object with no useful attribute at all."""


class _OnePair(Mapping[object, object]):
    """A mapping of one key, whatever its hash (a dict cannot hold a signalling NaN)."""

    def __init__(self, key: object, value: object) -> None:
        self._key, self._value = key, value

    def __getitem__(self, key: object) -> object:
        return self._value

    def __iter__(self) -> Iterator[object]:
        return iter([self._key])

    def __len__(self) -> int:
        return 1


#: Values no caller should pass, but some will: huge and tiny numbers as every type, text that
#: looks like a number, NaN, floats, containers, None, long text.
_HOSTILE_FIXED: list[object] = [
    None,
    True,
    0,
    -1,
    10**5000,
    -(10**400),
    2**64,
    1e999,
    float("nan"),
    0.1,
    -0.0,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("1e999999"),
    Decimal("-1e999999"),
    Decimal("1e-999999"),
    Decimal("9" * 40),
    Decimal("0." + "3" * 10000),
    Decimal("99.99999999999999999999999999999999"),
    Decimal("-100"),
    Decimal("100"),
    Decimal("1E+14"),
    Decimal("999999999999999.99"),
    "",
    " ",
    "NaN",
    "inf",
    "1e999999",
    "1" * 5000,
    "0." + "1" * 10000,
    "١٢٣",
    "\x00",
    "RF18 5390 0754 7034",
    "x" * 10_000_000,
    b"19",
    [],
    [1, 2],
    {"a": 1},
    {1, 2},
    (),
    (None,),
    _Odd(),
    dt.datetime(2026, 3, 2, 12, 0),
    DAY,
    Money("1e40", EUR),
    Money("NaN", EUR),
    Money("0." + "1" * 50, EUR),
    Money(10, "USD"),
    VAT,
    RoundingPolicy(step=Decimal("1e-80")),
    RoundingPolicy(step=Decimal("0.0" + "7" * 99)),
    RoundingPolicy(step=Decimal("1e29")),
    Rounding.HALF_UP,
    ChargeKind.CHARGE,
    math.pi,
]

hostile = st.one_of(
    st.sampled_from(_HOSTILE_FIXED),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60).map(lambda n: Decimal(n).scaleb(-30)),
    st.floats(),
    st.text(max_size=30),
    st.from_regex(r"-?[0-9]{0,40}(\.[0-9]{0,40})?([eE][-+]?[0-9]{1,7})?", fullmatch=True),
    st.none(),
    st.lists(st.integers(), max_size=3),
)


def _line(**over: Any) -> InvoiceLine:
    fields: dict[str, Any] = {
        "description": "Widget",
        "quantity": Decimal(2),
        "unit_price": money("10.00", EUR),
        "taxes": [VAT],
    }
    fields.update(over)
    return InvoiceLine(**fields)


def _taxable(**over: Any) -> TaxableLine:
    fields: dict[str, Any] = {
        "quantity": Decimal(2),
        "unit_price": money("10.00", EUR),
        "taxes": [VAT],
    }
    fields.update(over)
    return TaxableLine(**fields)


CUSTOMER = Customer(id="C-1", name="Muster GmbH")


def _invoice(**over: Any) -> Invoice:
    fields: dict[str, Any] = {
        "number": "INV-1",
        "customer": CUSTOMER,
        "issue_date": DAY,
        "currency": EUR,
        "lines": [_line()],
    }
    fields.update(over)
    return Invoice.create(**fields)


INVOICE = _invoice()
RESULT = compute([_taxable()], EUR)


def _tax_field(name: str) -> Callable[[object], object]:
    return lambda v: Tax(id="T", **{name: v})


def _line_field(name: str) -> Callable[[object], object]:
    return lambda v: _line(**{name: v})


def _invoice_field(name: str) -> Callable[[object], object]:
    return lambda v: _invoice(**{name: v})


def _policy_field(name: str) -> Callable[[object], object]:
    return lambda v: TaxPolicy(**{name: v})


#: (name, call with the hostile value in one place).
CASES: list[tuple[str, Callable[[object], object]]] = [
    # -- tax definitions
    ("Tax.id", lambda v: Tax(id=v)),  # type: ignore[arg-type]
    *(
        (f"Tax.{f}", _tax_field(f))
        for f in (
            "kind",
            "percent",
            "amount_per_unit",
            "price_included",
            "affects_base_of_subsequent",
            "base_affected_by_previous",
            "compound",
            "sequence",
            "withholding",
            "category",
            "exemption_reason",
            "exemption_reason_code",
            "jurisdiction",
            "name",
        )
    ),
    ("Tax.percent_of", lambda v: Tax.percent_of("T", v)),  # type: ignore[arg-type]
    ("Tax.percent_of id", lambda v: Tax.percent_of(v, 19)),  # type: ignore[arg-type]
    ("Tax.fixed", lambda v: Tax.fixed("F", v)),  # type: ignore[arg-type]
    ("Tax.document_fixed", lambda v: Tax.document_fixed("D", v)),  # type: ignore[arg-type]
    ("Tax.division", lambda v: Tax.division("D", v)),  # type: ignore[arg-type]
    ("Tax.vat percent", lambda v: Tax.vat("V", v)),  # type: ignore[arg-type]
    ("Tax.vat category", lambda v: Tax.vat("V", 0, v)),  # type: ignore[arg-type]
    ("Tax.vat reason", lambda v: Tax.vat("V", 0, Tax.vat("E", 0).category, reason=v)),  # type: ignore[arg-type]
    ("Tax.gst", lambda v: Tax.gst(v, intra_state=True)),  # type: ignore[arg-type]
    ("Tax.gst prefix", lambda v: Tax.gst(18, intra_state=False, prefix=v)),  # type: ignore[arg-type]
    ("Tax.amount_on base", lambda v: VAT.amount_on(v)),  # type: ignore[arg-type]
    ("Tax.amount_on quantity", lambda v: Tax.fixed("F", 1).amount_on(Decimal(1), quantity=v)),  # type: ignore[arg-type]
    ("Tax.amount_on sign", lambda v: VAT.amount_on(Decimal(1), price_sign=v)),  # type: ignore[arg-type]
    ("Tax.amount_on batch", lambda v: Tax.division("D", 5).amount_on(Decimal(1), batch_percent=v)),  # type: ignore[arg-type]
    ("TaxGroup.id", lambda v: TaxGroup(id=v, taxes=[VAT])),  # type: ignore[arg-type]
    ("TaxGroup.taxes", lambda v: TaxGroup(id="G", taxes=v)),  # type: ignore[arg-type]
    ("TaxGroup.sequence", lambda v: TaxGroup(id="G", taxes=[VAT], sequence=v)),  # type: ignore[arg-type]
    ("flatten", lambda v: flatten(v)),  # type: ignore[arg-type]
    ("flatten item", lambda v: flatten([VAT, v])),  # type: ignore[list-item]
    ("line_taxes", lambda v: line_taxes(v)),  # type: ignore[arg-type]
    # -- policies
    *(
        (f"TaxPolicy.{f}", _policy_field(f))
        for f in (
            "method",
            "rounding",
            "global_base",
            "included",
            "compound_base",
            "jurisdictions",
            "cash_rounding",
        )
    ),
    (
        "TaxPolicy step",
        lambda v: compute([_taxable()], EUR, policy=TaxPolicy(rounding=RoundingPolicy(step=v))),
    ),  # type: ignore[arg-type]
    ("TaxPolicy cash", lambda v: TaxPolicy(cash_rounding=CashRounding(overrides={EUR: v}))),  # type: ignore[dict-item]
    # -- lines and charges
    ("TaxableLine.quantity", lambda v: _taxable(quantity=v)),
    ("TaxableLine.unit_price", lambda v: _taxable(unit_price=v)),
    ("TaxableLine.unit_price amount", lambda v: _taxable(unit_price=money(v, EUR))),  # type: ignore[arg-type]
    ("TaxableLine.taxes", lambda v: _taxable(taxes=v)),
    ("TaxableLine.discount", lambda v: _taxable(discount_percent=v)),
    ("AllowanceCharge.kind", lambda v: AllowanceCharge(kind=v, amount=money(1, EUR))),  # type: ignore[arg-type]
    ("AllowanceCharge.amount", lambda v: AllowanceCharge(kind=ChargeKind.CHARGE, amount=v)),  # type: ignore[arg-type]
    (
        "AllowanceCharge.reason",
        lambda v: AllowanceCharge(kind=ChargeKind.CHARGE, amount=money(1, EUR), reason=v),
    ),  # type: ignore[arg-type]
    (
        "AllowanceCharge.taxes",
        lambda v: AllowanceCharge(kind=ChargeKind.CHARGE, amount=money(1, EUR), taxes=v),
    ),  # type: ignore[arg-type]
    (
        "ExemptionCertificate.id",
        lambda v: ExemptionCertificate(certificate_id=v, jurisdictions=["s"], valid_from=DAY),
    ),  # type: ignore[arg-type]
    (
        "ExemptionCertificate.jurisdictions",
        lambda v: ExemptionCertificate(certificate_id="X", jurisdictions=v, valid_from=DAY),
    ),  # type: ignore[arg-type]
    (
        "ExemptionCertificate.valid_from",
        lambda v: ExemptionCertificate(certificate_id="X", jurisdictions=["s"], valid_from=v),
    ),  # type: ignore[arg-type]
    (
        "ExemptionCertificate.valid_to",
        lambda v: ExemptionCertificate(
            certificate_id="X", jurisdictions=["s"], valid_from=DAY, valid_to=v
        ),
    ),  # type: ignore[arg-type]
    # -- computations: a hostile value as an input, and as a number in an extreme document
    ("compute lines", lambda v: compute(v, EUR)),  # type: ignore[arg-type]
    ("compute line", lambda v: compute([_taxable(), v], EUR)),  # type: ignore[list-item]
    ("compute currency", lambda v: compute([_taxable()], v)),  # type: ignore[arg-type]
    ("compute policy", lambda v: compute([_taxable()], EUR, policy=v)),  # type: ignore[arg-type]
    ("compute charges", lambda v: compute([_taxable()], EUR, charges=v)),  # type: ignore[arg-type]
    ("compute exemptions", lambda v: compute([_taxable()], EUR, exemptions=v, on=DAY)),  # type: ignore[arg-type]
    (
        "compute on",
        lambda v: compute(
            [_taxable(taxes=[Tax.percent_of("S", 5, jurisdiction="s")])],
            EUR,
            exemptions=[
                ExemptionCertificate(certificate_id="X", jurisdictions=["s"], valid_from=DAY)
            ],
            on=v,
        ),
    ),  # type: ignore[arg-type]
    ("compute epd", lambda v: compute([_taxable()], EUR, tax_base_discount_percent=v)),  # type: ignore[arg-type]
    ("compute quantity", lambda v: _compute_all(quantity=v)),
    ("compute price", lambda v: _compute_all(price=v)),
    ("compute percent", lambda v: _compute_all(percent=v)),
    ("compute division", lambda v: _compute_all(division=v)),
    ("compute fixed", lambda v: _compute_all(fixed=v)),
    ("compute included", lambda v: _compute_all(included=v)),
    ("compute many lines", lambda v: _compute_all(quantity=v, lines=50)),
    ("restate rate", lambda v: restate(RESULT, "USD", v, quote=RateQuote.DOCUMENT_PER_COMPANY)),  # type: ignore[arg-type]
    (
        "restate currency",
        lambda v: restate(RESULT, v, Decimal(1), quote=RateQuote.DOCUMENT_PER_COMPANY),
    ),  # type: ignore[arg-type]
    ("restate quote", lambda v: restate(RESULT, "USD", Decimal(1), quote=v)),  # type: ignore[arg-type]
    (
        "restate method",
        lambda v: restate(
            RESULT, "USD", Decimal(1), quote=RateQuote.DOCUMENT_PER_COMPANY, method=v
        ),
    ),  # type: ignore[arg-type]
    (
        "restate rounding",
        lambda v: restate(
            RESULT, "USD", Decimal(1), quote=RateQuote.DOCUMENT_PER_COMPANY, rounding=v
        ),
    ),  # type: ignore[arg-type]
    (
        "restate result",
        lambda v: restate(v, "USD", Decimal(1), quote=RateQuote.DOCUMENT_PER_COMPANY),
    ),  # type: ignore[arg-type]
    # -- invoices
    *(
        (f"InvoiceLine.{f}", _line_field(f))
        for f in (
            "description",
            "quantity",
            "unit_price",
            "taxes",
            "discount_percent",
            "line_id",
            "item_id",
            "unit",
        )
    ),
    ("Address.lines", lambda v: Address(lines=v)),  # type: ignore[arg-type]
    ("Address.city", lambda v: Address(city=v)),  # type: ignore[arg-type]
    ("Customer.id", lambda v: Customer(id=v)),  # type: ignore[arg-type]
    ("Customer.address", lambda v: Customer(id="C", address=v)),  # type: ignore[arg-type]
    ("References.order", lambda v: References(order=v)),  # type: ignore[arg-type]
    *(
        (f"Invoice.create {f}", _invoice_field(f))
        for f in (
            "number",
            "customer",
            "issue_date",
            "currency",
            "lines",
            "charges",
            "terms",
            "delivery_date",
            "references",
            "policy",
            "prepaid",
            "vat_on_discounted_base",
            "exemptions",
            "note",
            "kind",
            "payment_reference",
            "tax_base_discount_percent",
        )
    ),
    ("Invoice.create line quantity", lambda v: _invoice(lines=[_line(quantity=v)])),
    ("Invoice.create line price", lambda v: _invoice(lines=[_line(unit_price=money(v, EUR))])),  # type: ignore[arg-type]
    ("Invoice.create many lines", lambda v: _invoice(lines=[_line(quantity=v)] * 40)),
    ("Invoice.create prepaid amount", lambda v: _invoice(prepaid=money(v, EUR))),  # type: ignore[arg-type]
    (
        "Invoice()",
        lambda v: Invoice(
            number="X",
            customer=v,
            issue_date=DAY,
            currency=EUR,
            lines=[],
            tax=RESULT,
            totals=INVOICE.totals,
        ),
    ),  # type: ignore[arg-type]
    (
        "Invoice() tax",
        lambda v: Invoice(
            number="X",
            customer=CUSTOMER,
            issue_date=DAY,
            currency=EUR,
            lines=[],
            tax=v,
            totals=INVOICE.totals,
        ),
    ),  # type: ignore[arg-type]
    (
        "Invoice() charges",
        lambda v: Invoice(
            number="X",
            customer=CUSTOMER,
            issue_date=DAY,
            currency=EUR,
            lines=[],
            charges=v,
            tax=RESULT,
            totals=INVOICE.totals,
        ),
    ),  # type: ignore[arg-type]
    ("credit_memo invoice", lambda v: credit_memo(v, number="CM", issue_date=DAY)),  # type: ignore[arg-type]
    ("credit_memo number", lambda v: credit_memo(INVOICE, number=v, issue_date=DAY)),  # type: ignore[arg-type]
    (
        "credit_memo quantities",
        lambda v: credit_memo(INVOICE, number="CM", issue_date=DAY, quantities=v),
    ),  # type: ignore[arg-type]
    (
        "credit_memo quantity",
        lambda v: credit_memo(INVOICE, number="CM", issue_date=DAY, quantities={0: v}),
    ),  # type: ignore[dict-item]
    (
        "credit_memo index",
        lambda v: credit_memo(INVOICE, number="CM", issue_date=DAY, quantities=_OnePair(v, None)),
    ),  # type: ignore[dict-item]
    (
        "credit_memo charges",
        lambda v: credit_memo(INVOICE, number="CM", issue_date=DAY, include_charges=v),
    ),  # type: ignore[arg-type]
    ("validate", lambda v: validate(v)),  # type: ignore[arg-type]
    # -- ISO 11649 references
    ("creditor_reference.compact", lambda v: creditor_reference.compact(v)),  # type: ignore[arg-type]
    ("creditor_reference.check_digits", lambda v: creditor_reference.check_digits(v)),  # type: ignore[arg-type]
    ("creditor_reference.create", lambda v: creditor_reference.create(v)),  # type: ignore[arg-type]
    ("creditor_reference.is_valid", lambda v: creditor_reference.is_valid(v)),  # type: ignore[arg-type]
    ("creditor_reference.body", lambda v: creditor_reference.body(v)),  # type: ignore[arg-type]
    ("creditor_reference.format_grouped", lambda v: creditor_reference.format_grouped(v)),  # type: ignore[arg-type]
    (
        "creditor_reference.from_document_number",
        lambda v: creditor_reference.from_document_number(v),
    ),  # type: ignore[arg-type]
]


def _compute_all(
    *,
    quantity: object = Decimal(1),
    price: object = "10.00",
    percent: object = 19,
    division: object = 5,
    fixed: object = "1.00",
    included: object = 21,
    lines: int = 1,
) -> None:
    """A document with every kind of tax, computed under every method, with one value hostile."""
    from o2c.tax import RoundingMethod

    taxes = [
        Tax.percent_of("P", percent),  # type: ignore[arg-type]
        Tax.division("D", division),  # type: ignore[arg-type]
        Tax.fixed("F", fixed, affects_base_of_subsequent=True),  # type: ignore[arg-type]
        Tax.document_fixed("DF", "5.00"),
        Tax.percent_of("C", 10, compound=True),
    ]
    inc = Tax.percent_of("I", included, price_included=True)  # type: ignore[arg-type]
    unit_price = money(price, EUR)  # type: ignore[arg-type]
    doc = [TaxableLine(quantity=quantity, unit_price=unit_price, taxes=taxes)] * lines
    doc.append(TaxableLine(quantity=quantity, unit_price=unit_price, taxes=[inc, VAT]))
    charge = AllowanceCharge(kind=ChargeKind.ALLOWANCE, amount=money(price, EUR))  # type: ignore[arg-type]
    for method in RoundingMethod:
        compute(doc, EUR, policy=TaxPolicy(method=method), charges=[charge])
        compute(doc, EUR, policy=TaxPolicy(method=method), tax_base_discount_percent=Decimal(2))


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail (rather than hang) when the body runs longer than ``seconds``."""

    def fail(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _only_o2c_errors(call: Callable[[object], object], value: object) -> None:
    with _deadline(10), suppress(O2CError):
        call(value)


@given(st.sampled_from(CASES), hostile)
def test_junk_input_raises_only_o2c_errors(
    case: tuple[str, Callable[[object], object]], value: object
) -> None:
    _name, call = case
    _only_o2c_errors(call, value)


@pytest.mark.parametrize(("name", "call"), CASES, ids=[c[0] for c in CASES])
def test_every_case_with_every_fixed_hostile_value(
    name: str, call: Callable[[object], object]
) -> None:
    for value in _HOSTILE_FIXED:
        _only_o2c_errors(call, value)


def test_the_cases_can_fail() -> None:
    # The harness itself: a call that lets a TypeError out is caught by the test.
    with pytest.raises(TypeError):
        _only_o2c_errors(lambda v: len(v), 5)  # type: ignore[arg-type]
