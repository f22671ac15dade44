"""Every case of ../shared/vectors/terms.json, mapped onto o2c terms and checked.

The vectors describe terms neutrally (``lines[].due`` as steps, ``discount.tiers``); the mapping
below turns each into :class:`o2c.terms.PaymentTerms` and, for good measure, checks that the terms
print to notation that parses back equal.  ``anchor_result`` (what an anchor wrongly outputs) is
checked to differ from o2c's answer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from o2c.calendars import BusinessDayConvention, WeekendCalendar
from o2c.money import CashRounding, Rounding, money
from o2c.ports import Calendar
from o2c.terms import (
    AddDays,
    AddMonths,
    AddWeeks,
    CutOff,
    DateStep,
    DiscountBase,
    DiscountTier,
    EndOfMonth,
    LineKind,
    MonthDay,
    PaymentDays,
    PaymentTerms,
    Postpone,
    Schedule,
    TermLine,
)
from tests.conftest import load_vectors

VECTORS = load_vectors("terms.json")


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _steps(raw: list[dict[str, Any]], roll: dict[str, Any]) -> tuple[DateStep, ...]:
    """Vector steps as o2c steps; a ``business_day`` step is recorded in ``roll``."""
    steps: list[DateStep] = []
    for step in raw:
        op = step["op"]
        if op == "add_days":
            steps.append(AddDays(step["n"]))
        elif op == "add_weeks":
            steps.append(AddWeeks(step["n"]))
        elif op == "add_months":
            steps.append(AddMonths(step["n"]))
        elif op == "end_of_month":
            steps.append(EndOfMonth())
        elif op == "next_month_day":
            steps.append(MonthDay(step["day"]))
        elif op == "next_payment_day":
            steps.append(PaymentDays(step["days"]))
        elif op == "cutoff_to_next_month":
            steps.append(CutOff(step["after_day"]))
        elif op == "holiday_table":
            steps.append(
                Postpone((_date(r["date"]), _date(r["postpone_to"])) for r in step["table"])
            )
        elif op == "business_day":
            roll["convention"] = BusinessDayConvention(step["convention"])
            roll["calendar"] = WeekendCalendar(
                weekend=step["weekend"], holidays=[_date(d) for d in step["holidays"]]
            )
        else:  # pragma: no cover - a new op in the vectors must be mapped
            pytest.fail(f"unmapped op {op!r}")
    return tuple(steps)


def _tier(raw: dict[str, Any], roll: dict[str, Any]) -> DiscountTier:
    return DiscountTier(percent=Decimal(raw["percent"]), deadline=_steps(raw["deadline"], roll))


def to_terms(vector: dict[str, Any]) -> tuple[PaymentTerms, dict[str, Any]]:
    """The vector's term as PaymentTerms, plus schedule() keyword arguments it implies."""
    term = vector["term"]
    roll: dict[str, Any] = {}
    lines = []
    for raw in term["lines"]:
        kind = LineKind(raw["value_type"])
        due = _steps(raw["due"], roll)
        tiers = (_tier(raw["discount"], roll),) if "discount" in raw else ()
        if kind is LineKind.PERCENT:
            lines.append(TermLine.of_percent(raw["value"], due, discounts=tiers))
        elif kind is LineKind.FIXED:
            lines.append(
                TermLine.of_amount(money(raw["value"], vector["currency"]), due, discounts=tiers)
            )
        else:
            lines.append(TermLine.balance(due, discounts=tiers))
    options: dict[str, Any] = {}
    discount = term.get("discount")
    if discount is not None:
        options["discounts"] = tuple(_tier(t, roll) for t in discount["tiers"])
        if discount["basis"] == "untaxed":
            options["discount_base"] = DiscountBase.UNTAXED
        elif discount.get("split_tax"):
            options["discount_base"] = DiscountBase.MIXED
        for t in discount["tiers"]:
            assert t.get("anchor", "baseline") == "baseline"  # o2c counts tiers from the baseline
    elif any("discount" in raw for raw in term["lines"]):
        # Odoo's per-line discounts: 'included' reduces the tax too, 'excluded' never does.
        treatment = term["tax_treatment"]
        options["discount_base"] = (
            DiscountBase.UNTAXED if treatment == "excluded" else DiscountBase.MIXED
        )
    if "date_preprocess" in term:
        options["baseline_rules"] = _steps(term["date_preprocess"], roll)
    kwargs: dict[str, Any] = {}
    if "convention" in roll:
        options["convention"] = roll["convention"]
        calendar: Calendar = roll["calendar"]
        kwargs["calendar"] = calendar
    if "cash_rounding" in term:
        cash = term["cash_rounding"]
        kwargs["cash_rounding"] = CashRounding(
            rounding=Rounding[cash["method"]],
            overrides={vector["currency"]: Decimal(cash["step"])},
        )
    return PaymentTerms(lines=tuple(lines), **options), kwargs


