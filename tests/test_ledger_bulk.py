"""Bulk historical loads: any order in, the stream the ledger accepts out, stamped and reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.errors import InvalidFactError, ValidationError
from o2c.ledger import (
    AllocationReversed,
    DisputeOpened,
    DisputeResolved,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    PromisedToPay,
    read,
)
from o2c.ledger.bulk import STAMPED_BY, UNRECORDED, prepare_history
from o2c.money import money
from o2c.terms import Instalment

START = dt.date(2024, 1, 1)


def _end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


def _invoice_facts(cid: str, n: int, spec: tuple[int, int, int, bool, bool, int]) -> list[Fact]:
    """One invoice's life in a valid order, each fact recorded at the end of its day."""
    issue, amount, pay_after, disputed, reversed_, promise = spec
    item = f"{cid}-{n}"
    day = START + dt.timedelta(days=issue)
    paid = day + dt.timedelta(days=pay_after)
    value = money(Decimal(amount), "EUR")
    out: list[Fact] = [
        InvoiceIssued.from_instalments(
            fact_id=f"i-{item}",
            customer_id=cid,
            item_id=item,
            document_number=item,
            document_date=day,
            recorded_at=_end(day),
            instalments=[Instalment(number=1, due_date=day + dt.timedelta(days=30), amount=value)],
        )
    ]
    if disputed:
        out.append(
            DisputeOpened(
                fact_id=f"d-{item}",
                customer_id=cid,
                effective=day,
                recorded_at=_end(day),
                item_id=item,
                amount=value,
                reason_code="pricing",
            )
        )
    if promise:
        made = day + dt.timedelta(days=promise)
        out.append(
            PromisedToPay(
                fact_id=f"p-{item}",
                customer_id=cid,
                effective=made,
                recorded_at=_end(made),
                amount=value,
                promised_date=made + dt.timedelta(days=3),
                item_id=item,
            )
        )
    out.append(
        PaymentReceived(
            fact_id=f"pay-{item}",
            customer_id=cid,
            effective=paid,
            recorded_at=_end(paid),
            payment_id=f"P-{item}",
            amount=value,
            value_date=paid,
        )
    )
    alloc = {"customer_id": cid, "source_id": f"P-{item}", "item_id": item, "applied": value}
    out.append(
        PaymentAllocated(fact_id=f"a-{item}", effective=paid, recorded_at=_end(paid), **alloc)
    )
    if disputed:
        out.append(
            DisputeResolved(
                fact_id=f"r-{item}",
                customer_id=cid,
                effective=paid,
                recorded_at=_end(paid),
                dispute_id=f"d-{item}",
                amount=value,
                reason_code="agreed",
            )
        )
    if reversed_:  # reversed the next day and allocated again: the reversal must come first
        again = paid + dt.timedelta(days=1)
        out.append(
            AllocationReversed(
                fact_id=f"x-{item}",
                customer_id=cid,
                effective=again,
                recorded_at=_end(again),
                allocation_id=f"a-{item}",
            )
        )
        out.append(
            PaymentAllocated(fact_id=f"b-{item}", effective=again, recorded_at=_end(again), **alloc)
        )
    return out


_SPEC = st.tuples(
    st.integers(0, 20),  # issued, days after START
    st.integers(1, 500),  # amount
    st.integers(0, 10),  # paid, days after issue
    st.booleans(),  # disputed
    st.booleans(),  # allocation reversed and made again
    st.integers(0, 2),  # promise made, days after issue (0: none)
)


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    """A valid stream in order: one or two customers, a few invoices each."""
    stream: list[Fact] = []
    for c in range(draw(st.integers(1, 2))):
        for n, spec in enumerate(draw(st.lists(_SPEC, min_size=1, max_size=4))):
            stream += _invoice_facts(f"C{c}", n, spec)
    stream.sort(key=lambda f: f.recorded_at)  # stable: each invoice's facts keep their order
    return stream


def _model(ledger: Ledger) -> object:
    history = read(ledger.facts())
    trails = sorted(
        (t.customer_id, t.item_id, t.closed, str(t.amount), sorted(repr(s) for s in t.settlements))
        for t in history.settlement_trails()
    )
    disputes = sorted(repr(d) for d in history.disputes())
    promises = sorted((p.fact_id, p.promised_date) for p in history.promises)
    views = [
        sorted((i.customer_id, i.item_id, str(i.open_amount)) for i in ledger.open_items(day))
        for day in (START + dt.timedelta(days=d) for d in range(0, 45, 3))
    ]
    return trails, disputes, promises, views, ledger.balances(START + dt.timedelta(days=60))


