"""Several open items paid together without a reference: a set that adds up exactly."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from o2c.cash_application import CustomerProfile, MatchDecision, MatchPolicy, match_payments
from o2c.cash_application.payers import _Payer
from o2c.cash_application.unnamed import _rival_odds, _subset_confidence
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.statement import Payment
from o2c.terms import DiscountOffer
from tests.strategies import cash_application_batches

DAY = dt.date(2026, 3, 1)
CUSTOMERS = [
    CustomerProfile("C1", "Baltic Steel Inc."),
    CustomerProfile("C2", "Orion Furniture Co., Ltd."),
    CustomerProfile("C3", "Harbor Textiles GmbH"),
]
#: A payment service that pays for C1 and C2 (its account and name say nothing of which).
SERVICE = {"DE02120300000000202051": frozenset({"C1", "C2"})}


def item(
    item_id: str, customer: str, amount: str, discount: str = "", number: str = ""
) -> OpenItem:
    value = money(amount, "EUR")
    offers = ()
    if discount:
        offers = (
            DiscountOffer(deadline=DAY + dt.timedelta(days=10), amount=money(discount, "EUR")),
        )
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=ItemKind.INVOICE,
        document_number=number or f"INV-2026-{item_id}",
        document_date=DAY,
        due_date=DAY + dt.timedelta(days=30),
        original_amount=value,
        open_amount=value,
        discounts=offers,
    )


def pay(amount: str, *, name: str = "", account: str = "") -> Payment:
    return Payment(
        payment_id="P1",
        value_date=DAY + dt.timedelta(days=5),
        amount=money(amount, "EUR"),
        payer_name=name,
        payer_account=account,
    )


def one(payment: Payment, items: list[OpenItem]) -> tuple[MatchDecision, set[str]]:
    [r] = match_payments([payment], items, customers=CUSTOMERS, shared_payers=SERVICE)
    best = r.allocations or (r.suggestions[0].allocations if r.suggestions else ())
    return r.decision, {a.item_id for a in best}


ITEMS = [
    item("A1", "C1", "1843.17"),
    item("A2", "C1", "912.44"),
    item("A3", "C1", "377.05"),
    item("B1", "C2", "2210.61"),
    item("B2", "C2", "655.90"),
]


def test_a_unique_set_of_one_member_of_a_payment_service_is_posted() -> None:
    # 1843.17 + 377.05: only C1's items add up; C2's were searched and do not.
    decision, items = one(pay("2220.22", account="DE02120300000000202051"), ITEMS)
    assert decision is MatchDecision.AUTO
    assert items == {"A1", "A3"}


def test_sets_of_two_members_of_a_payment_service_are_a_tie() -> None:
    # 2220.22 is also C2's B1 + a new item of 9.61: either member may have paid.
    items = [*ITEMS, item("B3", "C2", "9.61")]
    decision, _ = one(pay("2220.22", account="DE02120300000000202051"), items)
    assert decision is not MatchDecision.AUTO


def test_a_set_at_full_amounts_and_another_less_the_discounts_are_a_tie() -> None:
    # A1 + A3 at open amounts, and A4 + A5 less its earned 12.44 discount (1232.66 + 987.56):
    # two readings of the same payment, so neither is posted.
    items = [*ITEMS, item("A4", "C1", "1232.66"), item("A5", "C1", "1000.00", discount="12.44")]
    base = one(pay("2220.22", name="Baltic Steel Inc."), ITEMS)
    assert base[0] is MatchDecision.AUTO
    decision, _ = one(pay("2220.22", name="Baltic Steel Inc."), items)
    assert decision is not MatchDecision.AUTO


def test_a_weak_name_alone_with_a_likely_coincidence_is_not_posted() -> None:
    # Many small round items: sums fall on most cents near the amount (a coincidence is likely).
    items = [item(f"R{k}", "C3", f"{100 + k}.00") for k in range(16)]
    decision, _ = one(pay("1000.00", name="Harbor"), items)
    assert decision is not MatchDecision.AUTO


def payer(**scores: float) -> _Payer:
    best = max(scores, key=lambda c: (scores[c], c))
    return _Payer(scores, {}, best, scores[best])


@given(
    st.floats(1e-7, 0.5),
    st.floats(1e-7, 0.5),
    st.floats(0.05, 1.0),
    st.floats(0.05, 1.0),
)
def test_the_subset_score_falls_with_coincidence_and_rises_with_the_payer(
    d1: float, d2: float, s1: float, s2: float
) -> None:
    policy = MatchPolicy()
    lo_d, hi_d = sorted((d1, d2))
    lo_s, hi_s = sorted((s1, s2))
    odds = _rival_odds(payer(C1=hi_s, C2=0.5), "C1", policy)
    weaker = _rival_odds(payer(C1=lo_s, C2=0.5), "C1", policy)
    amount = 1_000_000
    assert _subset_confidence(lo_d, odds, 1.0, amount, policy) >= _subset_confidence(
        hi_d, odds, 1.0, amount, policy
    )
    assert _subset_confidence(lo_d, odds, 1.0, amount, policy) >= _subset_confidence(
        lo_d, weaker, 1.0, amount, policy
    )
    assert 0.0 <= _subset_confidence(hi_d, weaker, 1.0, amount, policy) <= 0.99


@given(cash_application_batches(), st.integers(0, 2**16))
def test_decisions_do_not_depend_on_the_order_of_items_or_payments(
    batch: tuple,  # type: ignore[type-arg]
    seed: int,
) -> None:
    customers, items, payments = batch
    forward = match_payments(payments, items, customers=customers)
    rng = random.Random(seed)
    items2, payments2, customers2 = list(items), list(payments), list(customers)
    rng.shuffle(items2)
    rng.shuffle(payments2)
    rng.shuffle(customers2)
    backward = {r.payment_id: r for r in match_payments(payments2, items2, customers=customers2)}
    for r in forward:
        other = backward[r.payment_id]
        assert (r.decision, r.allocations, r.confidence) == (
            other.decision,
            other.allocations,
            other.confidence,
        )


# -- a reference one edit from a document ----------------------------------------------------

TYPO_ITEMS = [
    *ITEMS,
    item("T1", "C1", "4419.90", number="INV/2026/010617"),
    # another customer's item of the same amount
    item("T2", "C4", "4419.90", number="INV/2026/010233"),
]


def typo(reference: str, items: list[OpenItem]) -> tuple[MatchDecision, set[str]]:
    p = Payment(
        payment_id="P1",
        value_date=DAY + dt.timedelta(days=5),
        amount=money("4419.90", "EUR"),
        payer_name="PAYFLOW SERVICES",
        payer_account="DE02120300000000202051",
        reference=reference,
    )
    return one(p, items)


def test_a_typo_of_the_only_item_of_the_amount_among_the_payers_customers_is_posted() -> None:
    # T2 has the amount too, but C4 is no customer the payment service pays for.
    decision, items = typo("INV2026010611", TYPO_ITEMS)
    assert (decision, items) == (MatchDecision.AUTO, {"T1"})


def test_a_typo_among_two_items_of_the_amount_of_the_payers_customers_is_not_posted() -> None:
    items = [*TYPO_ITEMS, item("T3", "C2", "4419.90", number="INV/2026/010899")]
    decision, _ = typo("INV2026010611", items)
    assert decision is not MatchDecision.AUTO


def test_a_document_named_in_part_is_explained_away_by_the_typo_that_fits() -> None:
    # "INV2026010611" names C3's T4 exactly, but pays a part of it from a payer not known for C3;
    # T1, one edit away, is the only item of the amount among the payer's customers.
    items = [*TYPO_ITEMS, item("T4", "C3", "9000.00", number="INV/2026/010611")]
    decision, found = typo("INV2026010611", items)
    assert (decision, found) == (MatchDecision.AUTO, {"T1"})
