"""The collector's worklist (issue 22 item 6): open invoices ranked by value at risk, each with the
early warnings of its prediction, from given predictions and from a ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.collecting import (
    RISK_WEIGHTS,
    PriorityPolicy,
    collector_worklist,
    collector_worklist_from_history,
)
from o2c.credit import Factor, PaymentPrediction, RiskClass, WarningKind, WarningPolicy
from o2c.credit.prediction import QUANTILES
from o2c.errors import ValidationError
from o2c.ledger import (
    CustomerId,
    InvoiceIssued,
    ItemId,
    ItemKind,
    Ledger,
    OpenItem,
    PaymentAllocated,
    PaymentReceived,
    PromisedToPay,
)
from o2c.money import money
from o2c.terms import Instalment

AS_OF = dt.date(2026, 5, 10)
DUE = dt.date(2026, 4, 30)


def item(
    n: str,
    amount: str,
    customer: str = "C1",
    code: str = "EUR",
    kind: ItemKind = ItemKind.INVOICE,
    due: dt.date = DUE,
) -> OpenItem:
    sign = "-" if kind is not ItemKind.INVOICE else ""
    return OpenItem(
        item_id=ItemId(n),
        customer_id=CustomerId(customer),
        kind=kind,
        document_number=n,
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        original_amount=money(sign + amount, code),
        open_amount=money(sign + amount, code),
    )


def predicted(
    n: str, late: int, customer: str = "C1", promised: dt.date | None = None
) -> PaymentPrediction:
    return PaymentPrediction(
        item_id=ItemId(n),
        customer_id=CustomerId(customer),
        amount=money("1", "EUR"),
        moment=AS_OF,
        due_date=DUE,
        predicted_date=DUE + dt.timedelta(days=late),
        days_late=late,
        center=float(late),
        quantiles=tuple(
            (q, DUE + dt.timedelta(days=late + d))
            for q, d in zip(QUANTILES, (-3, -1, 0, 4, 9), strict=True)
        ),
        factors=(Factor("customer history", "n payments", Decimal(late)),),
        model="test",
        promised_date=promised,
    )


def test_the_risk_weights_come_from_the_scorecard_floors() -> None:
    assert [RISK_WEIGHTS[rc] for rc in RiskClass] == [
        Decimal(1),
        Decimal("1.75"),
        Decimal("2.5"),
        Decimal("3.25"),
        Decimal(5),
    ]


def test_value_at_risk_is_amount_times_lateness_times_class_and_ranks_the_rows() -> None:
    rows = collector_worklist(
        [item("A", "1000.00"), item("B", "3000.00", "C2"), item("C", "500.00", "C3")],
        [predicted("A", 60), predicted("B", 3, "C2"), predicted("C", 200, "C3")],
        AS_OF,
        risk={"C1": RiskClass.B, "C2": RiskClass.A},  # C3: none given, the policy's C
    ).rows
    # A: 1000 x 60/30 x 1.75 = 3500; B: 3000 x 3/30 x 1 = 300; C: 500 x 120 (cap)/30 x 2.5 = 5000
    assert [(r.rank, r.item_id, r.value_at_risk.amount) for r in rows] == [
        (1, "C", Decimal("5000.00")),
        (2, "A", Decimal("3500.00")),
        (3, "B", Decimal("300.00")),
    ]
    assert rows[0].risk_class is RiskClass.C
    assert "no class given" in rows[0].risk_detail
    assert "200 days predicted late (counted 120)" in rows[0].explanation
    assert [w.kind for w in rows[0].warnings] == [WarningKind.LATE]
    assert rows[2].warnings == ()


def test_an_item_predicted_early_counts_the_floor_and_one_without_prediction_its_arrears() -> None:
    found = collector_worklist(
        [item("E", "3000.00"), item("N", "100.00"), item("CM", "50.00", kind=ItemKind.CREDIT_MEMO)],
        [predicted("E", -5)],
        AS_OF,
        risk={"C1": RiskClass.A},
    )
    by_id = {r.item_id: r for r in found.rows}
    assert set(by_id) == {"E", "N"}  # the credit memo is no invoice to chase
    assert by_id["E"].value_at_risk.amount == Decimal("100.00")  # 3000 x 1 (floor) / 30
    assert by_id["N"].prediction is None
    assert by_id["N"].predicted_days_late == 10
    assert by_id["N"].value_at_risk.amount == Decimal("33.33")  # 100 x 10 / 30
    assert "no prediction: 10 days overdue so far" in by_id["N"].explanation
    assert found.total_at_risk == money("133.33", "EUR")


def test_customer_warnings_reach_every_row_of_the_customer() -> None:
    now = [predicted("A", 12), predicted("B", 9)]
    before = [predicted("A", 2), predicted("B", 1)]
    found = collector_worklist(
        [item("A", "10.00"), item("B", "10.00")], now, AS_OF, previous=before
    )
    for row in found.rows:
        assert [w.kind for w in row.warnings] == [WarningKind.WORSENING]
    assert len(found.warnings) == 1
    quiet = PriorityPolicy(warnings=WarningPolicy(worsening_days=Decimal(20)))
    assert (
        collector_worklist([item("A", "10.00")], now, AS_OF, previous=before, policy=quiet).warnings
        == ()
    )


def test_a_promise_likely_to_break_is_on_its_row() -> None:
    row = collector_worklist(
        [item("P", "10.00")], [predicted("P", 20, promised=DUE + dt.timedelta(days=5))], AS_OF
    ).rows[0]
    assert WarningKind.PROMISE_AT_RISK in [w.kind for w in row.warnings]
    assert "promise_at_risk" in row.explanation


def test_several_currencies_need_rates_and_rank_on_one_scale() -> None:
    items = [item("E", "100.00"), item("U", "100.00", "C2", "USD")]
    preds = [predicted("E", 30), predicted("U", 30, "C2")]
    with pytest.raises(ValidationError) as err:
        collector_worklist(items, preds, AS_OF)
    assert err.value.field == "rates"
    found = collector_worklist(
        items, preds, AS_OF, rates={"USD": Decimal("0.5")}, currency_code="EUR"
    )
    assert [(r.item_id, r.ranked_value) for r in found.rows] == [
        ("E", Decimal(250)),
        ("U", Decimal(125)),
    ]
    assert found.rows[1].value_at_risk == money("250.00", "USD")
    assert found.currency == "EUR"


def test_the_policy_refuses_nonsense() -> None:
    with pytest.raises(ValidationError) as err:
        PriorityPolicy(lateness_scale_days=0)
    assert err.value.field == "lateness_scale_days"
    with pytest.raises(ValidationError):
        PriorityPolicy(lateness_floor_days=200)
    with pytest.raises(ValidationError) as err:
        PriorityPolicy(risk_weights={RiskClass.A: Decimal(1)})
    assert err.value.field == "risk_weights"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**7),
            st.integers(min_value=-60, max_value=400),
            st.sampled_from(list(RiskClass)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_rows_are_ranked_by_the_value_at_risk_they_explain(
    rows: list[tuple[int, int, RiskClass]],
) -> None:
    items = [item(f"I{n}", f"{cents / 100:.2f}", f"C{n}") for n, (cents, _, _) in enumerate(rows)]
    preds = [predicted(f"I{n}", late, f"C{n}") for n, (_, late, _) in enumerate(rows)]
    risk = {f"C{n}": rc for n, (_, _, rc) in enumerate(rows)}
    found = collector_worklist(items, preds, AS_OF, risk=risk)
    assert [r.rank for r in found.rows] == list(range(1, len(rows) + 1))
    values = [r.ranked_value for r in found.rows]
    assert values == sorted(values, reverse=True)
    for r in found.rows:
        days = min(max(r.predicted_days_late, 1), 120)
        exact = r.open_amount.amount * days * RISK_WEIGHTS[r.risk_class] / 30
        assert abs(r.value_at_risk.amount - exact) <= Decimal("0.005")
        assert f"= {r.value_at_risk.amount} EUR at risk" in r.explanation


# -- from a ledger -------------------------------------------------------------------------------


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(18), dt.UTC)


def _invoice(customer: str, n: int, doc: dt.date, amount: str = "1000.00") -> InvoiceIssued:
    item_id = f"{customer}-{n}"
    return InvoiceIssued.from_instalments(
        fact_id=f"i:{item_id}",
        customer_id=customer,
        item_id=item_id,
        document_number=item_id,
        document_date=doc,
        recorded_at=_at(doc),
        instalments=[
            Instalment(number=1, due_date=doc + dt.timedelta(days=30), amount=money(amount, "EUR"))
        ],
    )


def _paid(customer: str, n: int, on: dt.date, amount: str = "1000.00") -> list[object]:
    item_id = f"{customer}-{n}"
    return [
        PaymentReceived(
            fact_id=f"p:{item_id}",
            customer_id=customer,
            effective=on,
            recorded_at=_at(on),
            payment_id=f"P-{item_id}",
            amount=money(amount, "EUR"),
            value_date=on,
        ),
        PaymentAllocated(
            fact_id=f"a:{item_id}",
            customer_id=customer,
            effective=on,
            recorded_at=_at(on),
            source_id=f"P-{item_id}",
            item_id=item_id,
            applied=money(amount, "EUR"),
        ),
    ]


def _ledger() -> Ledger:
    """PROMPT pays on its due date; SLOW pays 45 days late; each has one invoice open."""
    facts: list[object] = []
    start = dt.date(2025, 1, 6)
    for n in range(20):
        doc = start + dt.timedelta(days=14 * n)
        for customer, late in (("PROMPT", 0), ("SLOW", 45)):
            facts.append(_invoice(customer, n, doc))
            facts += _paid(customer, n, doc + dt.timedelta(days=30 + late))
    last = dt.date(2026, 3, 2)
    facts += [_invoice("PROMPT", 99, last, "5000.00"), _invoice("SLOW", 99, last)]
    facts.append(
        PromisedToPay(
            fact_id="promise",
            customer_id="PROMPT",
            effective=dt.date(2026, 3, 20),
            recorded_at=_at(dt.date(2026, 3, 20)),
            amount=money("5000.00", "EUR"),
            promised_date=dt.date(2026, 4, 1),
            item_id="PROMPT-99",
        )
    )
    ledger = Ledger()
    ledger.append(sorted(facts, key=lambda f: f.recorded_at))  # type: ignore[attr-defined]
    return ledger


def test_from_a_ledger_the_habitually_late_customer_comes_first() -> None:
    ledger = _ledger()
    as_of = dt.date(2026, 3, 25)
    found = collector_worklist_from_history(ledger.read(as_of), as_of)
    assert [r.item_id for r in found.rows] == ["SLOW-99", "PROMPT-99"]
    slow, prompt = found.rows
    assert slow.prediction is not None
    assert slow.predicted_days_late >= 30
    assert [w.kind for w in slow.warnings] == [WarningKind.LATE]
    assert slow.risk_class in (RiskClass.C, RiskClass.D, RiskClass.E)
    assert "lateness" in slow.risk_detail  # the behavioural score's explanation
    assert prompt.prediction is not None
    assert prompt.predicted_days_late <= 5
    # promised for its due date, predicted a few days later: the promise is at risk
    assert [w.kind for w in prompt.warnings] == [WarningKind.PROMISE_AT_RISK]
    assert prompt.risk_class in (RiskClass.A, RiskClass.B)
    assert prompt.open_amount.amount > slow.open_amount.amount  # ranked by risk, not size
    assert "by shrinkage" in slow.explanation


def test_from_an_empty_history_nothing_is_ranked() -> None:
    found = collector_worklist_from_history(Ledger().read(AS_OF), AS_OF)
    assert found.rows == ()
    assert found.warnings == ()
    assert found.currency == "XXX"
    assert found.total_at_risk.amount == 0
