"""Invoices, credit memos, schedules, RF references and validation."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import CurrencyMismatchError, InvalidInvoiceError, O2CError
from o2c.invoice import (
    Address,
    Customer,
    DocumentKind,
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
    RateQuote,
    RoundingMethod,
    Tax,
    TaxCategory,
    TaxPolicy,
    restate,
)
from o2c.terms import PaymentTerms
from tests.strategies import billing_customer, invoices

DAY = dt.date(2026, 3, 2)
S19 = Tax.vat("S19", "19")
S7 = Tax.vat("S7", "7")


def customer(**changes: Any) -> Customer:
    return attrs.evolve(billing_customer(), **changes)  # type: ignore[misc]


def item(qty: str, price: str, *taxes: Tax, code: str = "EUR", **kw: Any) -> InvoiceLine:
    return InvoiceLine(
        description="Item", quantity=Decimal(qty), unit_price=money(price, code), taxes=taxes, **kw
    )


def make(lines: list[InvoiceLine], **kw: Any) -> Invoice:
    options: dict[str, Any] = {
        "number": "INV-2026-0042",
        "customer": customer(),
        "issue_date": DAY,
        "currency": "EUR",
        "terms": PaymentTerms.parse("2/10 net 30"),
    }
    options.update(kw)
    return Invoice.create(lines=lines, **options)


def codes(invoice: Invoice) -> set[str]:
    return {v.code for v in validate(invoice)}


# ------------------------------------------------------------------------------ building


def test_multi_rate_invoice_totals_schedule_and_reference() -> None:
    inv = make([item("3", "19.99", S19), item("7", "4.49", S7), item("1", "100.00", S19)])
    t = inv.totals
    assert t.line_total.amount == Decimal("191.40")
    assert t.untaxed.amount == Decimal("191.40")
    assert [(b.percent, b.base.amount, b.amount.amount) for b in inv.tax.breakdown] == [
        (Decimal("19"), Decimal("159.97"), Decimal("30.39")),
        (Decimal("7"), Decimal("31.43"), Decimal("2.20")),
    ]
    assert t.tax_total.amount == Decimal("32.59")
    assert t.total_with_tax.amount == Decimal("223.99")
    assert t.amount_due.amount == Decimal("223.99")
    assert t.rounding_amount.amount == 0
    assert inv.references.payment_reference == "RF73INV20260042"
    assert creditor_reference.is_valid(inv.references.payment_reference)
    assert inv.payment_reference_grouped == "RF73 INV2 0260 042"
    assert inv.schedule is not None
    (inst,) = inv.schedule.instalments
    assert inst.due_date == dt.date(2026, 4, 1)
    assert inst.amount == t.amount_due
    (offer,) = inst.discounts
    assert offer.deadline == dt.date(2026, 3, 12)
    assert offer.amount.amount == Decimal("4.48")
    assert inv.due_date == dt.date(2026, 4, 1)
    assert validate(inv) == ()
    assert inv.recompute() == inv


def test_explicit_payment_reference_is_kept_and_generation_can_be_off() -> None:
    inv = make([item("1", "10", S19)], references=References(payment_reference="12345"))
    assert inv.references.payment_reference == "12345"
    assert inv.payment_reference_grouped == "12345"
    none = make([item("1", "10", S19)], payment_reference=False)
    assert none.references.payment_reference is None
    assert none.payment_reference_grouped is None
    odd = make([item("1", "10", S19)], number="№ ---")
    assert odd.references.payment_reference is None  # no letter or digit to build one from


def test_cash_rounding_is_a_separate_rounding_amount_and_never_changes_tax() -> None:
    vat = Tax.vat("S7.7", "7.7")
    plain = make([item("1", "295.00", vat, code="CHF")], currency="CHF")
    cash = make(
        [item("1", "295.00", vat, code="CHF")],
        currency="CHF",
        policy=TaxPolicy(cash_rounding=CashRounding()),
    )
    assert cash.tax.taxes == plain.tax.taxes
    assert cash.totals.total_with_tax.amount == Decimal("317.72")
    assert cash.totals.rounding_amount.amount == Decimal("-0.02")
    assert cash.totals.amount_due.amount == Decimal("317.70")
    assert cash.schedule is not None
    assert cash.schedule.instalments[0].amount.amount == Decimal("317.70")
    assert validate(cash) == ()


def test_withholding_and_prepaid_reduce_the_amount_due() -> None:
    irpf = Tax.percent_of("IRPF15", -15, withholding=True)
    iva = Tax.vat("IVA21", "21")
    inv = make([item("1", "1000.00", iva, irpf)], prepaid=money("100.00", "EUR"))
    t = inv.totals
    assert (t.tax_total.amount, t.withholding_total.amount) == (
        Decimal("210.00"),
        Decimal("-150.00"),
    )
    assert t.total_with_tax.amount == Decimal("1210.00")
    assert t.amount_due.amount == Decimal("960.00")
    assert validate(inv) == ()


def test_belgian_mixed_discount_taxes_the_discounted_base() -> None:
    vat = Tax.vat("VAT21", "21", price_included=True)
    terms = PaymentTerms.parse("2/10 net 30 base=untaxed")
    inv = make([item("1", "121.00", vat)], terms=terms, vat_on_discounted_base=True)
    assert inv.totals.untaxed.amount == Decimal("100.00")
    assert inv.tax.taxes[0].base.amount == Decimal("98.00")
    assert inv.totals.tax_total.amount == Decimal("20.58")
    assert inv.totals.amount_due.amount == Decimal("120.58")
    assert inv.schedule is not None
    offer = inv.schedule.instalments[0].discounts[0]
    assert offer.amount.amount == Decimal("2.00")
    assert offer.amount_due is not None
    assert offer.amount_due.amount == Decimal("118.58")  # odoo-epd-mixed-incl, end to end
    assert validate(inv) == ()
    assert inv.tax_base_discount_percent == Decimal(2)
    memo = credit_memo(inv, number="CM-BE", issue_date=DAY)
    assert _amounts(memo) == [-a for a in _amounts(inv)]
    assert validate(memo) == ()
    other = attrs.evolve(inv, tax_base_discount_percent=Decimal(3))
    assert "O2C-EPD-PERCENT" in codes(other)
    wrong_base = make([item("1", "121.00", vat)], vat_on_discounted_base=True)
    assert "O2C-EPD-BASE" in codes(wrong_base)
    with pytest.raises(InvalidInvoiceError, match="one percentage discount"):
        make([item("1", "121.00", vat)], terms=None, vat_on_discounted_base=True)
    explicit = make([item("1", "121.00", vat)], terms=None, tax_base_discount_percent=Decimal(2))
    assert {"O2C-EPD-TERMS", "BR-CO-25"} <= codes(explicit)


def test_delivery_date_is_the_baseline_when_the_terms_say_so() -> None:
    terms = PaymentTerms.parse("net 30 ROG")
    inv = make([item("1", "10", S19)], terms=terms, delivery_date=dt.date(2026, 3, 20))
    assert inv.schedule is not None
    assert inv.schedule.instalments[0].due_date == dt.date(2026, 4, 19)
    missing = make([item("1", "10", S19)], terms=terms)
    assert missing.schedule is None
    (violation,) = [v for v in validate(missing) if v.code == "O2C-TERMS"]
    assert violation.field == "delivery_date"


def test_an_instalment_of_the_untaxed_amount_is_scheduled_and_validates() -> None:
    # The terms need the untaxed amount for their first line although their discount base is the
    # total: create() and validate() both pass it (PaymentTerms.needs_untaxed).
    terms = PaymentTerms.parse("30% untaxed advance, balance net 30")
    assert terms.needs_untaxed
    inv = make([item("2", "50.00", S19), item("1", "100.00", S7)], terms=terms)
    assert inv.totals.untaxed.amount == Decimal("200.00")
    assert inv.totals.amount_due.amount == Decimal("226.00")
    assert inv.schedule is not None
    advance, balance = inv.schedule.instalments
    assert (advance.due_date, advance.amount.amount) == (DAY, Decimal("60.00"))
    assert (balance.due_date, balance.amount.amount) == (dt.date(2026, 4, 1), Decimal("166.00"))
    assert inv.schedule.untaxed is not None
    assert inv.schedule.untaxed.amount == Decimal("200.00")
    assert not {"O2C-TERMS", "O2C-SCHEDULE"} & codes(inv)
    assert validate(inv) == ()
    assert inv.recompute() == inv


def test_document_charges_and_allowances_enter_the_sums() -> None:
    ship = AllowanceCharge(kind=ChargeKind.CHARGE, amount=money("9.99", "GBP"), taxes=(S19,))
    off = AllowanceCharge(kind=ChargeKind.ALLOWANCE, amount=money("5.00", "GBP"), taxes=(S19,))
    inv = make([item("1", "100.00", S19, code="GBP")], currency="GBP", charges=[ship, off])
    t = inv.totals
    assert (t.charge_total.amount, t.allowance_total.amount) == (Decimal("9.99"), Decimal("5.00"))
    assert t.untaxed.amount == Decimal("104.99")
    assert t.tax_total.amount == Decimal("19.95")
    assert validate(inv) == ()


def test_tax_restated_in_the_company_currency() -> None:
    inv = make([item("1", "87.65", Tax.vat("VAT19", "19"), code="USD")], currency="USD")
    s = restate(inv.tax, "EUR", Decimal("1.0823"), quote=RateQuote.DOCUMENT_PER_COMPANY)
    assert s.tax_total.amount == Decimal("15.38")


# ------------------------------------------------------------------------------ refusals


def test_impossible_invoices_are_refused_at_construction() -> None:
    with pytest.raises(CurrencyMismatchError):
        make([item("1", "10", S19, code="USD")])
    with pytest.raises(InvalidInvoiceError, match="number"):
        make([item("1", "10", S19)], number="  ")
    with pytest.raises(InvalidInvoiceError, match="line ids"):
        make([item("1", "10", S19, line_id="1"), item("1", "10", S19, line_id="1")])
    with pytest.raises(CurrencyMismatchError):
        make([item("1", "10", S19)], prepaid=money("1", "USD"))
    with pytest.raises(O2CError):
        item("1", "10", S19, discount_percent=Decimal("120"))
    with pytest.raises(InvalidInvoiceError):
        InvoiceLine(description="x", quantity=1, unit_price=Decimal("1"))  # type: ignore[arg-type]
    with pytest.raises(O2CError):
        InvoiceLine(description=None, quantity=1, unit_price=money("1", "EUR"))  # type: ignore[arg-type]
    inv = make([item("1", "10", S19)])
    with pytest.raises(InvalidInvoiceError):
        attrs.evolve(inv, issue_date="2026-03-02")
    with pytest.raises(InvalidInvoiceError):
        attrs.evolve(inv, lines=("not a line",))
    with pytest.raises(CurrencyMismatchError):
        attrs.evolve(inv, currency="USD")


# ------------------------------------------------------------------------------ validation


def test_validate_reports_missing_customer_data() -> None:
    bare = make([item("1", "10", S19)], customer=Customer(id="C-9"))
    assert {"BR-07", "BR-10"} <= codes(bare)
    partial = make([item("1", "10", S19)], customer=customer(address=Address(city="Berlin")))
    assert {"BR-11", "O2C-ADDRESS"} <= codes(partial)
    reverse = Tax.vat("AE", 0, TaxCategory.REVERSE_CHARGE, reason="Reverse charge")
    no_id = make([item("1", "10", reverse)], customer=customer(tax_id=None))
    (v,) = [v for v in validate(no_id) if v.code == "BR-AE-02"]
    assert v.field == "customer.tax_id"


def test_validate_reports_category_rules() -> None:
    no_reason = Tax(id="E", category=TaxCategory.EXEMPT)
    zero_standard = Tax.vat("S0", "0")
    reason_on_s = Tax(
        id="S5", percent=Decimal(5), category=TaxCategory.STANDARD, exemption_reason="x"
    )
    inv = make(
        [item("1", "10", no_reason), item("1", "10", zero_standard), item("1", "10", reason_on_s)]
    )
    assert {"BR-E-10", "BR-S-05", "BR-S-10"} <= codes(inv)


def test_per_line_rounding_breaks_br_co_17_and_validate_says_so() -> None:
    vat = Tax.vat("S23", "23")
    lines = [item("12.12", "12.12", vat), item("12.12", "12.12", vat)]
    per_line = make(lines, policy=TaxPolicy(method=RoundingMethod.PER_LINE))
    (v,) = validate(per_line)
    assert v.code == "BR-CO-17"
    assert "67.56" in v.message
    assert validate(make(lines)) == ()


def test_tampered_totals_break_the_en16931_sums() -> None:
    inv = make([item("1", "10.00", S19)])
    t = inv.totals
    bad = attrs.evolve(
        t,
        line_total=Decimal(1),
        allowance_total=Decimal(1),
        charge_total=Decimal(1),
        untaxed=Decimal(99),
        tax_total=Decimal(5),
        total_with_tax=Decimal(7),
        amount_due=Decimal(3),
    )
    found = codes(attrs.evolve(inv, totals=bad))
    expected = {f"BR-CO-{n}" for n in range(10, 17)} | {"O2C-RECOMPUTE", "O2C-SCHEDULE"}
    assert expected <= found


def test_tampered_tax_breaks_br_s_08_and_recomputation() -> None:
    inv = make([item("1", "10.00", S19)])
    tax = inv.tax
    bad = attrs.evolve(tax, tax_columns=tax._tax_columns._replace(bases=(Decimal("11.00"),)))
    found = codes(attrs.evolve(inv, tax=bad))
    assert {"BR-S-08", "BR-CO-17", "O2C-RECOMPUTE"} <= found


def test_validate_reports_rounding_and_sign_inconsistencies() -> None:
    fine_step = TaxPolicy(rounding=RoundingPolicy(step=Decimal("0.001")))
    inv = make([item("1", "10.005", S19)], policy=fine_step)
    assert {"O2C-ROUNDING-STEP", "O2C-PRECISION"} <= codes(inv)
    odd_cash = TaxPolicy(cash_rounding=CashRounding(overrides={"EUR": Decimal("0.005")}))
    assert "O2C-CASH-STEP" in codes(make([item("1", "10", S19)], policy=odd_cash))
    negative = make([item("-1", "10", S19)], terms=None)
    assert "O2C-SIGN" in codes(negative)
    assert "BR-16" in codes(make([], terms=None))


# ------------------------------------------------------------------------------ credit memos


def _amounts(inv: Invoice) -> list[Decimal]:
    t = inv.totals
    return [
        t.line_total.amount,
        t.allowance_total.amount,
        t.charge_total.amount,
        t.untaxed.amount,
        t.tax_total.amount,
        t.total_with_tax.amount,
        t.prepaid.amount,
        t.rounding_amount.amount,
        t.withholding_total.amount,
        t.amount_due.amount,
        *(ln.net.amount for ln in inv.tax.lines),
        *(ta.amount.amount for ln in inv.tax.lines for ta in ln.taxes),
        *(b.base.amount for b in inv.tax.breakdown),
        *(b.amount.amount for b in inv.tax.breakdown),
    ]


@given(invoices(max_lines=4))
def test_credit_memo_is_the_exact_negation_of_its_invoice(inv: Any) -> None:
    memo = credit_memo(inv, number="CM-1", issue_date=inv.issue_date)
    assert memo.kind is DocumentKind.CREDIT_MEMO
    assert memo.references.preceding_invoice == inv.number
    assert memo.schedule is None
    assert _amounts(memo) == [-a for a in _amounts(inv)]
    assert [ln.quantity for ln in memo.lines] == [-ln.quantity for ln in inv.lines]
    assert not {"O2C-SIGN", "BR-CO-17", "BR-S-08"} & {v.code for v in validate(memo)}


@given(
    invoices(max_lines=3, policy=TaxPolicy(rounding=RoundingPolicy(rounding=Rounding.CEILING))),
    st.sampled_from([RoundingMethod.GLOBAL, RoundingMethod.PER_LINE]),
)
def test_credit_memo_negates_even_under_ceiling_rounding(inv: Any, method: RoundingMethod) -> None:
    if method is not RoundingMethod.GLOBAL:
        inv = Invoice.create(
            number=inv.number,
            customer=inv.customer,
            issue_date=inv.issue_date,
            currency=inv.currency,
            lines=inv.lines,
            charges=inv.charges,
            policy=attrs.evolve(inv.policy, method=method),
        )
    memo = credit_memo(inv, number="CM-2", issue_date=inv.issue_date)
    assert memo.policy.rounding.rounding is Rounding.FLOOR
    assert _amounts(memo) == [-a for a in _amounts(inv)]


def test_partial_credit_memo_negates_the_credited_lines() -> None:
    inv = make([item("3", "19.99", S19), item("7", "4.49", S7), item("2", "5.00", S19)])
    memo = credit_memo(inv, number="CM-3", issue_date=DAY, quantities={0: 1, 2: None})
    assert [ln.quantity for ln in memo.lines] == [Decimal(-1), Decimal(-2)]
    only = make([item("1", "19.99", S19), item("2", "5.00", S19)])
    assert _amounts(memo) == [-a for a in _amounts(only)]
    with pytest.raises(InvalidInvoiceError):
        credit_memo(inv, number="CM-4", issue_date=DAY, quantities={5: 1})
    with pytest.raises(InvalidInvoiceError):
        credit_memo(inv, number="CM-4", issue_date=DAY, quantities={0: 4})
    with pytest.raises(InvalidInvoiceError):
        credit_memo(inv, number="CM-4", issue_date=DAY, quantities={0: -1})


def test_credit_memo_negates_allowances_charges_and_prepaid() -> None:
    off = AllowanceCharge(kind=ChargeKind.ALLOWANCE, amount=money("5.00", "EUR"))
    inv = make([item("1", "100.00", S19)], charges=[off], prepaid=money("10.00", "EUR"))
    memo = credit_memo(inv, number="CM-5", issue_date=DAY)
    assert memo.charges[0].kind is ChargeKind.ALLOWANCE
    assert memo.charges[0].amount.amount == Decimal("-5.00")
    assert _amounts(memo) == [-a for a in _amounts(inv)]
    assert memo.totals.prepaid.amount == Decimal("-10.00")
    partial = credit_memo(inv, number="CM-6", issue_date=DAY, quantities={0: None})
    assert partial.charges == ()
    assert partial.totals.prepaid.amount == 0


@given(invoices(max_lines=3))
def test_generated_invoices_validate_clean(inv: Any) -> None:
    assert validate(inv) == ()
    assert inv.recompute() == inv
    assert inv.schedule is not None
    assert sum(i.amount.amount for i in inv.schedule.instalments) == inv.totals.amount_due.amount


def test_the_constructor_itself_refuses_what_create_would_not_build() -> None:
    # Invoice(...) checks on its own (create() is not the only way in): lines, their currency,
    # repeated line ids among lines without ids, and computed amounts in another currency.
    inv = make([item("1", "10", S19)])
    with pytest.raises(InvalidInvoiceError, match=r"lines\[1\]"):
        attrs.evolve(inv, lines=(inv.lines[0], "not a line"))
    with pytest.raises(CurrencyMismatchError, match=r"lines\[1\]"):
        attrs.evolve(inv, lines=(inv.lines[0], item("1", "10", S19, code="USD")))
    with pytest.raises(InvalidInvoiceError, match="line ids"):
        attrs.evolve(
            inv,
            lines=(
                item("1", "10", S19, line_id="A"),
                item("1", "10", S19),
                item("1", "10", S19, line_id="A"),
            ),
        )
    usd = make([item("1", "10", S19, code="USD")], currency="USD")
    with pytest.raises(CurrencyMismatchError, match="computed"):
        attrs.evolve(inv, tax=usd.tax)
    with pytest.raises(CurrencyMismatchError, match="computed"):
        attrs.evolve(inv, totals=usd.totals)
    same = attrs.evolve(inv, lines=(item("1", "10", S19, line_id="A"), item("1", "10", S19)))
    assert same.lines[0].line_id == "A"


def test_the_benchmark_invoice_matches_its_hand_computed_figures() -> None:
    # The figures benchmarks/invoice.py times: 10 lines, 19 % and 7 %, 2/10 net 30.
    CENT = Decimal("0.01")  # noqa: N806 - a constant, as in the benchmark
    items = [(Decimal(1 + i % 4), Decimal(f"{9 + i}.{(37 * i) % 100:02d}")) for i in range(10)]
    lines = [item(str(q), str(p), (S19, S7)[i % 2]) for i, (q, p) in enumerate(items)]
    inv = make(lines)
    bases = [Decimal(0), Decimal(0)]
    for i, (q, p) in enumerate(items):
        bases[i % 2] += (q * p).quantize(CENT, ROUND_HALF_UP)
    tax = sum(
        ((b * r / 100).quantize(CENT, ROUND_HALF_UP) for b, r in zip(bases, (19, 7), strict=True)),
        Decimal(0),
    )
    assert inv.totals.untaxed.amount == bases[0] + bases[1]
    assert inv.totals.tax_total.amount == tax
    assert inv.schedule is not None
    (inst,) = inv.schedule.instalments
    assert inst.due_date == DAY + dt.timedelta(days=30)
    (offer,) = inst.discounts
    assert offer.deadline == DAY + dt.timedelta(days=10)
    assert offer.amount.amount == ((bases[0] + bases[1] + tax) * 2 / 100).quantize(
        CENT, ROUND_HALF_UP
    )
    assert inv.schedule.discounts == (offer,)


def test_the_invoice_reports_the_reverse_charge_tax_its_buyer_self_assesses() -> None:
    """EN 16931 reverse charge (AE): the invoice shows 0 tax, and the tax the buyer
    self-assesses (rate, base and amount) is read off the invoice beside its totals."""
    rc = Tax.reverse_charge("AE19", "19")
    inv = make([item("3", "33.33", rc), item("1", "10.00", S19)])
    [ae] = inv.self_assessed
    assert ae.category is TaxCategory.REVERSE_CHARGE
    assert ae.percent == Decimal("19")
    assert ae.base == money("99.99", "EUR")
    assert ae.amount == money("19.00", "EUR")
    assert ae.tax_ids == ("AE19",)
    assert inv.self_assessed == inv.tax.self_assessed
    # Never in the totals: only S19's 1.90 is tax the seller charges.
    assert inv.totals.tax_total == money("1.90", "EUR")
    assert inv.totals.amount_due == money("111.89", "EUR")
    assert make([item("1", "10.00", S19)]).self_assessed == ()
