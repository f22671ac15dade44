"""Expected credit loss on the portfolio engine equals the domain's, to the minor unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    AgeBucket,
    bucket_balances,
    provision_matrix,
    roll_rates,
    roll_snapshots_from_ledger,
)
from o2c.errors import ValidationError
from o2c.ledger import Fact, Ledger
from o2c.ledger.history import open_items
from tests.test_portfolio import START, knowledge, portfolios

pa = pytest.importorskip("pyarrow")

from o2c.adapters.duckdb import DuckDBEngine  # noqa: E402
from o2c.portfolio import from_facts  # noqa: E402
from o2c.portfolio.provision import (  # noqa: E402
    portfolio_bucket_balances,
    portfolio_provision,
    portfolio_roll_rates,
    portfolio_roll_snapshots,
)

ENGINE = DuckDBEngine(threads=1)
CURRENCIES = st.sampled_from(["EUR", "JPY", "USD"])
#: The default buckets and a finer set with a gap-free tail.
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
period_ends = st.lists(st.integers(-5, 90), min_size=2, max_size=5, unique=True).map(
    lambda days: [START + dt.timedelta(days=d) for d in sorted(days)]
)


def _ledger(facts: list[Fact]) -> Ledger:
    ledger = Ledger()
    ledger.append(facts)
    return ledger


# Each example runs the engine: a fixed budget keeps the CI profile (1,000 examples) in minutes.
@settings(max_examples=50)
@given(portfolios(), st.integers(-5, 90), knowledge, CURRENCIES, BUCKET_SETS)
def test_property_bucket_balances_are_the_domain_balances(
    facts: list[Fact],
    day: int,
    known_at: dt.datetime | None,
    code: str,
    buckets: tuple[AgeBucket, ...],
) -> None:
    as_of = START + dt.timedelta(days=day)
    items = [
        i
        for i in open_items(facts, as_of, known_at=known_at)
        if i.open_amount.currency.code == code
    ]
    expected = bucket_balances(items, as_of=as_of, currency_code=code, buckets=buckets)
    got = portfolio_bucket_balances(
        from_facts(facts), as_of, ENGINE, currency_code=code, known_at=known_at, buckets=buckets
    )
    assert got == expected
    assert list(got) == [b.label for b in buckets]


@settings(max_examples=50)
@given(portfolios(), period_ends, knowledge, CURRENCIES, BUCKET_SETS)
def test_property_roll_snapshots_and_rates_are_the_domain_ones(
    facts: list[Fact],
    ends: list[dt.date],
    known_at: dt.datetime | None,
    code: str,
    buckets: tuple[AgeBucket, ...],
) -> None:
    expected = roll_snapshots_from_ledger(
        _ledger(facts), ends, currency_code=code, known_at=known_at, buckets=buckets
    )
    model = from_facts(facts)
    got = portfolio_roll_snapshots(
        model, ends, ENGINE, currency_code=code, known_at=known_at, buckets=buckets
    )
    assert got == expected
    assert portfolio_roll_rates(
        model, ends, ENGINE, currency_code=code, known_at=known_at, buckets=buckets
    ) == roll_rates(expected, buckets=buckets)


def test_the_provision_is_the_domain_matrix_over_the_same_balances() -> None:
    from tests.test_portfolio import _two_currencies

    facts = _two_currencies()
    model = from_facts(facts)
    as_of = START + dt.timedelta(days=75)
    rates = dict(
        zip(
            [b.label for b in DEFAULT_BUCKETS],
            [Decimal("0.01"), Decimal("0.04"), Decimal("0.1"), Decimal("0.35"), Decimal("1")],
            strict=True,
        )
    )
    for code in ("EUR", "USD"):
        balances = portfolio_bucket_balances(model, as_of, ENGINE, currency_code=code)
        assert any(m.amount for m in balances.values())
        assert portfolio_provision(
            model, as_of, ENGINE, rates, currency_code=code
        ) == provision_matrix(balances, rates)


def test_buckets_that_leave_days_uncovered_are_refused_like_the_domain() -> None:
    from tests.test_portfolio import _two_currencies

    facts = _two_currencies()
    gappy = (AgeBucket("current", None, 0), AgeBucket("1-10", 1, 10))
    as_of = START + dt.timedelta(days=75)
    items = [i for i in open_items(facts, as_of) if i.open_amount.currency.code == "EUR"]
    with pytest.raises(ValidationError, match="no bucket"):
        bucket_balances(items, as_of=as_of, currency_code="EUR", buckets=gappy)
    with pytest.raises(ValidationError, match="no bucket holds") as caught:
        portfolio_bucket_balances(
            from_facts(facts), as_of, ENGINE, currency_code="EUR", buckets=gappy
        )
    assert caught.value.field == "buckets"


def test_period_ends_out_of_order_are_refused() -> None:
    model = from_facts([])
    with pytest.raises(ValidationError, match="strictly increasing") as caught:
        portfolio_roll_snapshots(
            model, [START, START], ENGINE, currency_code="EUR", buckets=DEFAULT_BUCKETS
        )
    assert caught.value.field == "period_ends"