@settings(max_examples=40, deadline=None)
@given(
    stream=histories(),
    order=st.randoms(use_true_random=False),
    unstamped=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_any_permutation_loads_to_the_read_model_of_the_stream_in_order(
    stream: list[Fact], order: object, unstamped: list[bool]
) -> None:
    in_order = Ledger()
    in_order.append(stream)
    # The history as another system gives it: shuffled, some facts without a recording time.
    given_ = [
        _without_time(f) if unstamped[i % len(unstamped)] else f for i, f in enumerate(stream)
    ]
    order.shuffle(given_)  # type: ignore[attr-defined]
    loaded = Ledger()
    report = loaded.load_history(given_)
    assert report.appended == len(stream)
    assert report.facts == len(stream)
    assert set(report.stamped) == {f.fact_id for f in given_ if f.recorded_at == UNRECORDED}
    assert _model(loaded) == _model(in_order)
    by_id = {f.fact_id: f for f in loaded.facts()}
    for fact in stream:
        assert by_id[fact.fact_id].recorded_at == fact.recorded_at
    assert loaded.load_history(given_).unchanged == len(stream)  # loading again: a no-op


def _without_time(fact: Fact) -> Fact:
    import attrs

    return attrs.evolve(fact, recorded_at=UNRECORDED)


def test_the_report_counts_stamps_and_reorders() -> None:
    stream = _invoice_facts("C1", 1, (0, 100, 5, True, False, 0))
    given_ = [_without_time(f) for f in reversed(stream)]
    prepared = prepare_history(given_)
    # On one day: what is named first, then what frees an amount (the resolution) before the
    # allocation.
    ids = ["i-C1-1", "d-C1-1", "pay-C1-1", "r-C1-1", "a-C1-1"]
    assert [f.fact_id for f in prepared.facts] == ids
    assert all(STAMPED_BY in f.recorded_by for f in prepared.facts)
    assert prepared.reordered == ("pay-C1-1", "d-C1-1", "i-C1-1")
    report = Ledger().load_history(given_)
    assert report.kinds == (
        ("dispute_opened", 1),
        ("dispute_resolved", 1),
        ("invoice_issued", 1),
        ("payment_allocated", 1),
        ("payment_received", 1),
    )
    assert (report.first, report.last, report.customers) == (START, START + dt.timedelta(5), 1)
    assert "5 stamped" in report.summary()
    assert "3 reordered" in report.summary()


def test_real_recording_times_decide_before_effective_dates() -> None:
    # A payment back-dated to the 3rd but recorded on the 9th comes after what was recorded
    # on the 5th, even though it took effect earlier.
    stream = _invoice_facts("C1", 1, (0, 100, 2, False, False, 0))
    at = {"pay-C1-1": 9, "a-C1-1": 9}
    given_ = [
        f if f.fact_id not in at else _at(f, dt.datetime(2024, 1, at[f.fact_id], 8, tzinfo=dt.UTC))
        for f in stream
    ]
    later = _invoice_facts("C1", 2, (4, 50, 30, False, False, 0))[0]  # issued on the 5th
    prepared = prepare_history([*reversed(given_), later])
    assert [f.fact_id for f in prepared.facts] == ["i-C1-1", "i-C1-2", "pay-C1-1", "a-C1-1"]
    Ledger().append(prepared.facts)  # the ledger accepts the stream


def _at(fact: Fact, moment: dt.datetime) -> Fact:
    import attrs

    return attrs.evolve(fact, recorded_at=moment)


def test_a_fact_recorded_before_what_it_names_is_refused_naming_both() -> None:
    stream = _invoice_facts("C1", 1, (0, 100, 2, False, False, 0))
    early = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)
    given_ = [_at(f, early) if f.fact_id == "a-C1-1" else f for f in stream]
    with pytest.raises(ValidationError, match=r"'a-C1-1'.*names 'C1-1'.*'i-C1-1' creates later"):
        prepare_history(given_)


def test_a_load_is_atomic() -> None:
    stream = _invoice_facts("C1", 1, (0, 100, 2, False, False, 0))
    too_much = PaymentAllocated(
        fact_id="a-extra",
        customer_id="C1",
        effective=START + dt.timedelta(days=3),
        recorded_at=UNRECORDED,
        source_id="P-C1-1",
        item_id="C1-1",
        applied=money("1.00", "EUR"),
    )
    ledger = Ledger()
    with pytest.raises(InvalidFactError):
        ledger.load_history([too_much, *stream])
    assert list(ledger.facts()) == []


def test_nothing_given_is_reported_as_such() -> None:
    report = Ledger().load_history([])
    assert report.facts == 0
    assert report.first is None
    assert report.summary() == "history load: nothing given"
