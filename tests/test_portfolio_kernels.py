"""The portfolio's cohort, behaviour and candidate kernels give the domain's answers, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.credit.behaviour import behavioural_score
from o2c.credit.from_ledger import records_from_trails, settlement_trails
from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    AgeBucket,
    cohort_items,
    cohort_loss_rates,
)
from o2c.errors import InvalidFactError, ValidationError
from o2c.ledger import (
    AllocationReversed,
    Fact,
    InvoiceIssued,
    ItemKind,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    WrittenOff,
)
from o2c.ledger.history import read
from o2c.money import money
from o2c.terms import Instalment
from tests.test_portfolio import START, T0

pa = pytest.importorskip("pyarrow")

from o2c.adapters.duckdb import DuckDBEngine  # noqa: E402
from o2c.portfolio import from_facts  # noqa: E402
from o2c.portfolio.cohorts import portfolio_cohort_loss_rates  # noqa: E402
from o2c.portfolio.features import portfolio_behaviour_features  # noqa: E402

ENGINE = DuckDBEngine(threads=1)
CURRENCIES = st.sampled_from(["EUR", "JPY", "USD"])
BUCKET_SETS = st.sampled_from(
    [
        DEFAULT_BUCKETS,
        (
            AgeBucket("not due", None, 0),
            AgeBucket("1-7", 1, 7),
            AgeBucket("8-20", 8, 20),
            AgeBucket("21+", 21, None),
        ),
    ]
)
days = st.integers(-5, 150).map(lambda d: START + dt.timedelta(days=d))
#: What was recorded by a time (the books below record facts up to days after their dates).
knowledge = st.none() | st.integers(0, 150 * 24).map(lambda h: T0 + dt.timedelta(hours=h))

#: What happens to an invoice item: paid (in part, maybe with a write-off part), written off,
#: the last allocation reversed.
_STEPS = st.tuples(
    st.sampled_from(["pay", "pay_rest", "pay_write_off", "write_off", "reverse", "reverse"]),
    # days after the due date: on the buckets' edges, or anywhere
    st.sampled_from([-1, 0, 1, 7, 8, 20, 21, 30, 31, 60, 61, 90, 91]) | st.integers(-30, 120),
    st.integers(1, 100),  # percent of the open amount
)


def _amount(exponent: int, code: str) -> Any:
    def make(units: int) -> Any:
        return money(Decimal(units).scaleb(exponent), code)

    return make


@st.composite
def books(draw: st.DrawFn) -> list[Fact]:
    """A ledger's facts, grouped by customer: invoices (one or two instalments, now and then a
    migration's stand-in) issued over three months in one or two currencies, paid in full or in
    part on any day around their due dates, partly written off, allocations reversed; each fact
    recorded hours or days after its date, in the order of its customer's stream."""
    ledger = Ledger()
    kept: list[Fact] = []
    n = 0
    codes = draw(st.lists(st.sampled_from(["EUR", "JPY", "USD"]), min_size=1, max_size=2))
    customers = draw(st.lists(st.sampled_from("ABCDE"), min_size=1, max_size=4, unique=True))
    for customer in sorted(customers):
        clock = T0

        def recorded(day: dt.date, lag: int) -> dt.datetime:
            """Recorded ``lag`` hours after the day, never before the stream's last fact."""
            nonlocal clock
            clock = max(
                clock + dt.timedelta(minutes=1), T0 + (day - START) + dt.timedelta(hours=lag)
            )
            return clock

        for _ in range(draw(st.integers(1, 8))):
            code = draw(st.sampled_from(codes))
            exponent = 0 if code == "JPY" else -2
            n += 1
            doc = START + dt.timedelta(days=draw(st.integers(0, 90)))
            terms = draw(st.sampled_from([0, 10, 30, 45]))
            units = draw(st.sampled_from([100, 1_000, 5_000]) | st.integers(1, 200_000))
            two = draw(st.integers(0, 4)) == 0
            amount = money(Decimal(units).scaleb(exponent), code)
            parts = [Instalment(number=1, due_date=doc + dt.timedelta(days=terms), amount=amount)]
            if two:
                parts.append(
                    Instalment(
                        number=2, due_date=doc + dt.timedelta(days=terms + 30), amount=amount
                    )
                )
            invoice = InvoiceIssued.from_instalments(
                fact_id=f"f{n}",
                customer_id=customer,
                item_id=f"INV-{n:04d}",
                document_number=f"INV-{n:04d}",
                document_date=doc,
                recorded_at=recorded(doc, draw(st.integers(0, 72))),
                instalments=parts,
            )
            if draw(st.integers(0, 9)) == 0:
                invoice = attrs.evolve(invoice, stand_in=True)
            facts: list[Fact] = [invoice]
            ledger.append(facts)
            kept += facts
            ids = [f"INV-{n:04d}-{k}" for k in (1, 2)] if two else [f"INV-{n:04d}"]
            for item_id in ids:
                open_units = units
                allocations: list[tuple[str, int]] = []
                for step, offset, percent in draw(st.lists(_STEPS, max_size=5)):
                    n += 1
                    day = max(doc, doc + dt.timedelta(days=terms + offset))
                    common: dict[str, Any] = {
                        "fact_id": f"f{n}",
                        "customer_id": customer,
                        "effective": day,
                        "recorded_at": recorded(day, draw(st.integers(0, 120))),
                    }

                    m = _amount(exponent, code)

                    cycle: list[Fact] = []
                    if step == "reverse":
                        if not allocations:
                            continue
                        fact_id, settled = allocations.pop()
                        cycle = [AllocationReversed(allocation_id=fact_id, **common)]
                        change = -settled
                    elif open_units <= 0:
                        continue
                    elif step == "write_off":
                        part = max(1, open_units * percent // 100)
                        cycle = [WrittenOff(item_id=item_id, amount=m(part), **common)]
                        change = part
                    else:
                        settle = (
                            open_units
                            if step == "pay_rest"
                            else max(1, open_units * percent // 100)
                        )
                        off = settle // 10 if step == "pay_write_off" and settle >= 10 else 0
                        extra = {"write_off": m(off)} if off else {}
                        cycle = [
                            PaymentReceived(
                                payment_id=f"P{n}",
                                amount=m(settle - off),
                                value_date=day,
                                **{**common, "fact_id": f"f{n}p"},
                            ),
                            PaymentAllocated(
                                source_id=f"P{n}",
                                item_id=item_id,
                                applied=m(settle - off),
                                **extra,
                                **common,
                            ),
                        ]
                        change = settle
                    try:
                        ledger.append(cycle)
                    except InvalidFactError:
                        continue
                    kept += cycle
                    open_units -= change
                    if step.startswith("pay"):
                        allocations.append((f"f{n}", change))
    return kept


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


# ------------------------------------------------------------------------------------------
# Cohort loss rates


# Each example reads the ledger once per month and runs the engine once: 60 keep CI in seconds.
@settings(max_examples=60, deadline=None)
@given(
    books(),
    days,
    st.integers(-40, 60),
    st.integers(0, 70),
    knowledge,
    CURRENCIES,
    BUCKET_SETS,
    st.sampled_from([None, 0, 10, 365]),
)
def test_property_cohort_loss_rates_are_the_domain_rates_month_by_month(
    facts: list[Fact],
    as_of: dt.date,
    first: int,
    span: int,
    known_at: dt.datetime | None,
    code: str,
    buckets: tuple[AgeBucket, ...],
    after: int | None,
) -> None:
    issued_from = START + dt.timedelta(days=first)
    issued_to = issued_from + dt.timedelta(days=span)
    trails = [
        t
        for t in settlement_trails(facts, as_of=as_of, known_at=known_at)
        if t.amount.currency.code == code
    ]
    got = portfolio_cohort_loss_rates(
        from_facts(facts),
        as_of,
        ENGINE,
        currency_code=code,
        issued_from=issued_from,
        issued_to=issued_to,
        known_at=known_at,
        buckets=buckets,
        open_as_loss_after_days=after,
    )
    month = issued_from.replace(day=1)
    expected = []
    while month <= issued_to:
        cohort = cohort_items(
            trails,
            issued_from=max(month, issued_from),
            issued_to=min(_month_end(month), issued_to),
            as_of=as_of,
            open_as_loss_after_days=after,
        )
        expected.append((month, len(cohort), cohort_loss_rates(cohort, buckets=buckets)))
        month = _month_end(month) + dt.timedelta(days=1)
    assert [(m.month, m.items, m.rates) for m in got.months] == expected
    pooled = cohort_items(
        trails,
        issued_from=issued_from,
        issued_to=issued_to,
        as_of=as_of,
        open_as_loss_after_days=after,
    )
    assert got.pooled == cohort_loss_rates(pooled, buckets=buckets)


def test_a_cohort_range_backwards_is_refused() -> None:
    with pytest.raises(ValidationError, match="before issued_from") as caught:
        portfolio_cohort_loss_rates(
            from_facts([]),
            START,
            ENGINE,
            currency_code="EUR",
            issued_from=START,
            issued_to=START - dt.timedelta(days=1),
        )
    assert caught.value.field == "issued_to"


# ------------------------------------------------------------------------------------------
# Behavioural-score features


def _domain_factors(
    facts: list[Fact], as_of: dt.date, known_at: dt.datetime | None, window: int
) -> dict[str, tuple[int, Any, Any, Any]]:
    """Per customer with a record or an overdue invoice: the domain scorecard's records and its
    lateness, tail and trend factors' values, from the ledger's read as the collectors' risk
    classes read it."""
    history = read(facts, as_of, known_at=known_at)
    records: dict[str, list[Any]] = {}
    for r in records_from_trails(history.settlement_trails()):
        records.setdefault(r.customer_id, []).append(r)
    items: dict[str, list[Any]] = {}
    for i in history.open_items():
        items.setdefault(i.customer_id, []).append(i)
    out = {}
    for cid in sorted({*records, *items}):
        score = behavioural_score(
            cid,
            records.get(cid, []),
            as_of=as_of,
            open_items=items.get(cid, []),
            trend_window=window,
        )
        factors = {f.name: f.value for f in score.factors}
        seen = score.records or any(
            i.kind is ItemKind.INVOICE and i.due_date < as_of and i.open_amount.amount > 0
            for i in items.get(cid, [])
        )
        if seen:
            out[cid] = (score.records, factors["lateness"], factors["tail"], factors["trend"])
    return out


@settings(max_examples=60, deadline=None)
@given(books(), days, knowledge, st.sampled_from([6, 6, 1, 2, 3]))
def test_property_behaviour_features_are_the_domain_scorecards_values(
    facts: list[Fact], as_of: dt.date, known_at: dt.datetime | None, window: int
) -> None:
    got = portfolio_behaviour_features(
        from_facts(facts), as_of, ENGINE, known_at=known_at, trend_window=window
    )
    assert {
        f.customer_id: (f.records, f.median_days_late, f.tail_share, f.trend) for f in got
    } == _domain_factors(facts, as_of, known_at, window)


def _edges() -> list[Fact]:
    """One customer's invoices on the edges the properties seldom draw: paid on the first day
    of a bucket, an allocation reversed, a payment recorded days after its date, equal amounts
    (a median on the half exactly) and payments on one day (the trend's order by item id)."""
    eur: list[Fact] = []
    n = 0

    def invoice(number: str, day: int, terms: int, units: int) -> None:
        nonlocal n
        n += 1
        eur.append(
            InvoiceIssued.from_instalments(
                fact_id=f"i{number}",
                customer_id="A",
                item_id=number,
                document_number=number,
                document_date=START + dt.timedelta(days=day),
                recorded_at=T0 + dt.timedelta(minutes=n),
                instalments=[
                    Instalment(
                        number=1,
                        due_date=START + dt.timedelta(days=day + terms),
                        amount=money(Decimal(units).scaleb(-2), "EUR"),
                    )
                ],
            )
        )

    def pay(number: str, day: int, units: int, lag_days: int = 0) -> str:
        nonlocal n
        n += 1
        common: dict[str, Any] = {
            "customer_id": "A",
            "effective": START + dt.timedelta(days=day),
            "recorded_at": T0 + dt.timedelta(days=day + lag_days, minutes=n),
        }
        amount = money(Decimal(units).scaleb(-2), "EUR")
        eur.append(
            PaymentReceived(
                fact_id=f"p{n}",
                payment_id=f"P{n}",
                amount=amount,
                value_date=common["effective"],
                **common,
            )
        )
        eur.append(
            PaymentAllocated(
                fact_id=f"a{n}", source_id=f"P{n}", item_id=number, applied=amount, **common
            )
        )
        return f"a{n}"

    invoice("E1", 0, 10, 10_000)
    pay("E1", 11, 4_000)  # the first day of "1-30": not paid before it
    pay("E1", 10, 6_000)  # on the due date: before "1-30"
    invoice("E2", 0, 10, 10_000)
    undone = pay("E2", 5, 10_000)
    n += 1
    eur.append(
        AllocationReversed(
            fact_id="r1",
            customer_id="A",
            effective=START + dt.timedelta(days=20),
            recorded_at=T0 + dt.timedelta(days=20, minutes=n),
            allocation_id=undone,
        )
    )
    for k in range(12):  # equal amounts, two a day: the trend's window is cut between them
        invoice(f"F{k:02d}", 1, 0 if k == 4 else 5, 1_000)
        pay(f"F{k:02d}", 6 + k // 2 * 3, 1_000, lag_days=5 if k == 11 else 0)
    return eur


@pytest.mark.parametrize("day", [11, 20, 25, 30, 40, 200])
def test_the_edges_give_the_domain_answers(day: int) -> None:
    facts = _edges()
    model = from_facts(facts)
    as_of = START + dt.timedelta(days=day)
    for window in (1, 2, 3, 6):
        got = portfolio_behaviour_features(model, as_of, ENGINE, trend_window=window)
        assert {
            f.customer_id: (f.records, f.median_days_late, f.tail_share, f.trend) for f in got
        } == _domain_factors(facts, as_of, None, window)
    trails = settlement_trails(facts, as_of=as_of)
    for after in (None, 0, 15):
        cohorts = portfolio_cohort_loss_rates(
            model,
            as_of,
            ENGINE,
            currency_code="EUR",
            issued_from=START,
            issued_to=START,
            open_as_loss_after_days=after,
        )
        cohort = cohort_items(
            trails, issued_from=START, issued_to=START, as_of=as_of, open_as_loss_after_days=after
        )
        assert cohorts.pooled == cohort_loss_rates(cohort)


def test_the_edges_are_where_the_answers_turn() -> None:
    """What the edges above decide, so that the comparison with the domain means something."""
    model = from_facts(_edges())
    day = START + dt.timedelta(days=25)
    [a] = portfolio_behaviour_features(model, day, ENGINE, trend_window=6)
    # the last payment (F11, paid on day 21) is recorded on day 26: not known on day 25
    assert a.records == 12  # E1 and F00..F10
    # by paid date then item id: the last six are F05..F10 (6, 9, 9, 12, 12, 15 days late), the
    # six before F00..F04 and E1 (0, 0, 3, 3, 11 and 1): F04 and F05, both paid on day 12, fall
    # on either side by their ids
    assert (a.recent_median, a.before_median, a.trend) == (9, 1, 8)
    cohorts = portfolio_cohort_loss_rates(
        model,
        START + dt.timedelta(days=40),
        ENGINE,
        currency_code="EUR",
        issued_from=START,
        issued_to=START,
        open_as_loss_after_days=15,
    )
    # E1: 100 entered, 40 still open on entering 1-30; E2 (its payment undone): 100 never paid
    assert [str(a) for a in cohorts.pooled.open_on_entering] == [
        "200.00",
        "140.00",
        "100.00",
        "100.00",
        "100.00",
    ]
    assert str(cohorts.pooled.never_collected) == "100.00"
