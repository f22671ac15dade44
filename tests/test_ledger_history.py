"""The ledger's one read model (``o2c.ledger.history``): properties over random fact streams and
the rules every reader now shares (reversed allocations, known at T, stand-ins)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from o2c.errors import InvalidFactError
from o2c.ledger import (
    ActivityKind,
    AllocationReversed,
    DisputeOpened,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    Refunded,
    WrittenOff,
    read,
)
from o2c.money import money
from o2c.terms import Instalment
from tests.strategies import ledger_streams

T0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)


def day(n: int) -> dt.date:
    return dt.date(2026, 1, 1) + dt.timedelta(days=n)


def _accepted(facts: list[Fact]) -> tuple[Ledger, list[Fact]]:
    ledger, kept = Ledger(), []
    for fact in facts:
        try:
            ledger.append([fact])
        except InvalidFactError:
            continue
        kept.append(fact)
    return ledger, kept


_OPERATIONS = ("invoice", "payment", "allocate", "reverse", "write_off", "refund")


@st.composite
def settling_streams(draw: st.DrawFn, max_facts: int = 20) -> list[Fact]:
    """A stream that mostly keeps the ledger's invariants: allocations, reversals and write-offs
    of what is open (``ledger_streams`` explores the refused ones)."""
    ops = draw(
        st.lists(
            st.tuples(st.sampled_from(_OPERATIONS), st.integers(0, 9), st.integers(1, 100)),
            min_size=1,
            max_size=max_facts,
        )
    )
    facts: list[Fact] = []
    open_: dict[str, int] = {}  # invoice -> open cents
    cash: dict[str, int] = {}  # payment -> unapplied cents
    live: dict[str, tuple[str, str, int]] = {}  # allocation -> (payment, invoice, cents)
    for n, (op, pick, percent) in enumerate(ops):
        common = {
            "fact_id": f"f{n}",
            "customer_id": "C1",
            "effective": day(n // 3),
            "recorded_at": T0 + dt.timedelta(minutes=n),
        }
        due = [i for i, c in open_.items() if c > 0]
        funds = [p for p, c in cash.items() if c > 0]
        if op == "invoice" or (op in ("allocate", "write_off") and not due):
            cents = percent * 137
            open_[f"I{n}"] = cents
            facts.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"f{n}",
                    customer_id="C1",
                    item_id=f"I{n}",
                    document_number=f"I{n}",
                    document_date=day(n // 3),
                    recorded_at=T0 + dt.timedelta(minutes=n),
                    instalments=[Instalment(number=1, due_date=day(2), amount=_eur(cents))],
                )
            )
        elif op == "payment" or (op in ("allocate", "refund") and not funds):
            cash[f"P{n}"] = percent * 151
            facts.append(
                PaymentReceived(
                    payment_id=f"P{n}",  # type: ignore[arg-type]
                    amount=_eur(percent * 151),
                    value_date=day(n // 3),
                    **common,  # type: ignore[arg-type]
                )
            )
        elif op == "allocate":
            item, source = due[pick % len(due)], funds[pick % len(funds)]
            cents = max(1, min(open_[item], cash[source]) * percent // 100)
            open_[item] -= cents
            cash[source] -= cents
            live[f"f{n}"] = (source, item, cents)
            facts.append(
                PaymentAllocated(source_id=source, item_id=item, applied=_eur(cents), **common)  # type: ignore[arg-type]
            )
        elif op == "reverse" and live:
            allocation = sorted(live)[pick % len(live)]
            source, item, cents = live.pop(allocation)
            open_[item] += cents
            cash[source] += cents
            facts.append(AllocationReversed(allocation_id=allocation, **common))  # type: ignore[arg-type]
        elif op == "write_off" and due:
            item = due[pick % len(due)]
            cents = max(1, open_[item] * percent // 100)
            open_[item] -= cents
            facts.append(WrittenOff(item_id=item, amount=_eur(cents), **common))  # type: ignore[arg-type]
        elif op == "refund" and funds:
            source = funds[pick % len(funds)]
            cents = max(1, cash[source] * percent // 100)
            cash[source] -= cents
            facts.append(Refunded(source_id=source, amount=_eur(cents), **common))  # type: ignore[arg-type]
    return facts


def _eur(cents: int) -> Money:
    return money(Decimal(cents).scaleb(-2), "EUR")


@given(settling_streams() | ledger_streams(), st.integers(0, 8), st.integers(0, 30))
def test_property_history_open_items_are_the_ledgers_and_trails_sum_to_what_was_settled(
    facts: list[Fact], days: int, minutes: int
) -> None:
    ledger, accepted = _accepted(facts)
    as_of, known_at = day(days), T0 + dt.timedelta(minutes=minutes)
    for known in (None, known_at):
        history = read(ledger.facts(), as_of, known_at=known)
        assert history.open_items() == ledger.open_items(as_of, known_at=known)
        # An oracle written from the facts: what kept allocations and write-offs settled.
        seen = [
            f
            for f in accepted
            if f.effective <= as_of and (known is None or f.recorded_at <= known)
        ]
        undone = {f.allocation_id for f in seen if isinstance(f, AllocationReversed)}
        settled: dict[str, Decimal] = {}
        for f in seen:
            if isinstance(f, PaymentAllocated) and f.fact_id not in undone:
                settled[f.item_id] = settled.get(f.item_id, Decimal(0)) + f.settled
            elif isinstance(f, WrittenOff):
                settled[f.item_id] = settled.get(f.item_id, Decimal(0)) + f.amount.amount
        for trail in history.settlement_trails():
            total = sum((e.collected + e.written_off for e in trail.settlements), Decimal(0))
            assert total == trail.amount.amount - trail.open_amount
            assert total == settled.get(trail.item_id, Decimal(0))
        # The movements reconcile with the balances (nothing was open before the stream).
        moved: dict[str, Decimal] = {}
        for line in history.movements:
            code = line.amount.currency.code
            moved[code] = moved.get(code, Decimal(0)) + line.amount.amount
        balance = ledger.balance(as_of, known_at=known, customer_id="C1")
        assert {c: m for c, m in moved.items() if m} == {
            c: b.amount for c, b in balance.items() if b.amount
        }


def _paid_invoice(**allocation: object) -> Ledger:
    ledger = Ledger()
    ledger.append(
        [
            InvoiceIssued.from_instalments(
                fact_id="i1",
                customer_id="C1",
                item_id="INV-1",
                document_number="INV-1",
                document_date=day(0),
                recorded_at=T0,
                instalments=[Instalment(number=1, due_date=day(10), amount=money("100", "EUR"))],
            ),
            PaymentReceived(
                fact_id="p1",
                customer_id="C1",
                effective=day(12),
                recorded_at=T0 + dt.timedelta(days=12),
                payment_id="PAY-1",
                amount=money("97", "EUR"),
                value_date=day(12),
            ),
            PaymentAllocated(
                fact_id="a1",
                customer_id="C1",
                effective=day(12),
                recorded_at=T0 + dt.timedelta(days=12),
                source_id="PAY-1",
                item_id="INV-1",
                applied=money("97", "EUR"),
                **allocation,  # type: ignore[arg-type]
            ),
        ]
    )
    return ledger


def test_a_trail_entry_names_its_source_and_residuals_and_the_item_is_paid_on_its_date() -> None:
    ledger = _paid_invoice(deduction=money("3", "EUR"), deduction_reason="damaged goods")
    (trail,) = read(ledger.facts()).settlement_trails()
    (entry,) = trail.settlements
    assert (entry.source_id, entry.collected, entry.deduction, entry.written_off) == (
        "PAY-1",
        Decimal("100"),
        Decimal("3"),
        Decimal("0"),
    )
    assert trail.closed
    assert trail.paid_on == day(12)
    (deduction,) = read(ledger.facts()).disputes()
    assert deduction.deduction
    assert deduction.amount == money("3", "EUR")


def test_a_reversed_allocation_leaves_no_trail_entry_no_deduction_and_moves_back() -> None:
    ledger = _paid_invoice(deduction=money("3", "EUR"), deduction_reason="damaged goods")
    ledger.append(
        [
            AllocationReversed(
                fact_id="r1",
                customer_id="C1",
                effective=day(14),
                recorded_at=T0 + dt.timedelta(days=14),
                allocation_id="a1",
            )
        ]
    )
    history = read(ledger.facts())
    (trail,) = history.settlement_trails()
    assert trail.settlements == ()
    assert trail.paid_on is None
    assert not trail.closed
    assert history.disputes() == ()
    kinds = [(m.kind, m.amount) for m in history.movements if m.kind is not ActivityKind.INVOICE]
    assert kinds == [
        (ActivityKind.PAYMENT, money("-97", "EUR")),
        (ActivityKind.ADJUSTMENT, money("-3", "EUR")),
        (ActivityKind.REVERSAL, money("3", "EUR")),
    ]
    # As of before the reversal, the allocation was in force.
    (then,) = read(ledger.facts(), day(13)).settlement_trails()
    assert then.closed
    assert then.paid_on == day(12)


def test_a_disputed_item_stays_disputed_in_its_trail_and_a_stand_in_has_none() -> None:
    ledger = _paid_invoice()
    ledger.append(
        [
            DisputeOpened(
                fact_id="d1",
                customer_id="C1",
                effective=day(1),
                recorded_at=T0 + dt.timedelta(days=13),
                item_id="INV-1",
                amount=money("3", "EUR"),
                reason_code="pricing",
            ),
            attrs.evolve(
                InvoiceIssued.from_instalments(
                    fact_id="s1",
                    customer_id="C1",
                    item_id="MIGRATED",
                    document_number="MIGRATED",
                    document_date=day(0),
                    recorded_at=T0 + dt.timedelta(days=13),
                    instalments=[Instalment(number=1, due_date=day(0), amount=money("5", "EUR"))],
                ),
                stand_in=True,
            ),
        ]
    )
    history = read(ledger.facts())
    assert [(t.item_id, t.disputed) for t in history.settlement_trails()] == [("INV-1", True)]
    assert [d.dispute_id for d in history.disputes()] == ["d1"]


def test_collected_on_is_the_one_rule_of_paid() -> None:
    """Paid = nothing open, nothing written off (item or part of an allocation), at least one
    allocation: the date of the last allocation.  KPIs and credit records read this rule."""
    from o2c.ledger import SettlementTrail, TrailEntry

    def trail(open_amount: str, *entries: TrailEntry) -> SettlementTrail:
        return SettlementTrail(
            item_id="I1",
            customer_id="C1",
            document_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
            amount=Money("100.00", "EUR"),
            open_amount=Decimal(open_amount),
            disputed=False,
            settlements=entries,
        )

    def entry(
        day: int, collected: str, written_off: str = "0", source: str | None = "P1"
    ) -> TrailEntry:
        return TrailEntry(
            effective=dt.date(2026, 2, day),
            recorded_on=dt.date(2026, 2, day),
            collected=Decimal(collected),
            written_off=Decimal(written_off),
            source_id=source,
        )

    assert trail("0", entry(3, "60"), entry(9, "40")).collected_on == dt.date(2026, 2, 9)
    assert trail("40", entry(3, "60")).collected_on is None
    assert trail("0", entry(3, "95", "5")).collected_on is None
    assert trail("0", entry(3, "60"), entry(9, "0", "40", None)).collected_on is None
    assert trail("0").collected_on is None


def test_ledger_read_is_the_read_model_of_its_facts() -> None:
    """Ledger.read gives the same History as reading its facts, per customer too."""
    from o2c.ledger import InvoiceIssued, Ledger, PaymentAllocated, PaymentReceived, read
    from o2c.terms import Instalment

    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC)

    ledger = Ledger()
    for n, customer in enumerate(("C1", "C2"), start=1):
        ledger.append(
            [
                InvoiceIssued.from_instalments(
                    fact_id=f"i{n}",
                    customer_id=customer,
                    item_id=f"INV-{n}",
                    document_number=f"INV-{n}",
                    document_date=dt.date(2026, 3, 1),
                    recorded_at=at(1),
                    instalments=[
                        Instalment(
                            number=1, due_date=dt.date(2026, 3, 10), amount=money("100.00", "EUR")
                        )
                    ],
                ),
                PaymentReceived(
                    fact_id=f"p{n}",
                    customer_id=customer,
                    effective=dt.date(2026, 3, 14),
                    recorded_at=at(15),
                    payment_id=f"PAY-{n}",
                    amount=money("60.00", "EUR"),
                    value_date=dt.date(2026, 3, 14),
                ),
                PaymentAllocated(
                    fact_id=f"a{n}",
                    customer_id=customer,
                    effective=dt.date(2026, 3, 14),
                    recorded_at=at(15),
                    source_id=f"PAY-{n}",
                    item_id=f"INV-{n}",
                    applied=money("60.00", "EUR"),
                ),
            ]
        )
    whole = ledger.read(dt.date(2026, 3, 31))
    assert whole.open_items() == read(ledger.facts(), dt.date(2026, 3, 31)).open_items()
    assert sorted(i.open_amount.amount for i in whole.open_items()) == [Decimal("40.00")] * 2
    before_payment = ledger.read(dt.date(2026, 3, 31), known_at=at(14), customer_id="C2")
    assert [(i.customer_id, i.open_amount.amount) for i in before_payment.open_items()] == [
        ("C2", Decimal("100.00"))
    ]
