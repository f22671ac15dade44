"""Examples and properties of the provision matrix, loss rates, roll rates and CECL pools."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.credit import RiskClass
from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    AgeBucket,
    AgingSnapshot,
    CeclPool,
    CohortItem,
    ForwardLooking,
    bucket_balances,
    cecl_allowance,
    cohort_loss_rates,
    loss_rates_from_flows,
    pool_balances,
    provision_matrix,
    roll_rates,
)
from o2c.errors import CurrencyMismatchError, FloatNotAllowedError, ValidationError
from o2c.ledger import OpenItem
from o2c.money import minor_unit, money
from tests.strategies import amounts, currency_codes, disputed_open_items, loss_rates

AS_OF = dt.date(2026, 3, 31)
LABELS = tuple(b.label for b in DEFAULT_BUCKETS)


@given(
    currency_codes,
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**12), loss_rates), min_size=1, max_size=6
    ),
    st.decimals(min_value=-1, max_value=3, places=3, allow_nan=False, allow_infinity=False),
)
def test_provision_never_exceeds_exposure_and_sums_per_bucket(
    code: str, rows: list[tuple[int, Decimal]], factor: Decimal
) -> None:
    step = minor_unit(code)
    balances = {f"b{i}": money(Decimal(u) * step, code) for i, (u, _) in enumerate(rows)}
    rates = {f"b{i}": r for i, (_, r) in enumerate(rows)}
    m = provision_matrix(balances, rates, adjustment=ForwardLooking(factor=factor))
    for row in m.rows:
        assert 0 <= row.provision.amount <= row.gross.amount
        assert 0 <= row.adjusted_rate <= 1
        assert row.provision.amount == row.provision.amount.quantize(step)
    assert m.total_provision.amount == sum(r.provision.amount for r in m.rows)
    assert m.total_provision.amount <= m.total_gross.amount
    assert [r.bucket for r in m.rows] == list(balances)


def test_forward_looking_adjustment_raises_rates_and_caps_them() -> None:
    balances = {"current": money("1000", "EUR"), "91+": money("100", "EUR")}
    rates = {"current": Decimal("0.01"), "91+": Decimal("0.95")}
    fl = ForwardLooking(factor=Decimal("0.2"), per_bucket={"current": "0.5"}, reason="recession")
    m = provision_matrix(balances, rates, adjustment=fl)
    assert [r.adjusted_rate for r in m.rows] == [Decimal("0.015"), Decimal(1)]
    assert m.total_provision == money("115.00", "EUR")
    assert m.coverage == Decimal("115") / Decimal("1100")


def test_matrix_refuses_bad_inputs() -> None:
    eur = {"current": money("1", "EUR")}
    with pytest.raises(ValidationError, match="no loss rate"):
        provision_matrix(eur, {})
    with pytest.raises(ValidationError, match="between 0 and 1"):
        provision_matrix(eur, {"current": Decimal("1.2")})
    with pytest.raises(FloatNotAllowedError):
        provision_matrix(eur, {"current": 0.1})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="negative"):
        provision_matrix({"current": money("-1", "EUR")}, {"current": Decimal(0)})
    with pytest.raises(CurrencyMismatchError):
        provision_matrix(
            {"a": money("1", "EUR"), "b": money("1", "USD")}, {"a": Decimal(0), "b": Decimal(0)}
        )


@given(disputed_open_items(customers=("C1", "C2", "C3")), st.booleans())
def test_bucket_balances_hold_every_open_invoice_once(items: list[OpenItem], exclude: bool) -> None:
    totals = bucket_balances(items, as_of=AS_OF, currency_code="EUR", exclude_disputed=exclude)
    assert tuple(totals) == LABELS
    expected = Decimal(0)
    for i in items:
        if i.kind.value == "invoice":
            a = i.open_amount.amount
            if exclude and i.disputed_amount is not None:
                a -= i.disputed_amount.amount
            expected += max(a, Decimal(0))
    assert sum(m.amount for m in totals.values()) == expected


def test_buckets_must_cover_every_day() -> None:
    from o2c.ledger import CustomerId, ItemId, ItemKind

    item = OpenItem(
        item_id=ItemId("I"),
        customer_id=CustomerId("C"),
        kind=ItemKind.INVOICE,
        document_number="I",
        document_date=dt.date(2025, 1, 1),
        due_date=dt.date(2025, 1, 31),
        original_amount=money("1", "EUR"),
        open_amount=money("1", "EUR"),
    )
    with pytest.raises(ValidationError, match="no bucket"):
        bucket_balances([item], as_of=AS_OF, currency_code="EUR", buckets=[AgeBucket("x", None, 0)])


@given(
    st.lists(
        st.tuples(
            amounts("EUR", min_units=1, max_units=10**8),
            st.integers(min_value=-10, max_value=120),
            st.integers(min_value=0, max_value=100),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_cohort_loss_rates_rise_with_age_and_stay_within_one(
    rows: list[tuple[Decimal, int, int]],
) -> None:
    due = dt.date(2025, 1, 31)
    items = [
        CohortItem(
            amount=money(a, "EUR"),
            due_date=due,
            payments=[(due + dt.timedelta(days=d), money(a * pct / 100, "EUR"))],
        )
        for a, d, pct in rows
    ]
    lr = cohort_loss_rates(items)
    assert list(lr.open_on_entering) == sorted(lr.open_on_entering, reverse=True)
    assert list(lr.rates) == sorted(lr.rates)
    assert all(0 <= r <= 1 for r in lr.rates)
    assert lr.never_collected == sum(a - a * pct / 100 for a, _, pct in rows)
    assert set(lr.as_mapping()) == set(LABELS)


def test_loss_rate_flows_refuse_impossible_inputs_and_carry_empty_buckets() -> None:
    assert loss_rates_from_flows([Decimal(100), Decimal(0)], Decimal(0)) == (0, 0)
    assert loss_rates_from_flows([Decimal(10), Decimal(5), Decimal(0)], Decimal(1))[2] == Decimal(
        "0.2"
    )
    with pytest.raises(ValidationError):
        loss_rates_from_flows([Decimal(1)], Decimal(2))
    with pytest.raises(ValidationError):
        loss_rates_from_flows([Decimal(1)], Decimal(-1))


@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(min_value=0, max_value=10**6), min_size=4, max_size=4),
            st.integers(min_value=0, max_value=10**5),
        ),
        min_size=2,
        max_size=8,
    )
)
def test_roll_rate_loss_rates_rise_with_age(rows: list[tuple[list[int], int]]) -> None:
    snaps = [
        AgingSnapshot(
            period_end=dt.date(2025, 1, 1) + dt.timedelta(days=30 * n), balances=b, written_off=w
        )
        for n, (b, w) in enumerate(rows)
    ]
    rr = roll_rates(snaps, buckets=["a", "b", "c", "d"])
    assert all(0 <= r <= 1 for r in rr.roll)
    assert list(rr.loss_rates) == sorted(rr.loss_rates)
    assert rr.loss_rates[-1] == rr.roll[-1]
    assert tuple(rr.as_mapping()) == ("a", "b", "c", "d")


def test_roll_rates_need_two_snapshots_of_the_right_shape() -> None:
    one = AgingSnapshot(period_end=AS_OF, balances=[1, 2])
    with pytest.raises(ValidationError, match="two"):
        roll_rates([one], buckets=["a", "b"])
    with pytest.raises(ValidationError, match="balances"):
        roll_rates([one, one], buckets=["a", "b", "c"])


def test_cecl_pools_by_risk_class() -> None:
    from tests.test_credit import invoice

    items = [
        invoice("I1", "1000", due=AS_OF, customer="C1"),
        invoice("I2", "500", due=AS_OF, customer="C2"),
        invoice("I3", "200", due=AS_OF, customer="C3"),
    ]
    balances = pool_balances(
        items, {"C1": RiskClass.A, "C2": RiskClass.D}, as_of=AS_OF, currency_code="EUR"
    )
    assert balances[RiskClass.A] == money("1000", "EUR")
    assert balances[RiskClass.C] == money("200", "EUR")  # unrated
    pools = [
        CeclPool(name="A", balance=balances[RiskClass.A], historical_rate=Decimal("0.005")),
        CeclPool(
            name="D",
            balance=balances[RiskClass.D],
            historical_rate=Decimal("0.08"),
            qualitative=Decimal("0.01"),
            forecast=Decimal("0.015"),
        ),
        CeclPool(name="C", balance=balances[RiskClass.C], historical_rate="0.02", forecast="-0.5"),
    ]
    result = cecl_allowance(pools)
    assert [r.allowance.amount for r in result.rows] == [
        Decimal("5.00"),
        Decimal("52.50"),
        Decimal("0.00"),
    ]
    assert result.total_allowance == money("57.50", "EUR")
    assert result.total_balance == money("1700", "EUR")
    with pytest.raises(ValidationError):
        cecl_allowance([])
