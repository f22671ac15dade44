"""The ledger core: facts, invariants, bitemporal projections, the facade, and properties.

The fact builders at the top are shared with the storage, migration and benchmark code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import (
    ConcurrencyError,
    DuplicateFactError,
    InvalidFactError,
    NotFoundError,
    OverApplicationError,
)
from o2c.ledger import (
    AllocationReversed,
    CreditMemoIssued,
    DisputeOpened,
    DisputeResolved,
    Fact,
    InvoiceIssued,
    ItemKind,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    PromisedToPay,
    Refunded,
    WrittenOff,
)
from o2c.ledger.facts import fact_from_json, fact_to_json
from o2c.ledger.history import open_items as project_open_items
from o2c.money import money
from o2c.statement import Payment
from o2c.terms import DiscountOffer, Instalment
from tests.strategies import ledger_streams

T0 = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
D0 = dt.date(2026, 1, 1)


def at(minutes: int) -> dt.datetime:
    """A recording time ``minutes`` after T0."""
    return T0 + dt.timedelta(minutes=minutes)


def day(n: int) -> dt.date:
    """An effective date ``n`` days after D0."""
    return D0 + dt.timedelta(days=n)


def invoice(
    fact_id: str,
    item_id: str,
    amount: str | list[str],
    *,
    customer: str = "C1",
    currency: str = "EUR",
    effective: int = 0,
    recorded: int = 0,
    due: int = 30,
) -> InvoiceIssued:
    """An invoice fact with one instalment (or one per amount in a list, due 30 days apart)."""
    amounts = amount if isinstance(amount, list) else [amount]
    return InvoiceIssued.from_instalments(
        fact_id=fact_id,
        customer_id=customer,
        item_id=item_id,
        document_number=item_id,
        document_date=day(effective),
        recorded_at=at(recorded),
        instalments=[
            Instalment(number=n, due_date=day(effective + due * n), amount=money(a, currency))
            for n, a in enumerate(amounts, start=1)
        ],
    )


def payment(
    fact_id: str,
    payment_id: str,
    amount: str,
    *,
    customer: str = "C1",
    currency: str = "EUR",
    effective: int = 0,
    recorded: int = 0,
) -> PaymentReceived:
    """A payment-received fact."""
    return PaymentReceived(
        fact_id=fact_id,
        customer_id=customer,
        effective=day(effective),
        recorded_at=at(recorded),
        payment_id=payment_id,
        amount=money(amount, currency),
        value_date=day(effective),
    )


def allocation(
    fact_id: str,
    source_id: str,
    item_id: str,
    applied: str,
    *,
    customer: str = "C1",
    currency: str = "EUR",
    effective: int = 0,
    recorded: int = 0,
    **parts: object,
) -> PaymentAllocated:
    """An allocation fact (extra parts as keyword arguments)."""
    return PaymentAllocated(
        fact_id=fact_id,
        customer_id=customer,
        effective=day(effective),
        recorded_at=at(recorded),
        source_id=source_id,
        item_id=item_id,
        applied=money(applied, currency),
        **parts,  # type: ignore[arg-type]
    )


def open_of(ledger: Ledger, as_of: int = 365, **kw: object) -> dict[str, Decimal]:
    """Item id -> open amount."""
    return {
        i.item_id: i.open_amount.amount
        for i in ledger.open_items(day(as_of), **kw)  # type: ignore[arg-type]
    }


# ------------------------------------------------------------------------------ facts


def test_fact_json_round_trip_keeps_every_field() -> None:
    facts: list[Fact] = [
        InvoiceIssued.from_instalments(
            fact_id="i",
            customer_id="C",
            item_id="INV",
            document_number="2026-001",
            document_date=D0,
            recorded_at=at(1),
            payment_reference="RF18539007547034",
            instalments=[
                Instalment(
                    number=1,
                    due_date=day(10),
                    amount=money("50.00", "EUR"),
                    discounts=(
                        DiscountOffer(
                            deadline=day(5), amount=money("1.00", "EUR"), percent=Decimal("2")
                        ),
                    ),
                ),
                Instalment(number=2, due_date=day(40), amount=money("50.01", "EUR")),
            ],
        ),
        allocation(
            "a",
            "P",
            "INV#1",
            "49.00",
            discount=money("1.00", "EUR"),
            deduction=money("0.00", "EUR"),
            deduction_reason="x",
        ),
        PaymentAllocated(
            fact_id="fx",
            customer_id="C",
            effective=D0,
            recorded_at=at(2),
            source_id="P",
            item_id="I",
            applied=money("110", "JPY"),
            source_amount=money("0.68", "EUR"),
            rate=Decimal("161.5"),
        ),
        PromisedToPay(
            fact_id="pr",
            customer_id="C",
            effective=D0,
            recorded_at=at(3),
            amount=money("5", "JPY"),
            promised_date=day(9),
        ),
    ]
    for fact in facts:
        assert fact_from_json(fact_to_json(fact)) == fact
        assert fact_to_json(fact_from_json(fact_to_json(fact))) == fact_to_json(fact)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("recorded_at", dt.datetime(2026, 1, 1, 8, 0)),  # naive
        ("effective", dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)),  # a datetime
        ("amount", money("1.001", "EUR")),  # beyond the minor unit
        ("amount", money("-1.00", "EUR")),
        ("amount", money("0", "EUR")),
        ("payment_id", " "),
    ],
)
def test_malformed_facts_are_refused_naming_the_field(field: str, value: object) -> None:
    kwargs: dict[str, object] = {
        "fact_id": "p",
        "customer_id": "C",
        "effective": D0,
        "recorded_at": T0,
        "payment_id": "P",
        "amount": money("1.00", "EUR"),
        "value_date": D0,
    }
    kwargs[field] = value
    with pytest.raises(InvalidFactError) as info:
        PaymentReceived(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_invoice_total_must_match_instalments_and_one_currency() -> None:
    good = invoice("i", "I", ["10.00", "20.00"])
    assert good.total == money("30.00", "EUR")
    with pytest.raises(InvalidFactError, match="sum to"):
        InvoiceIssued(
            fact_id="i",
            customer_id="C",
            effective=D0,
            recorded_at=T0,
            item_id="I",
            document_number="I",
            document_date=D0,
            total=money("31.00", "EUR"),
            instalments=good.instalments,
        )
    with pytest.raises(InvalidFactError, match="one currency"):
        InvoiceIssued.from_instalments(
            fact_id="i",
            customer_id="C",
            item_id="I",
            document_number="I",
            document_date=D0,
            recorded_at=T0,
            instalments=[
                Instalment(number=1, due_date=D0, amount=money("1.00", "EUR")),
                Instalment(number=2, due_date=D0, amount=money("1.00", "USD")),
            ],
        )


def test_allocation_parts_and_fx_conversion_are_checked() -> None:
    a = allocation(
        "a",
        "P",
        "I",
        "95.00",
        discount=money("2.00", "EUR"),
        bank_fee=money("1.50", "EUR"),
        write_off=money("0.50", "EUR"),
        deduction=money("1.00", "EUR"),
        deduction_reason="damaged",
    )
    assert a.settled == Decimal("100.00")
    assert a.consumed == money("95.00", "EUR")
    with pytest.raises(InvalidFactError, match="deduction_reason"):
        allocation("a", "P", "I", "1.00", deduction=money("1.00", "EUR"))
    with pytest.raises(InvalidFactError, match="item's currency"):
        allocation("a", "P", "I", "1.00", discount=money("1.00", "USD"))
    with pytest.raises(InvalidFactError, match="record the conversion"):
        allocation("a", "P", "I", "100.00", source_amount=money("90.00", "USD"), rate=Decimal("1"))
    fx = allocation(
        "a", "P", "I", "100.00", source_amount=money("108.70", "USD"), rate=Decimal("0.92")
    )
    assert fx.consumed == money("108.70", "USD")


def test_statement_payment_becomes_a_fact_with_a_stable_id() -> None:
    p = Payment(payment_id="B-1", value_date=day(3), amount=money("12.00", "EUR"), reference="R")
    fact = PaymentReceived.from_payment(p, customer_id="C1", recorded_at=at(5))
    assert (fact.fact_id, fact.effective, fact.reference) == ("payment:B-1", day(3), "R")


# ------------------------------------------------------------------------------ the facade


def test_allocation_closes_items_and_leaves_unapplied_cash_as_a_negative_item() -> None:
    ledger = Ledger()
    ledger.append([invoice("i1", "INV-1", "100.00"), payment("p1", "PAY-1", "150.00")])
    ledger.append([allocation("a1", "PAY-1", "INV-1", "100.00", effective=1, recorded=1)])
    items = ledger.open_items(day(2))
    assert [(i.item_id, i.kind, i.open_amount.amount) for i in items] == [
        ("PAY-1", ItemKind.UNAPPLIED_CASH, Decimal("-50.00"))
    ]
    assert ledger.unapplied("PAY-1", customer_id="C1") == money("50.00", "EUR")
    assert ledger.balance(day(2), customer_id="C1") == {"EUR": money("-50.00", "EUR")}
    assert ledger.balance(day(0)) == {"EUR": money("-50.00", "EUR")}  # same day, before alloc
    assert open_of(ledger, 0) == {"INV-1": Decimal("100.00"), "PAY-1": Decimal("-150.00")}


def test_multi_instalment_invoice_is_one_item_per_instalment() -> None:
    ledger = Ledger()
    ledger.append([invoice("i1", "INV-1", ["30.00", "70.00"]), payment("p", "P", "40.00")])
    ledger.append([allocation("a", "P", "INV-1#1", "30.00", recorded=1)])
    items = {i.item_id: i for i in ledger.open_items(day(0))}
    assert set(items) == {"INV-1#2", "P"}
    assert items["INV-1#2"].instalment == 2
    assert items["INV-1#2"].document_id == "INV-1"
    assert items["INV-1#2"].due_date == day(60)
    with pytest.raises(InvalidFactError, match="not an item"):
        ledger.append([allocation("b", "P", "INV-1", "10.00", recorded=2)])


def test_over_application_of_an_item_or_a_payment_is_refused_and_nothing_is_stored() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "80.00")])
    ledger.append([payment("q", "Q", "80.00")])
    with pytest.raises(OverApplicationError) as info:
        ledger.append(
            [
                allocation("a1", "P", "I", "60.00"),
                allocation("a2", "Q", "I", "50.00"),  # 110 > 100
            ]
        )
    assert info.value.context["available"] == Decimal("40.00")
    assert ledger.version("C1") == 3  # the whole batch was refused
    with pytest.raises(OverApplicationError):
        ledger.append([allocation("a3", "P", "I", "80.01", currency="EUR")])
    ledger.append([allocation("a4", "P", "I", "80.00")])
    assert open_of(ledger) == {"I": Decimal("20.00"), "Q": Decimal("-80.00")}


def test_back_dated_allocation_cannot_break_a_later_view() -> None:
    # Payment P (100) applied on day 10 in full, reversed on day 20.  An allocation of P
    # effective day 5 would make day 10's view over-apply P, so it is refused; on day 20 it fits.
    ledger = Ledger()
    ledger.append(
        [invoice("i", "I", "100.00"), invoice("j", "J", "100.00"), payment("p", "P", "100.00")]
    )
    ledger.append([allocation("a", "P", "I", "100.00", effective=10)])
    ledger.append(
        [
            AllocationReversed(
                fact_id="r",
                customer_id="C1",
                effective=day(20),
                recorded_at=at(1),
                allocation_id="a",
            )
        ]
    )
    with pytest.raises(OverApplicationError, match="or a later date"):
        ledger.append([allocation("b", "P", "J", "100.00", effective=5, recorded=2)])
    ledger.append([allocation("b", "P", "J", "100.00", effective=20, recorded=2)])
    assert open_of(ledger, 15) == {"J": Decimal("100.00")}
    assert open_of(ledger, 25) == {"I": Decimal("100.00")}


def test_currencies_must_agree_unless_a_conversion_is_recorded() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "120.00", currency="USD")])
    with pytest.raises(InvalidFactError, match="record the conversion"):
        ledger.append([allocation("a", "P", "I", "100.00")])
    ledger.append(
        [
            allocation(
                "a", "P", "I", "100.00", source_amount=money("108.70", "USD"), rate=Decimal("0.92")
            )
        ]
    )
    assert ledger.unapplied("P", customer_id="C1") == money("11.30", "USD")
    assert open_of(ledger) == {"P": Decimal("-11.30")}


def test_reversal_refund_write_off_dispute_and_promise() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "100.00")])
    ledger.append([allocation("a", "P", "I", "60.00", effective=1, recorded=1)])
    rev = AllocationReversed(
        fact_id="r", customer_id="C1", effective=day(2), recorded_at=at(2), allocation_id="a"
    )
    ledger.append([rev])
    with pytest.raises(InvalidFactError, match="already reversed"):
        ledger.append([AllocationReversed(**{**_fields(rev), "fact_id": "r2"})])
    with pytest.raises(InvalidFactError, match="only recorded allocations"):
        ledger.append(
            [AllocationReversed(**{**_fields(rev), "fact_id": "r3", "allocation_id": "x"})]
        )
    common = {"customer_id": "C1", "effective": day(3), "recorded_at": at(3)}
    ledger.append(
        [
            Refunded(fact_id="rf", source_id="P", amount=money("30.00", "EUR"), **common),
            WrittenOff(fact_id="w", item_id="I", amount=money("10.00", "EUR"), **common),
            DisputeOpened(
                fact_id="d",
                item_id="I",
                amount=money("20.00", "EUR"),
                reason_code="PRICE",
                **common,
            ),
            PromisedToPay(
                fact_id="pr",
                item_id="I",
                amount=money("70.00", "EUR"),
                promised_date=day(9),
                **common,
            ),
        ]
    )
    with pytest.raises(OverApplicationError):
        ledger.append(
            [Refunded(fact_id="rf2", source_id="P", amount=money("70.01", "EUR"), **common)]
        )
    item = next(i for i in ledger.open_items(day(3)) if i.item_id == "I")
    assert item.open_amount == money("90.00", "EUR")
    assert item.disputed_amount == money("20.00", "EUR")
    assert [p.fact_id for p in ledger.promises(day(4))] == ["pr"]
    assert ledger.promises(day(10)) == []
    ledger.append(
        [
            DisputeResolved(
                fact_id="dr",
                dispute_id="d",
                amount=money("20.00", "EUR"),
                reason_code="CREDITED",
                customer_id="C1",
                effective=day(4),
                recorded_at=at(4),
            )
        ]
    )
    assert next(i for i in ledger.open_items(day(4)) if i.item_id == "I").disputed_amount is None
    assert ledger.unapplied("P", customer_id="C1", as_of=day(3)) == money("70.00", "EUR")
    assert [f.fact_id for f in ledger.history("I")] == ["i", "a", "r", "w", "d", "pr", "dr"]
    assert [f.fact_id for f in ledger.history("P")] == ["p", "a", "r", "rf"]
    with pytest.raises(NotFoundError):
        ledger.history("nothing")


def _fields(fact: Fact) -> dict[str, object]:
    import attrs

    return attrs.asdict(fact, recurse=False)


def test_credit_memo_is_a_negative_item_that_can_be_allocated_like_cash() -> None:
    ledger = Ledger()
    memo = CreditMemoIssued(
        fact_id="cm",
        customer_id="C1",
        effective=day(1),
        recorded_at=at(1),
        item_id="CM-1",
        document_number="CM-1",
        document_date=day(1),
        amount=money("25.00", "EUR"),
        credits_item_id="I",
    )
    ledger.append([invoice("i", "I", "100.00")])
    ledger.append([memo])
    assert open_of(ledger, 1) == {"I": Decimal("100.00"), "CM-1": Decimal("-25.00")}
    ledger.append([allocation("a", "CM-1", "I", "25.00", effective=1, recorded=2)])
    assert open_of(ledger, 1) == {"I": Decimal("75.00")}
    with pytest.raises(InvalidFactError, match="credit_memo, not one of invoice"):
        ledger.append([allocation("b", "I", "CM-1", "1.00", effective=1, recorded=2)])


def test_bitemporal_as_of_and_known_at() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00", recorded=0), payment("p", "P", "100.00")])
    # On day 40 we learn that the payment was applied on day 5 (a back-dated allocation).
    ledger.append([allocation("a", "P", "I", "100.00", effective=5, recorded=40 * 24 * 60)])
    before = at(39 * 24 * 60)
    assert open_of(ledger, 10, known_at=before) == {"I": Decimal("100.00"), "P": Decimal("-100.00")}
    assert open_of(ledger, 10) == {}
    assert open_of(ledger, 4) == {"I": Decimal("100.00"), "P": Decimal("-100.00")}
    with pytest.raises(InvalidFactError, match="recording times only move forward"):
        ledger.append([payment("q", "Q", "1.00", recorded=1)])


def test_same_id_same_content_is_a_no_op_other_content_is_an_error() -> None:
    ledger = Ledger()
    batch = [invoice("i", "I", "100.00"), payment("p", "P", "100.00")]
    first = ledger.append(batch)
    assert len(first.appended) == 2
    again = ledger.append(batch)
    assert (again.appended, set(again.unchanged)) == ((), {"i", "p"})
    assert ledger.version("C1") == 2
    with pytest.raises(DuplicateFactError):
        ledger.append([payment("p", "P", "99.00")])
    with pytest.raises(DuplicateFactError):
        ledger.append([payment("x", "X", "1.00"), payment("x", "X", "2.00")])
    with pytest.raises(InvalidFactError, match="already has"):
        ledger.append([payment("p2", "P", "1.00")])


def test_expected_versions_guard_against_stale_decisions() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "100.00")])
    seen = ledger.version("C1")
    other = Ledger(ledger.store)
    other.append([payment("q", "Q", "5.00", recorded=1)])
    with pytest.raises(ConcurrencyError) as info:
        ledger.append(
            [allocation("a", "P", "I", "100.00", recorded=2)], expected_versions={"C1": seen}
        )
    assert (info.value.expected, info.value.actual) == (2, 3)
    ledger.append([allocation("a", "P", "I", "100.00", recorded=2)])  # catches up itself
    assert ledger.version("C1") == 4


def test_projection_rejects_a_stream_with_dangling_references() -> None:
    with pytest.raises(InvalidFactError, match="no item or payment"):
        project_open_items([allocation("a", "P", "I", "1.00")], day(1))


# ------------------------------------------------------------------------------ properties


def _apply_each(ledger: Ledger, facts: list[Fact]) -> list[Fact]:
    accepted = []
    for fact in facts:
        try:
            ledger.append([fact])
        except InvalidFactError:
            continue
        accepted.append(fact)
    return accepted


@given(ledger_streams())
def test_property_never_over_applied_and_money_is_conserved(facts: list[Fact]) -> None:
    ledger = Ledger()
    accepted = _apply_each(ledger, facts)
    reversed_ids = {f.allocation_id for f in accepted if isinstance(f, AllocationReversed)}
    live = [
        f for f in accepted if isinstance(f, PaymentAllocated) and f.fact_id not in reversed_ids
    ]
    for as_of in (day(0), day(3), day(7)):
        projection = ledger.projection(as_of)
        for item in projection.items.values():
            assert (item.open >= 0) if item.original > 0 else (item.open <= 0)
    items = ledger.projection().items
    invoiced = sum(f.total.amount for f in accepted if isinstance(f, InvoiceIssued))
    received = sum(f.amount.amount for f in accepted if isinstance(f, PaymentReceived))
    applied = sum(f.applied.amount for f in live)
    written = sum(f.amount.amount for f in accepted if isinstance(f, WrittenOff))
    refunded = sum(f.amount.amount for f in accepted if isinstance(f, Refunded))
    open_invoices = sum(i.open for i in items.values() if i.kind is ItemKind.INVOICE)
    unapplied = -sum(i.open for i in items.values() if i.kind is ItemKind.UNAPPLIED_CASH)
    assert invoiced == open_invoices + applied + written
    assert received == unapplied + applied + refunded


@given(ledger_streams(currency="JPY") | ledger_streams(currency="KWD") | ledger_streams())
def test_property_applying_the_same_batch_twice_changes_nothing(facts: list[Fact]) -> None:
    ledger = Ledger()
    accepted = _apply_each(ledger, facts)
    before = (ledger.open_items(day(7)), ledger.version("C1"), list(ledger.facts()))
    result = ledger.append(accepted)
    assert result.appended == ()
    assert (ledger.open_items(day(7)), ledger.version("C1"), list(ledger.facts())) == before


# ------------------------------------------------------------------------------ more edges


def test_get_facts_and_history_of_a_credit_memo_and_a_payment() -> None:
    ledger = Ledger()
    memo = CreditMemoIssued(
        fact_id="cm",
        customer_id="C1",
        effective=day(1),
        recorded_at=at(1),
        item_id="CM-1",
        document_number="CM-1",
        document_date=day(1),
        amount=money("10.00", "EUR"),
    )
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "5.00")])
    ledger.append(
        [
            memo,
            allocation("a", "CM-1", "I", "4.00", effective=1, recorded=1),
            Refunded(
                fact_id="rf",
                customer_id="C1",
                effective=day(2),
                recorded_at=at(2),
                source_id="CM-1",
                amount=money("6.00", "EUR"),
            ),
        ]
    )
    assert ledger.get("cm") == memo
    with pytest.raises(NotFoundError):
        ledger.get("nope")
    assert [f.fact_id for f in ledger.history("CM-1")] == ["cm", "a", "rf"]
    assert [f.fact_id for f in ledger.facts("C1")] == ["i", "p", "cm", "a", "rf"]
    assert ledger.unapplied("CM-1", customer_id="C1").amount == 0
    with pytest.raises(NotFoundError):
        ledger.unapplied("nope", customer_id="C1")
    assert open_of(ledger) == {"I": Decimal("96.00"), "P": Decimal("-5.00")}


def test_write_off_of_a_credit_balance_shrinks_it_toward_zero() -> None:
    ledger = Ledger()
    ledger.append([payment("p", "P", "5.00")])
    common = {"customer_id": "C1", "effective": day(1), "recorded_at": at(1)}
    with pytest.raises(OverApplicationError):
        ledger.append([WrittenOff(fact_id="w", item_id="P", amount=money("5.01", "EUR"), **common)])
    ledger.append([WrittenOff(fact_id="w", item_id="P", amount=money("4.00", "EUR"), **common)])
    assert open_of(ledger) == {"P": Decimal("-1.00")}


def test_disputes_cannot_resolve_more_than_was_disputed_nor_unknown_ones() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00")])
    common = {"customer_id": "C1", "effective": day(1), "recorded_at": at(1)}
    with pytest.raises(InvalidFactError, match="exceeds"):
        ledger.append(
            [
                DisputeOpened(
                    fact_id="d0",
                    item_id="I",
                    amount=money("100.01", "EUR"),
                    reason_code="X",
                    **common,
                )
            ]
        )
    ledger.append(
        [
            DisputeOpened(
                fact_id="d", item_id="I", amount=money("30.00", "EUR"), reason_code="X", **common
            )
        ]
    )
    with pytest.raises(InvalidFactError, match=r"has 30\.00 EUR open"):
        ledger.append(
            [
                DisputeResolved(
                    fact_id="r",
                    dispute_id="d",
                    amount=money("30.01", "EUR"),
                    reason_code="CREDITED",
                    **common,
                )
            ]
        )
    with pytest.raises(InvalidFactError, match="not a dispute"):
        ledger.append(
            [
                DisputeResolved(
                    fact_id="r",
                    dispute_id="zz",
                    amount=money("1.00", "EUR"),
                    reason_code="CREDITED",
                    **common,
                )
            ]
        )
    ledger.append(
        [
            DisputeResolved(
                fact_id="r",
                dispute_id="d",
                amount=money("10.00", "EUR"),
                reason_code="PARTLY",
                **common,
            )
        ]
    )
    item = ledger.open_items(day(1))[0]
    assert item.disputed_amount == money("20.00", "EUR")


def test_facts_cannot_take_effect_before_what_they_refer_to() -> None:
    ledger = Ledger()
    ledger.append(
        [invoice("i", "I", "100.00", effective=5), payment("p", "P", "100.00", effective=5)]
    )
    with pytest.raises(InvalidFactError, match="back-date it no further"):
        ledger.append([allocation("a", "P", "I", "10.00", effective=4)])
    ledger.append([allocation("a", "P", "I", "10.00", effective=6)])
    with pytest.raises(InvalidFactError, match="before the allocation"):
        ledger.append(
            [
                AllocationReversed(
                    fact_id="r",
                    customer_id="C1",
                    effective=day(5),
                    recorded_at=at(1),
                    allocation_id="a",
                )
            ]
        )


def test_a_fact_for_another_customer_in_the_batch_is_checked_in_its_own_stream() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "100.00", customer="C2")])
    with pytest.raises(InvalidFactError, match="not an item of customer 'C1'"):
        ledger.append([allocation("a", "P", "I", "100.00")])
    assert {c: ledger.version(c) for c in ("C1", "C2")} == {"C1": 1, "C2": 1}


def test_a_small_book_cache_still_checks_every_stream() -> None:
    ledger = Ledger(cached_customers=1)
    for c in ("C1", "C2", "C1", "C3", "C2"):
        n = ledger.version(c)
        ledger.append([payment(f"{c}-{n}", f"P{n}", "1.00", customer=c, recorded=n)])
    ledger.append([invoice("i", "I", "1.00", customer="C2", recorded=9)])
    with pytest.raises(OverApplicationError):  # C2's book is rebuilt from the store
        ledger.append([allocation("a", "P0", "I", "2.00", customer="C2", recorded=9)])
    assert {c: ledger.version(c) for c in ("C1", "C2", "C3")} == {"C1": 2, "C2": 3, "C3": 1}


def test_per_customer_projection_equals_the_whole_one_and_needs_grouped_facts() -> None:
    from o2c.ledger.history import by_customer

    ledger = Ledger()
    for n, c in enumerate(["C2", "C1", "C3", "C1"]):
        ledger.append(
            [
                invoice(f"i{n}", f"I{n}", f"{n + 1}0.00", customer=c, recorded=n),
                payment(f"p{n}", f"P{n}", "5.00", customer=c, recorded=n),
                allocation(f"a{n}", f"P{n}", f"I{n}", "5.00", customer=c, recorded=n),
            ]
        )
    whole = ledger.projection(day(1))
    assert ledger.open_items(day(1)) == whole.open_items()
    assert ledger.balances(day(1)) == whole.balances()
    assert [i.customer_id for i in ledger.open_items(day(1))] == ["C1", "C1", "C2", "C3"]
    with pytest.raises(ValueError, match="grouped by customer"):
        list(by_customer(ledger.facts()))


@given(ledger_streams(), st.integers(0, 30), st.integers(0, 8))
def test_property_known_at_is_the_ledger_as_it_was_then(
    facts: list[Fact], minutes: int, days: int
) -> None:
    ledger = Ledger()
    accepted = _apply_each(ledger, facts)
    known_at, as_of = at(minutes), day(days)
    then = Ledger()
    then.append([f for f in accepted if f.recorded_at <= known_at])
    assert ledger.open_items(as_of, known_at=known_at) == then.open_items(as_of)
    assert ledger.balances(as_of, known_at=known_at) == then.balances(as_of)


def test_known_at_must_be_timezone_aware() -> None:
    from o2c.errors import ValidationError

    ledger = Ledger()
    ledger.append([invoice("i", "I", "1.00")])
    with pytest.raises(ValidationError, match="timezone-aware") as info:
        ledger.open_items(day(1), known_at=dt.datetime(2026, 1, 2))
    assert info.value.field == "known_at"