def run(vector: dict[str, Any]) -> Schedule:
    terms, kwargs = to_terms(vector)
    code = vector["currency"]
    for name in ("invoice_untaxed", "invoice_tax"):
        if name in vector:
            kwargs[name.removeprefix("invoice_")] = money(vector[name], code)
    return terms.schedule(
        _date(vector["invoice_date"]), money(vector["invoice_total"], code), **kwargs
    )


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["id"]) for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    schedule = run(vector)
    code = vector["currency"]
    expected = vector["expected"]
    got = [(i.due_date.isoformat(), str(i.amount.amount)) for i in schedule.instalments]
    want = [(e["due_date"], e["amount"]) for e in expected["installments"]]
    assert got == want
    assert sum(i.amount.amount for i in schedule.instalments) == schedule.total.amount
    assert all(i.amount.currency.code == code for i in schedule.instalments)
    if "anchor_result" in vector:
        anchor = [(e["due_date"], e["amount"]) for e in vector["anchor_result"]]
        assert got != anchor

    discount = expected["discount"]
    if discount is None:
        assert all(not i.discounts for i in schedule.instalments)
        return
    assert discount["deadline_inclusive"] is True
    if "tiers" in discount:
        (inst,) = schedule.instalments
        assert len(inst.discounts) == len(discount["tiers"])
        for offer, tier in zip(inst.discounts, discount["tiers"], strict=True):
            assert offer.deadline.isoformat() == tier["deadline"]
            assert offer.percent == Decimal(tier["percent"])
            assert str(offer.amount.amount) == tier["discount_amount"]
            assert offer.amount_due is not None
            assert str(offer.amount_due.amount) == tier["amount_due_if_paid_by_deadline"]
            if "split" in tier:
                assert offer.untaxed_part is not None
                assert offer.tax_part is not None
                assert str(offer.untaxed_part.amount) == tier["split"]["on_untaxed"]
                assert str(offer.tax_part.amount) == tier["split"]["on_tax"]
            # Deadline inclusive: paying the discounted amount on the deadline earns it all,
            # a day later earns nothing.
            paid = offer.amount_due
            assert schedule.discount_for(paid, offer.deadline).amount == offer.amount
            if offer.tier == len(inst.discounts):
                late = offer.deadline + dt.timedelta(days=1)
                assert schedule.discount_for(paid, late).amount.amount == 0
    if "per_installment" in discount:
        offered = {i.number: i.discounts for i in schedule.instalments}
        numbers = {p["installment"] for p in discount["per_installment"]}
        assert {n for n, d in offered.items() if d} == numbers
        for p in discount["per_installment"]:
            (offer,) = offered[p["installment"]]
            assert offer.deadline.isoformat() == p["deadline"]
            assert offer.percent == Decimal(p["percent"])
            assert offer.amount_due is not None
            assert str(offer.amount_due.amount) == p["amount_due_if_paid_by_deadline"]
    if "annualised_cost_of_forgoing" in discount:
        costs = discount["annualised_cost_of_forgoing"]
        q = Decimal("0.0001")
        assert schedule.cost_of_forgoing(year_days=365).nominal.quantize(q) == Decimal(
            costs["nominal_365"]
        )
        assert schedule.cost_of_forgoing(year_days=360).nominal.quantize(q) == Decimal(
            costs["nominal_360"]
        )
        assert schedule.cost_of_forgoing(year_days=365).effective.quantize(q) == Decimal(
            costs["effective_365"]
        )


@pytest.mark.parametrize("vector", [pytest.param(v, id=v["id"]) for v in VECTORS])
def test_vector_terms_print_and_parse_back(vector: dict[str, Any]) -> None:
    terms, _ = to_terms(vector)
    assert PaymentTerms.parse(str(terms)) == terms


def test_all_35_vectors_are_present() -> None:
    assert len(VECTORS) == 35
    assert len({v["id"] for v in VECTORS}) == 35
