"""The portfolio's cohort, behaviour and candidate kernels give the domain's answers, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.cash_application.candidates import _build_context, _payment_hits
from o2c.cash_application.model import CustomerProfile
from o2c.cash_application.policy import FeeChannel, MatchPolicy
from o2c.credit.behaviour import behavioural_score
from o2c.credit.from_ledger import records_from_trails, settlement_trails
from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    AgeBucket,
    cohort_items,
    cohort_loss_rates,
    provision_from_ledger,
)
from o2c.errors import InvalidFactError, ValidationError
from o2c.invoice import references as creditor_reference
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
from o2c.ledger.history import open_items, read
from o2c.money import money, to_minor
from o2c.remittance import document_key
from o2c.statement import Payment, RemittanceDocument
from o2c.terms import Instalment
from tests.test_portfolio import START, T0

pa = pytest.importorskip("pyarrow")

from o2c.adapters.duckdb import DuckDBEngine  # noqa: E402
from o2c.portfolio import from_facts  # noqa: E402
from o2c.portfolio.candidates import candidates_table  # noqa: E402
from o2c.portfolio.cohorts import portfolio_cohort_loss_rates  # noqa: E402
from o2c.portfolio.features import portfolio_behaviour_features  # noqa: E402
from o2c.portfolio.provision import portfolio_cohort_provision  # noqa: E402

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


#: How documents are numbered: with letters, digits only (leading zeros), with a year.
_NUMBERS = ("INV-{n:04d}", "00{n:05d}", "INV/2026/{n:06d}", "{n}")


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
            number = draw(st.sampled_from(_NUMBERS)).format(n=n)
            invoice = InvoiceIssued.from_instalments(
                fact_id=f"f{n}",
                customer_id=customer,
                item_id=f"INV-{n:04d}",
                document_number=number,
                payment_reference=creditor_reference.create(f"{n:06d}") if n % 3 == 0 else None,
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


@settings(max_examples=30, deadline=None)
@given(books(), days, st.integers(-40, 60), st.integers(0, 70), knowledge, CURRENCIES)
def test_property_the_cohort_provision_is_provision_from_ledger(
    facts: list[Fact],
    as_of: dt.date,
    first: int,
    span: int,
    known_at: dt.datetime | None,
    code: str,
) -> None:
    ledger = Ledger()
    ledger.append(facts)
    cohort_from = START + dt.timedelta(days=first)
    cohort_to = cohort_from + dt.timedelta(days=span)
    options: dict[str, Any] = {
        "currency_code": code,
        "cohort_from": cohort_from,
        "cohort_to": cohort_to,
        "known_at": known_at,
        "open_as_loss_after_days": 30,
    }
    assert portfolio_cohort_provision(
        from_facts(facts), as_of, ENGINE, **options
    ) == provision_from_ledger(ledger, as_of=as_of, **options)


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


# ------------------------------------------------------------------------------------------
# Candidate generation for cash application


def _spellings(number: str, reference: str | None) -> list[str]:
    """How a payer quotes a document: as printed, lower case with spaces, its digits alone,
    with zeros dropped, its creditor reference grouped; and numbers that name nothing."""
    digits = "".join(ch for ch in number if ch.isdigit())
    out = [number, number.lower().replace("-", " ").replace("/", " "), digits, digits.lstrip("0")]
    out += ["0" + number, "X" + number, "99999999"]
    if reference:
        out += [creditor_reference.format_grouped(reference), reference.lower()]
    return [o for o in out if o]


# Five engine runs an example (one per channel): 30 examples keep it under a minute.
@settings(max_examples=30, deadline=None)
@given(books(), days, knowledge, st.data())
def test_property_candidates_are_the_matchers_candidates(
    facts: list[Fact], as_of: dt.date, known_at: dt.datetime | None, data: st.DataObject
) -> None:
    policy = MatchPolicy()
    items = open_items(facts, as_of, known_at=known_at)
    everything = read(facts)
    model = from_facts(facts)
    documents = [
        everything.items[(c, i)].to_open_item()
        for c, i in zip(
            model.items.column("customer").to_pylist(),
            model.items.column("item_id").to_pylist(),
            strict=True,
        )
    ]
    documents_table = pa.table(
        {
            "number": [d.document_number for d in documents],
            "reference": [d.payment_reference for d in documents],
        }
    )
    # payments: some pay an open item (exactly, a little short, or not at all), quoting it in
    # one of its spellings or another, from its customer or an unknown payer
    rows: list[dict[str, Any]] = []
    payments: list[Payment] = []
    for k in range(data.draw(st.integers(0, 10))):
        target = data.draw(st.sampled_from(items)) if items and data.draw(st.booleans()) else None
        code = target.open_amount.currency.code if target else data.draw(CURRENCIES)
        units = to_minor(target.open_amount) if target else data.draw(st.integers(1, 200_000))
        units = max(1, units - data.draw(st.sampled_from([0, 0, 1, 50, 99, 100, 101, 5_000])))
        quoted = []
        for _ in range(data.draw(st.integers(0, 2))):
            pick = target or (data.draw(st.sampled_from(items)) if items else None)
            choices = _spellings(pick.document_number, pick.payment_reference) if pick else []
            quoted.append(data.draw(st.sampled_from(choices or ["INV-0001"])))
        customer = target.customer_id if target and data.draw(st.booleans()) else None
        payment = Payment(
            payment_id=f"Q{k}",
            value_date=as_of,
            amount=money(Decimal(units).scaleb(-2 if code != "JPY" else 0), code),
            documents=tuple(RemittanceDocument(number=q) for q in quoted),
        )
        payments.append(payment)
        for q in quoted or [None]:
            rows.append(
                {
                    "payment": f"Q{k}",
                    "currency": code,
                    "amount": units,
                    "reference": q,
                    "customer": customer,
                }
            )
    table = pa.table(
        {
            "payment": pa.array([r["payment"] for r in rows], pa.string()),
            "currency": pa.array([r["currency"] for r in rows], pa.string()),
            "amount": pa.array([r["amount"] for r in rows], pa.int64()),
            "reference": pa.array([r["reference"] for r in rows], pa.string()),
            "customer": pa.array([r["customer"] for r in rows], pa.string()),
        }
    )
    for channel in FeeChannel:  # a channel that carries no charges has no bank fees
        got = candidates_table(
            model,
            table,
            as_of,
            ENGINE,
            known_at=known_at,
            documents=documents_table,
            policy=policy,
            channel=channel,
        )
        found = {(r["payment"], r["item_id"], r["reason"]) for r in got.to_pylist()}
        assert got.num_rows == len(found)  # each candidate once

        # the matcher's own candidates: its context over the same open items
        ctx = _build_context(
            items, [CustomerProfile(c, "") for c in {i.customer_id for i in items}], None, policy
        )
        expected: set[tuple[str, str, str]] = set()
        customers = {r["payment"]: r["customer"] for r in rows}
        for payment in payments:
            pid = payment.payment_id
            hits = {h.item_id for h in _payment_hits(payment, ctx)}
            by_reason: set[tuple[str, str, str]] = set()
            for doc in payment.documents:
                key = document_key(doc.number)
                for reason, ids in (
                    ("reference", ctx.documents.full.get(key)),
                    (
                        "creditor_reference",
                        ctx.documents.creditor.get(creditor_reference.compact(doc.number)),
                    ),
                    ("reference_digits", ctx.documents.digits.get(key) if key.isdigit() else None),
                ):
                    if ids:
                        by_reason |= {(pid, i, reason) for i in ids}
                        break
            assert {i for _, i, _ in by_reason} == hits  # the tiers are lookup_number's
            expected |= by_reason
            code, units = payment.amount.currency.code, to_minor(payment.amount)
            expected |= {(pid, i.item_id, "amount") for i in ctx.by_amount.get((code, units), ())}
            cid = customers[pid]
            for rec in ctx.by_customer.get(cid, ()) if cid else ():
                short = rec.open_units - units
                if rec.currency != code or short <= 0:
                    continue
                if short <= policy.write_off_limit(code):
                    expected.add((pid, rec.item_id, "write_off"))
                if short <= policy.fee_limit(code, rec.open_units, channel):
                    expected.add((pid, rec.item_id, "bank_fee"))
        assert found == expected
