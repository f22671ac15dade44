"""Cash application: candidates, evidence, decisions, allocations, batches and ledger facts."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.cash_application import (
    CustomerProfile,
    MatchDecision,
    MatchPolicy,
    MatchResult,
    ResidualKind,
    apply,
    learn_aliases,
    match_payments,
    payment_facts,
)
from o2c.errors import ValidationError
from o2c.fx import InMemoryRates
from o2c.ledger import CustomerId, InvoiceIssued, ItemId, ItemKind, Ledger, OpenItem
from o2c.money import money, to_minor
from o2c.statement import Payment
from o2c.terms import DiscountOffer, Instalment
from tests.strategies import cash_application_batches

DAY = dt.date(2026, 3, 1)
AT = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)

CUSTOMERS = [
    CustomerProfile("C1", "Baltic Steel Inc."),
    CustomerProfile("C2", "Orion Furniture Co., Ltd."),
    CustomerProfile("C3", "Harbor Textiles GmbH"),
    CustomerProfile("C4", "Blue Sky Ltd"),
]


def item(
    item_id: str,
    customer: str,
    number: str,
    amount: str,
    *,
    currency: str = "EUR",
    discount: tuple[dt.date, str] | None = None,
    reference: str | None = None,
    due: dt.date | None = None,
) -> OpenItem:
    value = money(amount, currency)
    offers = ()
    if discount is not None:
        offers = (DiscountOffer(deadline=discount[0], amount=money(discount[1], currency)),)
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=ItemKind.CREDIT_MEMO if value.amount < 0 else ItemKind.INVOICE,
        document_number=number,
        document_date=DAY,
        due_date=due or DAY + dt.timedelta(days=30),
        original_amount=value,
        open_amount=value,
        payment_reference=reference,
        discounts=offers,
    )


def pay(
    pid: str,
    amount: str,
    *,
    currency: str = "EUR",
    name: str = "",
    account: str = "",
    reference: str = "",
    text: str = "",
    day: dt.date = DAY + dt.timedelta(days=5),
) -> Payment:
    return Payment(
        payment_id=pid,
        value_date=day,
        amount=money(amount, currency),
        payer_name=name,
        payer_account=account,
        reference=reference,
        remittance_info=text,
    )


ITEMS = [
    item("I1", "C1", "INV-2026-100001", "1000.00", discount=(DAY + dt.timedelta(days=10), "20.00")),
    item("I2", "C1", "INV-2026-100002", "250.00"),
    item("I3", "C1", "INV-2026-100003", "400.00"),
    item("I4", "C2", "0100004", "1234.56"),
    item("I5", "C2", "0100005", "500.00"),
    item("I6", "C2", "0100006", "500.00"),
    item("I7", "C3", "26/100007", "321.09", reference="RF62C3100007"),
    item("I8", "C4", "INV-2026-100008", "777.70"),
]


def one(payment: Payment, items: list[OpenItem] | None = None, **kw: object) -> MatchResult:
    [result] = match_payments(
        [payment], ITEMS if items is None else items, customers=CUSTOMERS, **kw
    )  # type: ignore[arg-type]
    return result


def applied(result: MatchResult) -> dict[str, str]:
    return {a.item_id: str(a.applied.amount) for a in result.allocations}


def residuals(result: MatchResult) -> list[tuple[str, str]]:
    return [(r.kind.value, str(r.amount.amount)) for a in result.allocations for r in a.residuals]


# -- amounts --------------------------------------------------------------------------------


def test_exact_reference_and_amount_is_posted() -> None:
    r = one(pay("P1", "250.00", name="BALTIC STEEL", reference="Rechnung inv-2026-100002"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I2": "250.00"}
    assert residuals(r) == []
    assert r.on_account.amount == 0
    assert r.confidence >= 0.95
    assert any("names I2" in line for line in r.explanation)


def test_discount_earned_within_deadline() -> None:
    r = one(pay("P1", "980.00", reference="INV-2026-100001", day=DAY + dt.timedelta(days=10)))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I1": "1000.00"}
    assert residuals(r) == [("discount", "20.00")]


def test_discount_taken_after_the_deadline_is_a_deduction() -> None:
    r = one(pay("P1", "980.00", reference="INV-2026-100001", day=DAY + dt.timedelta(days=11)))
    assert applied(r) == {"I1": "1000.00"}
    [res] = [x for a in r.allocations for x in a.residuals]
    assert res.kind is ResidualKind.DEDUCTION
    assert "after the deadline" in res.reason


def test_bank_fee_within_the_band() -> None:
    r = one(pay("P1", "1219.56", reference="0100004"))
    assert r.decision is MatchDecision.AUTO
    assert residuals(r) == [("bank_fee", "15.00")]


def test_fee_band_is_per_currency() -> None:
    policy = MatchPolicy(fee_bands={"EUR": Decimal("5")})
    r = one(pay("P1", "1219.56", reference="0100004"), policy=policy)
    assert residuals(r) == [("deduction", "15.00")]


def test_short_payment_with_reason_is_a_deduction() -> None:
    r = one(pay("P1", "1100.00", reference="0100004", text="less damaged goods"))
    assert applied(r) == {"I4": "1234.56"}
    [res] = [x for a in r.allocations for x in a.residuals]
    assert res.kind is ResidualKind.DEDUCTION
    assert "damaged" in res.reason


def test_stated_partial_payment_leaves_the_item_open() -> None:
    r = one(pay("P1", "1200.00", reference="0100004", text="partial payment"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I4": "1200.00"}
    assert r.allocations[0].partial


def test_large_short_payment_is_partial() -> None:
    r = one(pay("P1", "300.00", name="Orion Furniture Co., Ltd.", reference="0100004"))
    assert applied(r) == {"I4": "300.00"}
    assert r.allocations[0].partial


def test_part_of_a_document_from_an_unknown_payer_is_not_posted() -> None:
    # Nothing says the payer is the document's customer nor that it pays a part: the number
    # may name another document (a digit typed wrong), so a person decides.
    r = one(pay("P1", "300.00", reference="0100004"))
    assert r.decision is MatchDecision.SUGGEST
    assert any("not known as its customer" in e for e in r.explanation)


def test_overpayment_goes_on_account() -> None:
    r = one(pay("P1", "300.00", reference="INV-2026-100002"))
    assert applied(r) == {"I2": "250.00"}
    assert str(r.on_account.amount) == "50.00"


def test_several_named_items_add_up() -> None:
    r = one(pay("P1", "1650.00", text="INV-2026-100001, -100002 and -100003"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I1": "1000.00", "I2": "250.00", "I3": "400.00"}


def test_subset_of_named_items() -> None:
    r = one(pay("P1", "1400.00", text="INV-2026-100001 INV-2026-100002 INV-2026-100003"))
    assert applied(r) == {"I1": "1000.00", "I3": "400.00"}


def test_subset_sum_without_reference_for_a_known_payer() -> None:
    r = one(pay("P1", "1250.00", name="Baltic Steel Inc."))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I1": "1000.00", "I2": "250.00"}


def test_two_equal_items_without_reference_are_never_posted() -> None:
    r = one(pay("P1", "500.00", name="Orion Furniture Co., Ltd."))
    assert r.decision is not MatchDecision.AUTO
    assert r.allocations == ()
    assert {s.allocations[0].item_id for s in r.suggestions} == {"I5", "I6"}


def test_unrelated_payment_is_left() -> None:
    r = one(pay("P1", "777.70", name="Someone Else AG", reference="REFUND"))
    assert r.decision is not MatchDecision.AUTO


def test_amount_alone_is_at_most_a_suggestion() -> None:
    r = one(pay("P1", "321.09", name="Nobody Known"))
    assert r.decision is not MatchDecision.AUTO
    assert r.suggestions
    assert r.suggestions[0].allocations[0].item_id == "I7"


def test_creditor_reference_and_repair() -> None:
    assert applied(one(pay("P1", "321.09", reference="RF62 C310 0007"))) == {"I7": "321.09"}
    repaired = one(pay("P1", "321.09", reference="RF62 C310 0008"))
    assert applied(repaired) == {"I7": "321.09"}
    assert "repaired_reference" in " ".join(repaired.explanation)


def test_fuzzy_reference_confirmed_by_amount_and_customer() -> None:
    r = one(pay("P1", "1234.56", name="Orion Furniture", reference="0100040"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I4": "1234.56"}
    assert any("one edit" in line for line in r.explanation)


def test_numbers_that_only_look_like_references_do_not_match() -> None:
    r = one(pay("P1", "99.00", reference="ORDER 0100004 of 12.03.2026, EUR 1.234,56"))
    assert r.decision is MatchDecision.LEAVE
    assert r.allocations == ()


def test_credit_memo_netted_with_invoice() -> None:
    items = [*ITEMS, item("CM1", "C1", "CN-2026-9001", "-50.00")]
    r = one(pay("P1", "200.00", reference="INV-2026-100002 less CN-2026-9001"), items)
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I2": "250.00", "CM1": "-50.00"}
    assert sum(a.paid.amount for a in r.allocations) == Decimal("200.00")


def test_payment_in_another_currency_through_the_rates() -> None:
    rates = InMemoryRates.from_rows([(DAY, "EUR", "USD", Decimal("1.1000"))], pivot="EUR")
    r = one(
        pay("P1", "275.80", currency="USD", reference="INV-2026-100002", day=DAY),
        rates=rates,
    )
    assert r.decision is MatchDecision.AUTO
    [a] = r.allocations
    assert str(a.applied.amount) == "250.00"
    assert a.paid == money("275.80", "USD")
    assert [x.kind for x in a.residuals] == [ResidualKind.FX_DIFFERENCE]
    assert a.rate is not None


# -- payer identification --------------------------------------------------------------------


def test_known_account_identifies_the_customer() -> None:
    customers = [CustomerProfile("C1", "Baltic Steel Inc.", accounts=frozenset({"DE001"}))]
    [r] = match_payments([pay("P1", "400.00", account="DE 001")], ITEMS, customers=customers)
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I3": "400.00"}


def test_accounts_are_learned_within_a_batch_from_strong_references() -> None:
    payments = [
        pay("P1", "250.00", name="Parent Holding", account="XX99", reference="INV-2026-100002"),
        pay("P2", "400.00", name="Parent Holding", account="XX99"),
    ]
    results = match_payments(payments, ITEMS, customers=CUSTOMERS)
    assert [applied(r) for r in results] == [{"I2": "250.00"}, {"I3": "400.00"}]
    assert all(r.decision is MatchDecision.AUTO for r in results)


def test_learn_aliases_makes_a_parent_known() -> None:
    first = one(pay("P1", "250.00", name="Mega Parent AG", reference="INV-2026-100002"))
    assert first.decision is MatchDecision.AUTO
    customers = learn_aliases(CUSTOMERS, [first])
    [c1] = [c for c in customers if c.customer_id == "C1"]
    assert "Mega Parent AG" in c1.aliases
    [later] = match_payments(
        [pay("P2", "400.00", name="MEGA PARENT AG")], ITEMS, customers=customers
    )
    assert later.decision is MatchDecision.AUTO
    assert applied(later) == {"I3": "400.00"}


# -- batches ---------------------------------------------------------------------------------


def test_duplicate_payment_goes_on_account() -> None:
    payments = [
        pay("P2", "250.00", reference="INV-2026-100002", day=DAY + dt.timedelta(days=6)),
        pay("P1", "250.00", reference="INV-2026-100002"),
    ]
    first, second = match_payments(payments, ITEMS, customers=CUSTOMERS)
    assert second.decision is MatchDecision.AUTO
    assert applied(second) == {"I2": "250.00"}
    assert first.allocations == ()
    assert first.on_account == money("250.00", "EUR")
    assert "already settled" in " ".join(first.explanation)


def test_partial_payments_share_an_item_without_over_applying() -> None:
    payments = [
        pay("P1", "600.00", reference="0100004", text="1st instalment"),
        pay(
            "P2",
            "634.56",
            reference="0100004",
            text="2nd instalment",
            day=DAY + dt.timedelta(days=9),
        ),
    ]
    results = match_payments(payments, ITEMS, customers=CUSTOMERS)
    assert [applied(r) for r in results] == [{"I4": "600.00"}, {"I4": "634.56"}]


def test_debits_and_reversals_are_left() -> None:
    [r] = match_payments([pay("P1", "-250.00", reference="INV-2026-100002")], ITEMS)
    assert r.decision is MatchDecision.LEAVE


def test_threshold_policy_changes_the_decision() -> None:
    strict = MatchPolicy(auto_threshold=0.999)
    r = one(pay("P1", "1219.56", reference="0100004"), policy=strict)
    assert r.decision is MatchDecision.SUGGEST
    assert r.suggestions[0].allocations[0].item_id == "I4"


@given(cash_application_batches())
def test_allocations_plus_residuals_equal_the_payment(batch: tuple) -> None:  # type: ignore[type-arg]
    customers, items, payments = batch
    for r in match_payments(payments, items, customers=customers):
        total = sum((a.paid.amount for a in r.allocations), Decimal(0)) + r.on_account.amount
        assert total == r.payment.amount.amount
        for a in r.allocations:
            extra = sum((x.amount.amount for x in a.residuals), Decimal(0))
            assert a.paid.amount + extra == a.applied.amount


@given(cash_application_batches())
def test_no_item_is_over_applied_in_a_batch(batch: tuple) -> None:  # type: ignore[type-arg]
    customers, items, payments = batch
    open_by_id = {i.item_id: i.open_amount.amount for i in items}
    used: dict[str, Decimal] = defaultdict(Decimal)
    for r in match_payments(payments, items, customers=customers):
        if r.decision is MatchDecision.AUTO:
            for a in r.allocations:
                used[a.item_id] += a.applied.amount
    for item_id, total in used.items():
        assert abs(total) <= abs(open_by_id[item_id])


@given(cash_application_batches())
def test_decisions_do_not_depend_on_payment_order(batch: tuple) -> None:  # type: ignore[type-arg]
    customers, items, payments = batch
    forward = match_payments(payments, items, customers=customers)
    shuffled = list(payments)
    random.Random(len(payments)).shuffle(shuffled)
    backward = {r.payment_id: r for r in match_payments(shuffled, items, customers=customers)}
    for r in forward:
        other = backward[r.payment_id]
        assert (r.decision, r.allocations, r.confidence) == (
            other.decision,
            other.allocations,
            other.confidence,
        )


def test_results_are_deterministic() -> None:
    payments = [pay(f"P{i}", "500.00", name="Orion Furniture") for i in range(3)]
    assert match_payments(payments, ITEMS, customers=CUSTOMERS) == match_payments(
        payments, ITEMS, customers=CUSTOMERS
    )


# -- ledger ----------------------------------------------------------------------------------


def _ledger(items: list[OpenItem]) -> Ledger:
    ledger = Ledger()
    ledger.append(
        InvoiceIssued.from_instalments(
            fact_id=f"inv:{i.item_id}",
            customer_id=i.customer_id,
            item_id=i.item_id,
            document_number=i.document_number,
            document_date=i.document_date,
            recorded_at=AT - dt.timedelta(days=30),
            instalments=[
                Instalment(
                    number=1, due_date=i.due_date, amount=i.open_amount, discounts=i.discounts
                )
            ],
        )
        for i in items
        if i.open_amount.amount > 0
    )
    return ledger


def test_apply_appends_facts_and_twice_changes_nothing() -> None:
    ledger = _ledger(ITEMS)
    payments = [
        pay("P1", "980.00", reference="INV-2026-100001", day=DAY + dt.timedelta(days=10)),
        pay("P2", "300.00", reference="INV-2026-100002"),
        pay("P3", "500.00", name="Orion Furniture"),
    ]
    results = match_payments(
        payments, ledger.open_items(DAY + dt.timedelta(days=20)), customers=CUSTOMERS
    )
    report = apply(results, ledger, recorded_at=AT)
    assert report.appended == 4  # two payments received, two allocations
    assert report.skipped == (("P3", "suggest"),)
    open_now = {
        i.item_id: i.open_amount.amount for i in ledger.open_items(DAY + dt.timedelta(days=20))
    }
    assert "I1" not in open_now
    assert "I2" not in open_now
    assert ledger.unapplied("P2", customer_id="C1") == money("50.00", "EUR")
    again = apply(results, ledger, recorded_at=AT + dt.timedelta(hours=1))
    assert again.appended == 0
    assert again.unchanged == 4


def test_facts_for_refuses_a_suggestion() -> None:
    r = one(pay("P1", "500.00", name="Orion Furniture"))
    with pytest.raises(ValidationError):
        payment_facts(r, recorded_at=AT)


def test_fact_ids_derive_from_payment_and_item() -> None:
    r = one(pay("P1", "250.00", reference="INV-2026-100002"))
    ids = [f.fact_id for f in payment_facts(r, recorded_at=AT)]
    assert ids == ["payment:P1", "allocation:P1:I2"]


def test_minor_units_survive_the_allocations() -> None:
    items = [item("J1", "C2", "0200001", "130074", currency="JPY")]
    r = one(pay("P1", "130074", currency="JPY", reference="0200001"), items)
    assert to_minor(r.allocations[0].applied) == 130074


# -- structured remittance and conflicting evidence ------------------------------------------


def test_structured_remittance_states_the_allocation() -> None:
    from o2c.statement import RemittanceDocument

    documents = (
        RemittanceDocument(
            number="INV-2026-100001",
            amount_paid=money("980.00", "EUR"),
            discount=money("20.00", "EUR"),
        ),
        RemittanceDocument(
            number="INV-2026-100003",
            amount_paid=money("390.00", "EUR"),
            adjustment=money("10.00", "EUR"),
            adjustment_reason="DAMG",
        ),
    )
    p = Payment(
        payment_id="P1",
        value_date=DAY + dt.timedelta(days=5),
        amount=money("1370.00", "EUR"),
        documents=documents,
    )
    r = one(p)
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I1": "1000.00", "I3": "400.00"}
    assert residuals(r) == [("discount", "20.00"), ("deduction", "10.00")]
    assert [x.reason for a in r.allocations for x in a.residuals][1] == "damaged goods (DAMG)"


def test_reference_to_one_item_with_the_amount_of_another_is_not_posted() -> None:
    # INV-2026-100003 is open for 400.00; the payer names it but pays 250.00, exactly I2.
    r = one(pay("P1", "250.00", name="Baltic Steel Inc.", reference="INV-2026-100003"))
    assert r.decision is MatchDecision.SUGGEST
    assert {s.allocations[0].item_id for s in r.suggestions} >= {"I2", "I3"}


def test_named_item_plus_unnamed_rest_ties_with_money_on_account() -> None:
    r = one(pay("P1", "650.00", name="Baltic Steel Inc.", reference="INV-2026-100003"))
    assert r.decision is MatchDecision.SUGGEST
    keys = [sorted(a.item_id for a in s.allocations) for s in r.suggestions]
    assert ["I2", "I3"] in keys
    assert ["I3"] in keys


def test_instalment_suffix_is_not_a_list() -> None:
    r = one(pay("P1", "400.00", reference="INV-2026-100003/1"))
    assert applied(r) == {"I3": "400.00"}
    assert r.decision is MatchDecision.AUTO


def test_apply_a_payment_in_another_currency() -> None:
    ledger = _ledger(ITEMS)
    rates = InMemoryRates.from_rows([(DAY, "EUR", "USD", Decimal("1.1000"))], pivot="EUR")
    p = pay("P9", "276.00", currency="USD", reference="INV-2026-100002", day=DAY)
    results = match_payments([p], ledger.open_items(DAY), customers=CUSTOMERS, rates=rates)
    assert results[0].decision is MatchDecision.AUTO
    facts = payment_facts(results[0], recorded_at=AT)
    allocation = facts[-1]
    # USD 276.00 is worth EUR 250.91: just enough of it settles the item, the rest stays
    # unapplied (the ledger records no negative FX difference).
    assert allocation.source_amount == money("275.00", "USD")  # type: ignore[union-attr]
    assert allocation.settled == Decimal("250.00")  # type: ignore[union-attr]
    report = apply(results, ledger, recorded_at=AT)
    assert report.appended == 2
    assert "I2" not in {i.item_id for i in ledger.open_items(DAY)}
    assert ledger.unapplied("P9", customer_id="C1") == money("1.00", "USD")


def test_small_difference_is_written_off() -> None:
    r = one(pay("P1", "1233.90", reference="0100004"))
    assert r.decision is MatchDecision.AUTO
    assert residuals(r) == [("write_off", "0.66")]
    yen = [item("J1", "C2", "0200001", "130074", currency="JPY")]
    assert residuals(one(pay("P2", "130000", currency="JPY", reference="0200001"), yen)) == [
        ("write_off", "74")
    ]


def test_unnamed_credit_memo_netted_with_a_named_invoice() -> None:
    items = [*ITEMS, item("CM1", "C1", "CN-2026-9001", "-50.00")]
    r = one(pay("P1", "200.00", name="Baltic Steel Inc.", reference="INV-2026-100002"), items)
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I2": "250.00", "CM1": "-50.00"}


def test_credit_memo_in_a_subset_without_reference() -> None:
    items = [*ITEMS, item("CM1", "C1", "CN-2026-9001", "-50.00")]
    r = one(pay("P1", "600.00", name="Baltic Steel Inc."), items)
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I2": "250.00", "I3": "400.00", "CM1": "-50.00"}


def test_no_item_is_over_applied_across_batches() -> None:
    from o2c.errors import OverApplicationError

    ledger = _ledger(ITEMS)
    as_of = DAY + dt.timedelta(days=20)
    first = [pay("P1", "250.00", reference="INV-2026-100002")]
    apply(
        match_payments(first, ledger.open_items(as_of), customers=CUSTOMERS), ledger, recorded_at=AT
    )
    # The next batch sees the ledger's open items: I2 is gone, the repeat goes on account.
    second = [pay("P2", "250.00", reference="INV-2026-100002")]
    [r] = match_payments(second, ledger.open_items(as_of), customers=CUSTOMERS)
    assert r.allocations == ()
    # Matching against stale open items cannot over-apply either: the ledger refuses it whole.
    stale = match_payments(second, ITEMS, customers=CUSTOMERS)
    assert stale[0].decision is MatchDecision.AUTO
    before = len(list(ledger.facts()))
    with pytest.raises(OverApplicationError):
        apply(stale, ledger, recorded_at=AT)
    assert len(list(ledger.facts())) == before


def test_a_repeated_payment_id_is_two_payments() -> None:
    payments = [pay("P1", "250.00", reference="INV-2026-100002")] * 2
    first, second = match_payments(payments, ITEMS, customers=CUSTOMERS)
    assert applied(first) == {"I2": "250.00"}
    assert second.allocations == ()


@given(
    st.lists(
        st.tuples(
            st.text(max_size=30),
            st.text(max_size=60),
            st.integers(min_value=-100_000, max_value=10_000_000),
            st.sampled_from(["EUR", "USD", "JPY"]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_junk_payments_never_break_the_matcher(rows: list[tuple[str, str, int, str]]) -> None:
    from o2c.money import from_minor

    payments = [
        Payment(
            payment_id=f"J{k}",
            value_date=DAY,
            amount=from_minor(units, code),
            payer_name=name,
            reference=text,
            remittance_info=text[::-1],
        )
        for k, (name, text, units, code) in enumerate(rows)
    ]
    for r in match_payments(payments, ITEMS, customers=CUSTOMERS):
        total = sum((a.paid.amount for a in r.allocations), Decimal(0)) + r.on_account.amount
        assert total == r.payment.amount.amount
        assert 0.0 <= r.confidence <= 1.0


def test_named_items_plus_an_unnamed_rest_is_not_posted_as_money_on_account() -> None:
    # A list cut short: I1 and I2 named, the payment also covers I3 (the only subset of the
    # known payer's items that adds up, and it contains the named ones).
    r = one(pay("P1", "1650.00", name="Baltic Steel", text="INV-2026-100001, INV-2026-100002"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I1": "1000.00", "I2": "250.00", "I3": "400.00"}
    # Without a recognised payer the rest is only suggested, never posted on account.
    r = one(pay("P2", "1650.00", text="INV-2026-100001, INV-2026-100002"))
    assert r.decision is MatchDecision.SUGGEST
    keys = [sorted(a.item_id for a in s.allocations) for s in r.suggestions]
    assert ["I1", "I2", "I3"] in keys


def test_numbers_glued_together_are_split() -> None:
    r = one(pay("P1", "650.00", reference="INV-2026-100002INV-2026-100003"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I2": "250.00", "I3": "400.00"}


def test_overpayment_beyond_twice_the_item_is_not_posted() -> None:
    r = one(pay("P1", "800.00", name="Baltic Steel Inc.", reference="INV-2026-100002"))
    assert r.decision is not MatchDecision.AUTO


def test_overpayment_with_another_unresolved_number_is_not_posted() -> None:
    r = one(pay("P1", "260.00", reference="INV INV-2026-100002; INV-2026-1099"))
    assert r.decision is MatchDecision.SUGGEST
    assert "other numbers" in " ".join(r.explanation)
    plain = one(pay("P2", "260.00", reference="INV-2026-100002"))
    assert plain.decision is MatchDecision.AUTO


def test_reference_in_the_name_field() -> None:
    r = one(pay("P1", "400.00", name="BALTIC STEEL INV-2026-100003"))
    assert r.decision is MatchDecision.AUTO
    assert applied(r) == {"I3": "400.00"}


def test_customer_number_in_the_text() -> None:
    customers = [*CUSTOMERS, CustomerProfile("2026", "Numbered Customer AG")]
    items = [*ITEMS, item("N1", "2026", "X-1", "777.70")]
    # "2026" alone is a year, not the customer; labelled it is the customer.
    [bare] = match_payments([pay("P1", "400.00", reference="2026")], items, customers=customers)
    assert bare.decision is not MatchDecision.AUTO
    [labelled] = match_payments(
        [pay("P2", "400.00", name="Someone", reference="CUST C1")], items, customers=customers
    )
    assert labelled.decision is MatchDecision.AUTO
    assert applied(labelled) == {"I3": "400.00"}
