"""Every case of ../shared/vectors/tax.json, under its default policy and its alternatives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from o2c.money import CashRounding, Rounding, RoundingPolicy, money
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    CompoundBase,
    ExemptionCertificate,
    GlobalBase,
    IncludedRounding,
    JurisdictionRounding,
    RateQuote,
    RestateMethod,
    RoundingMethod,
    Tax,
    TaxableLine,
    TaxCategory,
    TaxGroup,
    TaxId,
    TaxKind,
    TaxPolicy,
    TaxResult,
    compute,
    restate,
)
from tests.conftest import load_vectors

VECTORS = load_vectors("tax.json")["vectors"]


def _tax(spec: dict[str, Any]) -> Tax:
    kind = TaxKind(spec["kind"])
    return Tax(
        id=TaxId(spec["id"]),
        kind=kind,
        percent=Decimal(spec.get("rate", "0")),
        amount_per_unit=Decimal(spec.get("amount", "0")),
        price_included=spec["price_included"],
        affects_base_of_subsequent=spec["affects_base_of_subsequent"],
        base_affected_by_previous=spec["base_affected_by_previous"],
        compound=spec["compound"],
        sequence=spec.get("sequence", 0),
        withholding=spec.get("withholding", False),
        category=TaxCategory(spec["category"]) if "category" in spec else None,
        exemption_reason=spec.get("exemption_reason"),
        jurisdiction=spec.get("jurisdiction"),
    )


def _line_taxes(specs: list[dict[str, Any]]) -> list[Tax | TaxGroup]:
    """Taxes as given, with members of a ``group`` wrapped in a TaxGroup (flattened back)."""
    items: list[Tax | TaxGroup] = []
    groups: dict[str, list[Tax]] = {}
    for spec in specs:
        tax = _tax(spec)
        if "group" in spec:
            if spec["group"] not in groups:
                groups[spec["group"]] = []
                items.append(TaxGroup(id=spec["group"], taxes=(), sequence=tax.sequence))
            groups[spec["group"]].append(tax)
        else:
            items.append(tax)
    return [
        attrs.evolve(i, taxes=tuple(groups[i.id])) if isinstance(i, TaxGroup) else i for i in items
    ]


def _policy(v: dict[str, Any]) -> TaxPolicy:
    method = RoundingMethod.PER_LINE if v["rounding"] == "per_line" else RoundingMethod.GLOBAL
    mode = Rounding[v.get("rounding_mode", "HALF_UP").replace("-", "_")]
    step = Decimal(v["precision"]) if "precision" in v else None
    cash = None
    if "cash_rounding" in v:
        spec = v["cash_rounding"]
        cash = CashRounding(
            rounding=Rounding[spec["method"].replace("-", "_")],
            overrides={v["currency"]: Decimal(spec["increment"])},
        )
    return TaxPolicy(
        method=method,
        rounding=RoundingPolicy(rounding=mode, step=step),
        global_base=GlobalBase(v.get("global_base", "rounded_lines")),
        compound_base=(
            CompoundBase.RAW
            if v.get("compound_base") == "raw_previous_taxes"
            else CompoundBase.ROUNDED
        ),
        jurisdictions=JurisdictionRounding(v.get("jurisdiction_rounding", "separate")),
        cash_rounding=cash,
    )


def _lines(v: dict[str, Any], *, taxes_override: list[Tax] | None = None) -> list[TaxableLine]:
    out = []
    for spec in v["lines"]:
        taxes = taxes_override if taxes_override is not None else _line_taxes(spec["taxes"])
        if spec.get("taxable") is False:
            taxes = []
        out.append(
            TaxableLine(
                quantity=Decimal(spec["quantity"]),
                unit_price=money(spec["unit_price"], v["currency"]),
                taxes=taxes,
                discount_percent=Decimal(spec.get("discount_percent", "0")),
            )
        )
    return out


def _charges(v: dict[str, Any]) -> list[AllowanceCharge]:
    by_id = {t["id"]: _tax(t) for line in v["lines"] for t in line["taxes"]}
    return [
        AllowanceCharge(
            kind=ChargeKind.CHARGE,
            amount=money(c["amount"], v["currency"]),
            reason=c["reason"],
            taxes=tuple(by_id[i] for i in c["tax_ids"]),
        )
        for c in v.get("document_charges", [])
    ]


def _run(v: dict[str, Any], policy: TaxPolicy, lines: list[TaxableLine] | None = None) -> TaxResult:
    options: dict[str, Any] = {}
    if "customer_exemption" in v:
        spec = v["customer_exemption"]
        options["exemptions"] = [
            ExemptionCertificate(
                certificate_id=spec["certificate_id"],
                jurisdictions=frozenset(spec["jurisdictions"]),
                valid_from=dt.date.fromisoformat(spec["valid_from"]),
                valid_to=dt.date.fromisoformat(spec["valid_to"]),
            )
        ]
        options["on"] = dt.date.fromisoformat(v["invoice_date"])
    if "early_payment_discount" in v:
        assert v["early_payment_discount"]["tax_mode"] == "mixed"
        options["tax_base_discount_percent"] = Decimal(v["early_payment_discount"]["percent"])
    return compute(
        _lines(v) if lines is None else lines,
        v["currency"],
        policy=policy,
        charges=_charges(v),
        **options,
    )


def _check_core(result: TaxResult, expected: dict[str, Any]) -> None:
    if "untaxed" in expected:
        assert result.untaxed.amount == Decimal(expected["untaxed"])
    for tax_id, amount in expected.get("tax_by_tax", {}).items():
        assert result.tax(tax_id).amount == Decimal(amount), tax_id
    if "tax_by_tax" in expected:
        assert {t.tax.id for t in result.taxes} == set(expected["tax_by_tax"])


@pytest.mark.parametrize("v", [pytest.param(v, id=v["id"]) for v in VECTORS])
def test_vector_expected(v: dict[str, Any]) -> None:
    policy = _policy(v)
    result = _run(v, policy)
    expected = v["expected"]
    _check_core(result, expected)
    assert result.total.amount == Decimal(expected["total"])
    assert result.policy == policy
    # Lines always sum to the document.
    assert sum(ln.net.amount for ln in result.lines + result.charges) == result.untaxed.amount
    for t in result.taxes:
        line_sum = sum(
            ta.amount.amount
            for ln in result.lines + result.charges
            for ta in ln.taxes
            if ta.tax.id == t.tax.id
        )
        assert line_sum == t.amount.amount, t.tax.id
    if "line_results" in expected:
        got = [(ln.net.amount, sum(ta.amount.amount for ta in ln.taxes)) for ln in result.lines]
        assert got == [(Decimal(r["untaxed"]), Decimal(r["tax"])) for r in expected["line_results"]]
    if "vat_breakdown" in expected:
        got_bd = [
            (b.category.value if b.category else None, b.percent, b.base.amount, b.amount.amount)
            for b in result.breakdown
        ]
        assert got_bd == [
            (b["category"], Decimal(b["rate"]), Decimal(b["base"]), Decimal(b["tax"]))
            for b in expected["vat_breakdown"]
        ]
        for b in result.breakdown:
            if b.category is not None and b.category.needs_exemption_reason:
                assert b.exemption_reason
    if "rounding_adjustment" in expected:
        assert result.rounding_adjustment.amount == Decimal(expected["rounding_adjustment"])
    else:
        assert result.rounding_adjustment.amount == 0
    if "cash_rounding_line" in expected:
        assert result.cash_rounding_amount.amount == Decimal(expected["cash_rounding_line"])
        assert result.amount_due.amount == Decimal(expected["amount_to_pay_cash"])
        # Cash rounding never changes tax.
        no_cash = _run(v, attrs.evolve(policy, cash_rounding=None))
        assert no_cash.taxes == result.taxes
    if "tax_base" in expected:
        for tax_id, base in expected["tax_base"].items():
            (total,) = [t for t in result.taxes if t.tax.id == tax_id]
            assert total.base.amount == Decimal(base)
    if "amount_due_if_paid_early" in expected:
        percent = result.tax_base_discount_percent
        assert percent is not None
        # "mixed": the tax was already computed on the discounted base, so the early payer
        # deducts the discount on the untaxed amount only.
        discount = RoundingPolicy().apply(
            money(result.untaxed.amount * percent / 100, v["currency"])
        )
        assert (result.total - discount).amount == Decimal(expected["amount_due_if_paid_early"])
    if "exempt_sales" in expected:
        assert result.exempt_sales.amount == Decimal(expected["exempt_sales"])
    if "notes" in expected:
        assert list(result.notes) == expected["notes"]
        assert [e.certificate_id for e in result.exemptions] == [
            v["customer_exemption"]["certificate_id"]
        ]
    if "aggregated_tax" in expected:
        aggregated = sum(t.amount.amount for t in result.taxes if t.tax.jurisdiction)
        assert aggregated == Decimal(expected["aggregated_tax"])
    if "fx" in v:
        fx = v["fx"]
        assert fx["rate_meaning"] == "document currency units per 1 company currency unit"
        restated = restate(
            result,
            fx["company_currency"],
            Decimal(fx["rate"]),
            quote=RateQuote.DOCUMENT_PER_COMPANY,
        )
        assert restated.currency.code == expected["company_currency"]
        assert restated.tax_total.amount == Decimal(expected["tax_company_currency"])
        assert restated.untaxed.amount == Decimal(expected["untaxed_company_currency"])
        assert "1.0823" in restated.rule


# How each alternative's policy text maps onto o2c options.
ALTERNATIVES: dict[str, dict[str, Any]] = {
    "base-first (Odoo <=16 test_rounding_tax_included_round_per_line_02)": {
        "included": IncludedRounding.TAX_FROM_GROSS
    },
    "round both independently (bug in odoo/odoo#46288)": {"included": IncludedRounding.INDEPENDENT},
    "per_line": {"method": RoundingMethod.PER_LINE},
    # The label says per line, but its numbers (3 x 0.08) round the tax of each unit.
    "item basis (per_line)": {"method": RoundingMethod.PER_UNIT},
    "global over raw line amounts (Odoo round_globally)": {"global_base": GlobalBase.RAW_LINES},
    "global over raw line amounts": {"global_base": GlobalBase.RAW_LINES},
    "compound on unrounded previous tax (ERPNext row totals; Odoo round_globally)": {
        "compound_base": CompoundBase.RAW
    },
    "round each jurisdiction separately": {"jurisdictions": JurisdictionRounding.SEPARATE},
    "derive base = gross - rounded taxes (Odoo)": {"included": IncludedRounding.NET_FROM_GROSS},
    "HALF_EVEN": {"rounding": RoundingPolicy(rounding=Rounding.HALF_EVEN, step=Decimal("1"))},
    "inter-state supply (IGST 18%)": {},
    "convert raw (unrounded) tax, or tax the converted base": {},
}

ALT_CASES = [
    pytest.param(v, i, id=f"{v['id']}[{i}]")
    for v in VECTORS
    for i, _ in enumerate(v.get("alternatives", []))
]


@pytest.mark.parametrize(("v", "i"), ALT_CASES)
def test_vector_alternative(v: dict[str, Any], i: int) -> None:
    alt = v["alternatives"][i]
    overrides = ALTERNATIVES[alt["policy"]]
    base_policy = _policy(v)
    if "method" in overrides:
        # A method change also resets the method's own default for price-included taxes.
        policy = TaxPolicy(
            method=overrides["method"],
            rounding=base_policy.rounding,
            global_base=base_policy.global_base,
            compound_base=base_policy.compound_base,
            jurisdictions=base_policy.jurisdictions,
            cash_rounding=base_policy.cash_rounding,
        )
    else:
        policy = attrs.evolve(base_policy, **overrides)
    if alt["policy"].startswith("convert raw"):
        fx = v["fx"]
        result = _run(v, policy)
        for method in (RestateMethod.CONVERT_RAW, RestateMethod.TAX_CONVERTED_BASE):
            restated = restate(
                result,
                fx["company_currency"],
                Decimal(fx["rate"]),
                quote=RateQuote.DOCUMENT_PER_COMPANY,
                method=method,
            )
            assert restated.tax_total.amount == Decimal(alt["tax_company_currency"]), method
        return
    lines = None
    if alt["policy"].startswith("inter-state"):
        lines = _lines(v, taxes_override=list(Tax.gst(18, intra_state=False)))
    result = _run(v, policy, lines)
    _check_core(result, alt)
    if alt["policy"].startswith("round both independently"):
        # The "bug" total leaves the independent rounding difference unbooked; o2c states it.
        assert result.rounding_adjustment.amount == Decimal("-0.01")
        total = result.total.amount - result.rounding_adjustment.amount
    else:
        total = result.total.amount
    assert total == Decimal(alt["total"])
