"""Bank fees are absorbed only where the channel carries charges (issue 18, item 3).

A short payment on a domestic credit is a deduction for the collector to chase, never charges;
cross-border payments, payments in another currency and payments whose charges the bank states
keep the fee band.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.cash_application import MatchDecision, MatchPolicy, ResidualKind, match_payments
from o2c.cash_application.amounts import fee_channel, home_countries
from o2c.cash_application.policy import FeeChannel
from o2c.money import money
from o2c.statement import Payment
from tests.test_cash_application import CUSTOMERS, item

DAY = dt.date(2026, 3, 6)
GERMAN = MatchPolicy(creditor_countries=frozenset({"DE"}))
DE_IBAN = "DE89 3704 0044 0532 0130 00"
AT_IBAN = "AT61 1904 3002 3457 3201"
INVOICE = item("F1", "C1", "INV-2026-200001", "1000.00")


def payment(amount: str, account: str = "", **kw: object) -> Payment:
    return Payment(
        payment_id="P1",
        value_date=DAY,
        amount=money(amount, "EUR"),
        payer_name="Baltic Steel Inc.",
        payer_account=account,
        reference="INV-2026-200001",
        **kw,  # type: ignore[arg-type]
    )


def kinds(p: Payment, policy: MatchPolicy = GERMAN) -> list[tuple[str, str]]:
    [r] = match_payments([p], [INVOICE], customers=CUSTOMERS, policy=policy)
    assert r.decision is MatchDecision.AUTO
    return [(x.kind.value, str(x.amount.amount)) for a in r.allocations for x in a.residuals]


def test_a_domestic_short_payment_is_never_posted_as_a_fee() -> None:
    # Issue 18's case: EUR 36.45 short on a domestic SEPA credit is a deduction to chase.
    assert kinds(payment("963.55", DE_IBAN)) == [("deduction", "36.45")]


def test_a_cross_border_short_payment_keeps_the_fee_band() -> None:
    assert kinds(payment("963.55", AT_IBAN)) == [("bank_fee", "36.45")]


def test_stated_charges_are_fees_on_any_channel() -> None:
    stated = payment("963.55", DE_IBAN, charges=money("36.45", "EUR"))
    assert kinds(stated) == [("bank_fee", "36.45")]


def test_a_payment_that_says_nothing_keeps_the_band_unless_the_policy_is_strict() -> None:
    assert kinds(payment("963.55")) == [("bank_fee", "36.45")]
    strict = attrs.evolve(GERMAN, fee_absorbed={**GERMAN.fee_absorbed, FeeChannel.UNKNOWN: False})
    assert kinds(payment("963.55"), strict) == [("deduction", "36.45")]


def test_without_the_creditors_country_the_payer_account_says_nothing() -> None:
    assert fee_channel(payment("1", DE_IBAN), "EUR", MatchPolicy()) is FeeChannel.UNKNOWN
    assert fee_channel(payment("1", DE_IBAN), "EUR", GERMAN) is FeeChannel.DOMESTIC
    assert fee_channel(payment("1", AT_IBAN), "EUR", GERMAN) is FeeChannel.CROSS_BORDER


def test_bank_codes_say_cross_border_or_ach() -> None:
    xbct = payment("1", bank_transaction_code="PMNT/RCDT/XBCT")
    ach = payment("1", bank_transaction_code="165")
    assert fee_channel(xbct, "EUR", GERMAN) is FeeChannel.CROSS_BORDER
    assert fee_channel(ach, "EUR", GERMAN) is FeeChannel.DOMESTIC


def test_another_currency_carries_charges() -> None:
    usd = attrs.evolve(payment("1", DE_IBAN), amount=money("1", "USD"))
    assert fee_channel(usd, "EUR", GERMAN) is FeeChannel.FOREIGN_CURRENCY


def test_the_creditors_country_is_where_most_of_its_accounts_are() -> None:
    accounts = ["DE26353857733146038681", "DE41134400737771016178", "GB28EFUX29825932983589"]
    assert home_countries(accounts) == frozenset({"DE"})
    assert home_countries(["20190003/6567524806"]) == frozenset()


@given(
    band=st.decimals(min_value=1, max_value=100, places=2),
    open_units=st.integers(min_value=1, max_value=10**9),
    channel=st.sampled_from(FeeChannel),
)
def test_fee_limit_is_zero_exactly_where_the_channel_carries_no_charges(
    band: Decimal, open_units: int, channel: FeeChannel
) -> None:
    policy = attrs.evolve(GERMAN, fee_bands={"EUR": band})
    limit = policy.fee_limit("EUR", open_units, channel)
    if policy.fee_absorbed[channel]:
        assert limit == min(int(open_units * policy.fee_max_fraction), int(band * 100))
    else:
        assert limit == 0


@pytest.mark.parametrize("account", [DE_IBAN, AT_IBAN, ""])
def test_several_named_items_short_by_a_fee_follow_the_same_rule(account: str) -> None:
    items = [
        item("G1", "C1", "INV-2026-300001", "600.00"),
        item("G2", "C1", "INV-2026-300002", "400.00"),
    ]
    p = attrs.evolve(payment("963.55", account), reference="INV-2026-300001 INV-2026-300002")
    [r] = match_payments([p], items, customers=CUSTOMERS, policy=GERMAN)
    got = {x.kind for a in r.allocations for x in a.residuals}
    if account == DE_IBAN:
        assert ResidualKind.BANK_FEE not in got
    else:
        assert got == {ResidualKind.BANK_FEE}


def test_the_payers_stated_country_counts_before_its_ibans() -> None:
    # A German account held by a payer whose address is in Austria: cross-border by the file.
    abroad = attrs.evolve(payment("1", DE_IBAN), payer_country="AT")
    assert fee_channel(abroad, "EUR", GERMAN) is FeeChannel.CROSS_BORDER
    at_home = attrs.evolve(payment("1", AT_IBAN), payer_country="DE")
    assert fee_channel(at_home, "EUR", GERMAN) is FeeChannel.DOMESTIC
