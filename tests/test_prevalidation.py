"""Pre-validation of incoming payments and refunds: each check triggers on a crafted case and
stays quiet on its twin; verdicts do not depend on order; re-running changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.cash_application.prevalidation import (
    IBAN_LENGTHS,
    Check,
    KnownParties,
    NameOutcome,
    PartiesOnFile,
    PastPayment,
    PrevalidationContext,
    PrevalidationPolicy,
    PrevalidationResult,
    Refund,
    Severity,
    Verdict,
    bic_problem,
    compare_names,
    iban_problem,
    payment_keys,
    prevalidate,
    prevalidate_refund,
)
from o2c.cash_application.screening import SanctionsEntry, SanctionsList, SanctionsScreen
from o2c.ledger import (
    CustomerDetails,
    CustomerRegistered,
    Ledger,
    PayerAccount,
    PayerAccountLinked,
    PayerAccountUnlinked,
)
from o2c.money import money
from o2c.statement import Payment, Statement


def iban(country: str, bban: str) -> str:
    """A valid IBAN for ``bban`` (check digits computed)."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


ACME_IBAN = "DE89370400440532013000"
ACME_NEW_IBAN = iban("DE", "500105175407324931")
BOREAL_IBAN = "SE4550000000058398257466"
FR_IBAN = "FR1420041010050500013M02606"
RU_IBAN = iban("RU", "044525600407028104" + "12345678901"[:11])
DAY = dt.date(2026, 3, 2)


def pay(pid: str, amount: str = "1000.00", **kw: object) -> Payment:
    fields: dict[str, object] = {
        "payment_id": pid,
        "value_date": DAY,
        "amount": money(amount, str(kw.pop("currency", "EUR"))),
        "payer_name": "Acme GmbH",
        "payer_account": ACME_IBAN,
        "bank_reference": f"BR-{pid}",
    }
    fields.update(kw)
    return Payment(**fields)  # type: ignore[arg-type]


def monthly_history(customer: str = "C1", n: int = 6, amount: str = "1000.00") -> list[PastPayment]:
    return [
        PastPayment(
            value_date=dt.date(2025, 9 + i, 1) if i < 4 else dt.date(2026, i - 3, 1),
            amount=money(str(int(amount.split(".")[0]) + 10 * (i % 3)), "EUR"),
            customer_id=customer,
            payer_account=ACME_IBAN,
            payer_name="Acme GmbH",
            key=f"old-{i}",
        )
        for i in range(n)
    ]


SINCE = dt.date(2024, 5, 1)
PARTIES = PartiesOnFile.build(
    accounts=[
        PayerAccount(
            account=ACME_IBAN, customer_id="C1", holder_name="Acme GmbH", first_seen=SINCE
        ),
        PayerAccount(
            account=BOREAL_IBAN, customer_id="C2", holder_name="Borealis AB", first_seen=SINCE
        ),
        PayerAccount(account="GB29NWBK60161331926819", customer_id="C1", first_seen=SINCE),
        PayerAccount(account="GB29NWBK60161331926819", customer_id="C3", first_seen=SINCE),
    ],
    customers=[("C1", "Acme GmbH"), ("C2", "Borealis AB"), ("C3", "Cobalt Ltd")],
)
SANCTIONS = SanctionsList(
    name="EU FSF",
    version="171703",
    published=dt.date(2026, 11, 30),
    entries=(
        SanctionsEntry(entry_id="EU.27.28", names=("Ivan Petrovich SIDOROV", "Иван Сидоров")),
    ),
)
EMBARGO = SanctionsList(name="embargo", version="v1", embargoed_countries={"RU"})
CTX = PrevalidationContext(
    as_of=DAY,
    parties=PARTIES,
    past_payments=monthly_history(),
    sanctions=SanctionsScreen.build([SANCTIONS, EMBARGO]),
)


def one(
    payment: Payment, context: PrevalidationContext = CTX, **policy: object
) -> PrevalidationResult:
    (result,) = prevalidate(payment, context, PrevalidationPolicy(**policy))  # type: ignore[arg-type]
    return result


def checks(result: PrevalidationResult, severity: Severity = Severity.FLAG) -> set[Check]:
    return {f.check for f in result.reasons(severity)}


# --- a payment with nothing to say ---------------------------------------------------------


def test_a_known_customer_paying_as_usual_passes() -> None:
    result = one(pay("P1"))
    assert result.verdict is Verdict.PASS
    assert result.customer_id == "C1"
    assert result.name_outcome is NameOutcome.MATCH
    assert result.auto_post_allowed
    assert result.min_auto_confidence is None
    assert checks(result) == set()
    assert [f.check for f in result.findings] == [Check.PAYEE_NAME]  # recorded as information


# --- duplicates ------------------------------------------------------------------------------


def statement(*payments: Payment, account: str = "DE02120300000000202051") -> Statement:
    return Statement(statement_id="S1", account=account, currency="EUR", lines=payments)


def test_a_reimported_statement_is_recognised_line_by_line() -> None:
    st_ = statement(pay("P1"), pay("P2", "250.00", bank_reference="BR-X"))
    first = prevalidate(st_, CTX)
    assert not any(r.already_recorded for r in first)
    recorded = attrs.evolve(CTX, recorded_keys=frozenset(r.key for r in first))
    again = prevalidate(st_, recorded)
    assert all(r.already_recorded for r in again)
    assert all(r.verdict is Verdict.HOLD and not r.auto_post_allowed for r in again)
    assert all([f.check for f in r.findings] == [Check.DUPLICATE] for r in again)


def test_two_equal_payments_in_one_statement_are_both_kept() -> None:
    twin = pay("P1", bank_reference="")
    results = prevalidate(statement(twin, attrs.evolve(twin, payment_id="P2")), CTX)
    assert len({r.key for r in results}) == 2
    assert [r.verdict for r in results] == [Verdict.PASS, Verdict.PASS]
    assert all(Check.NEAR_DUPLICATE not in checks(r) for r in results)


def test_a_second_equal_payment_arriving_later_is_new() -> None:
    twin = pay("P1", bank_reference="")
    (first,) = prevalidate(statement(twin), CTX)
    recorded = attrs.evolve(CTX, recorded_keys=frozenset({first.key}))
    results = prevalidate(statement(twin, attrs.evolve(twin, payment_id="P2")), recorded)
    assert sorted(r.already_recorded for r in results) == [False, True]


def test_the_receiving_account_is_part_of_the_key() -> None:
    (a,) = prevalidate(statement(pay("P1"), account="DE02120300000000202051"), CTX)
    (b,) = prevalidate(statement(pay("P1"), account="DE02500105170137075030"), CTX)
    assert a.key != b.key
    assert a.key.endswith("|ref:BR-P1#1")


def test_without_a_bank_reference_the_content_is_the_key() -> None:
    base = pay("P1", bank_reference="")
    [(_, k1), (_, k2), (_, k3)] = payment_keys(
        [base, attrs.evolve(base, payment_id="P9"), attrs.evolve(base, remittance_info="INV-7")]
    )
    assert k1.rsplit("#", 1)[0] == k2.rsplit("#", 1)[0] != k3.rsplit("#", 1)[0]


@pytest.mark.parametrize(
    ("days", "amount", "account", "flagged"),
    [
        (2, "1000.00", ACME_IBAN, True),
        (3, "1000.00", ACME_IBAN, True),
        (4, "1000.00", ACME_IBAN, False),  # outside the window
        (0, "1000.01", ACME_IBAN, False),  # another amount
        (0, "1000.00", BOREAL_IBAN, False),  # another payer
    ],
)
def test_near_duplicates_in_a_batch(days: int, amount: str, account: str, flagged: bool) -> None:
    a = pay("P1")
    b = pay("P2", amount, payer_account=account, value_date=DAY + dt.timedelta(days=days))
    ra, rb = prevalidate([a, b], CTX)
    assert (Check.NEAR_DUPLICATE in checks(ra)) is flagged
    assert (Check.NEAR_DUPLICATE in checks(rb)) is flagged
    if flagged:
        assert next(f.value for f in ra.findings if f.check is Check.NEAR_DUPLICATE) == "P2"


def test_equal_invoices_paid_one_by_one_are_no_near_duplicates() -> None:
    a = pay("P1", remittance_info="Rechnung INV/2026/015478")
    b = pay("P2", remittance_info="Rg. INV 014502")
    assert all(Check.NEAR_DUPLICATE not in checks(r) for r in prevalidate([a, b], CTX))
    again = pay("P2", remittance_info="INV-15478 zweite Zahlung")  # the same invoice again
    assert all(Check.NEAR_DUPLICATE in checks(r) for r in prevalidate([a, again], CTX))
    bare = pay("P2")  # no document named: may be the same payment
    assert all(Check.NEAR_DUPLICATE in checks(r) for r in prevalidate([a, bare], CTX))


def test_near_duplicates_by_name_when_no_account_is_given() -> None:
    a = pay("P1", payer_account="", payer_name="ACME GMBH")
    b = pay("P2", payer_account="", payer_name="Acme GmbH")
    assert all(Check.NEAR_DUPLICATE in checks(r) for r in prevalidate([a, b], CTX))


def test_near_duplicates_of_payments_recorded_before() -> None:
    recent = PastPayment(
        value_date=DAY - dt.timedelta(days=1),
        amount=money("1000.00", "EUR"),
        payer_account=ACME_IBAN,
        payment_id="OLD-1",
        key="x",
    )
    flagged = one(pay("P1"), attrs.evolve(CTX, recent=(recent,)))
    assert Check.NEAR_DUPLICATE in checks(flagged)
    assert one(pay("P1"), CTX).verdict is Verdict.PASS


# --- accounts ---------------------------------------------------------------------------------


def test_iban_checks() -> None:
    assert iban_problem(ACME_IBAN) is None
    assert iban_problem(FR_IBAN) is None
    assert iban_problem("de89 3704 0044 0532 0130 00") is None
    assert "check digits" in (iban_problem("DE89370400440532013001") or "")
    assert "22 characters" in (iban_problem("DE8937040044053201300") or "")
    assert "issues no IBANs" in (iban_problem("XX89370400440532013000") or "")
    assert "not an IBAN" in (iban_problem("DE89-3704") or "")


def test_the_iban_lengths_are_the_registrys() -> None:
    stdnum = pytest.importorskip("stdnum")
    data = Path(stdnum.__file__).parent / "iban.dat"
    lengths = {
        m[1]: 4 + sum(int(n) for n in re.findall(r"(\d+)!", m[2]))
        for m in re.finditer(r'^([A-Z]{2}) .*bban="([^"]+)"', data.read_text(), re.M)
    }
    assert lengths == IBAN_LENGTHS


def test_bic_checks() -> None:
    assert bic_problem("COBADEFFXXX") is None
    assert bic_problem("COBADEFF") is None
    assert bic_problem("BOFAUS3N") is None
    assert bic_problem("COBADEF") is not None
    assert bic_problem("COBAQQFF") is not None  # QQ is no country


@pytest.mark.parametrize(
    ("account", "invalid"),
    [
        (ACME_NEW_IBAN, False),
        ("DE89370400440532013001", True),  # check digits
        ("123456789", False),  # a domestic account number: not checkable, not wrong
        ("12", True),
        ("", False),
    ],
)
def test_an_invalid_account_is_flagged(account: str, invalid: bool) -> None:
    result = one(pay("P1", payer_account=account, payer_name="Unknown Payer Ltd"))
    assert (Check.ACCOUNT_INVALID in checks(result)) is invalid
    assert result.verdict is (Verdict.FLAG if invalid else Verdict.PASS)


# --- accounts on file --------------------------------------------------------------------------


def test_the_first_payment_of_a_known_customer_from_a_new_account_is_flagged() -> None:
    result = one(pay("P1", payer_account=ACME_NEW_IBAN))
    assert checks(result) == {Check.NEW_ACCOUNT}
    assert result.customer_id == "C1"
    assert result.verdict is Verdict.FLAG
    assert result.min_auto_confidence == PrevalidationPolicy().flagged_min_confidence
    assert result.auto_post_allowed


def test_an_unknown_payer_from_an_unknown_account_is_not_a_new_account() -> None:
    result = one(pay("P1", payer_account=ACME_NEW_IBAN, payer_name="Somebody Else SARL"))
    assert result.customer_id is None
    assert result.verdict is Verdict.PASS


def test_a_hint_names_the_customer() -> None:
    hinted = attrs.evolve(CTX, customer_hints={"P1": "C2"})
    result = one(pay("P1", payer_account=ACME_NEW_IBAN, payer_name="Somebody Else"), hinted)
    assert result.customer_id == "C2"
    assert checks(result) == {Check.NEW_ACCOUNT}


def test_an_account_on_file_for_another_customer_is_flagged() -> None:
    result = one(pay("P1", payer_name="Borealis AB"))  # Borealis paying from Acme's account
    assert Check.ACCOUNT_OF_ANOTHER_CUSTOMER in checks(result)
    assert result.customer_id == "C2"
    quiet = one(pay("P1", payer_name="Cobalt Ltd", payer_account="GB29NWBK60161331926819"))
    assert Check.ACCOUNT_OF_ANOTHER_CUSTOMER not in checks(quiet)  # shared by C1 and C3


def test_severities_come_from_the_policy() -> None:
    held = one(pay("P1", payer_account=ACME_NEW_IBAN), new_account_severity=Severity.HOLD)
    assert held.verdict is Verdict.HOLD
    assert not held.auto_post_allowed
    assert held.min_auto_confidence is None


# --- names (Verification of Payee) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "on_file", "outcome"),
    [
        ("ACME GMBH", "Acme GmbH", NameOutcome.MATCH),
        ("Acme", "Acme GmbH", NameOutcome.MATCH),  # legal form left out
        ("Société Générale", "SOCIETE GENERALE S.A.", NameOutcome.MATCH),
        ("Schmidt Hans", "Hans Schmidt", NameOutcome.MATCH),
        ("ГАЗПРОМ", "Gazprom", NameOutcome.MATCH),
        ("Acme AG", "Acme GmbH", NameOutcome.CLOSE_MATCH),  # another legal form
        ("ACEM Industrial GmbH", "Acme Industrial GmbH", NameOutcome.CLOSE_MATCH),
        ("Hans Peter Schmidt", "Hans Schmidt", NameOutcome.CLOSE_MATCH),
        ("Borealis AB", "Acme GmbH", NameOutcome.NO_MATCH),
        ("Acme Logistics", "Acme Chemicals", NameOutcome.NO_MATCH),
        ("", "Acme GmbH", NameOutcome.NOT_POSSIBLE),
        ("Acme GmbH", "", NameOutcome.NOT_POSSIBLE),
    ],
)
def test_name_outcomes(given: str, on_file: str, outcome: NameOutcome) -> None:
    assert compare_names(given, on_file)[0] is outcome


def test_a_payer_name_unlike_the_holder_on_file_is_flagged() -> None:
    result = one(pay("P1", payer_name="Zenith Holdings Ltd"))
    assert result.name_outcome is NameOutcome.NO_MATCH
    assert checks(result) == {Check.PAYEE_NAME}
    close = one(pay("P1", payer_name="ACMEE GMBH"))
    assert close.name_outcome is NameOutcome.CLOSE_MATCH
    assert close.verdict is Verdict.PASS  # a close match only informs on incoming cash
    assert one(pay("P1", payer_account="123456789")).name_outcome is NameOutcome.NOT_POSSIBLE


# --- sanctions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["SIDOROV IVAN PETROVICH", "Ivan Petrovič Sidorov", "Иван Сидоров", "Iwan Sidorow"]
)
def test_a_listed_payer_is_held_with_the_lists_version(name: str) -> None:
    result = one(pay("P1", payer_name=name, payer_account=ACME_NEW_IBAN))
    assert result.verdict is Verdict.HOLD
    assert not result.auto_post_allowed
    finding = next(f for f in result.findings if f.check is Check.SANCTIONS)
    hit = finding.sanctions_hit
    assert hit is not None
    assert (hit.list_name, hit.list_version, hit.list_date, hit.entry_id) == (
        "EU FSF",
        "171703",
        dt.date(2026, 11, 30),
        "EU.27.28",
    )


def test_the_ultimate_payer_is_screened_too() -> None:
    result = one(pay("P1", ultimate_payer_name="Ivan P. Sidorov"))
    assert Check.SANCTIONS in checks(result)


def test_a_payer_not_listed_is_not_held() -> None:
    assert Check.SANCTIONS not in checks(one(pay("P1", payer_name="Ivan Sidorenko")))
    assert Check.SANCTIONS not in checks(one(pay("P1"), attrs.evolve(CTX, sanctions=None)))


def test_a_payer_from_an_embargoed_country_is_held() -> None:
    result = one(pay("P1", payer_account=RU_IBAN, payer_name="Somebody"))
    finding = next(f for f in result.findings if f.check is Check.SANCTIONS)
    assert (finding.field, finding.value, result.verdict) == ("payer_country", "RU", Verdict.HOLD)


def test_the_country_the_bank_states_is_screened_before_the_ibans() -> None:
    # an address in an embargoed country, paying from an account elsewhere: held
    stated = one(pay("P1", payer_name="Somebody", payer_country="ru"))
    finding = next(f for f in stated.findings if f.check is Check.SANCTIONS)
    assert (finding.field, finding.value, stated.verdict) == ("payer_country", "RU", Verdict.HOLD)
    # the same payer with no stated country is screened by its (German) IBAN: not held
    assert Check.SANCTIONS not in checks(one(pay("P1", payer_name="Somebody")))
    # a stated country elsewhere wins over a listed IBAN country
    assert Check.SANCTIONS not in checks(
        one(pay("P1", payer_account=RU_IBAN, payer_name="Somebody", payer_country="DE"))
    )


def test_a_malformed_payer_bic_is_flagged_and_a_valid_one_is_not() -> None:
    bad = one(pay("P1", payer_bic="COBA DE FF"))
    finding = next(f for f in bad.findings if f.check is Check.ACCOUNT_INVALID)
    assert (finding.field, finding.severity) == ("payer_bic", Severity.FLAG)
    assert Check.ACCOUNT_INVALID not in checks(one(pay("P1", payer_bic="COBADEFFXXX")))
    assert Check.ACCOUNT_INVALID in checks(one(pay("P1", payer_bic="COBAQQFF")))  # no country


# --- anomalies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "anomalous"),
    [("1040.00", False), ("980.00", False), ("25000.00", True), ("20.00", False)],  # below: partial
)
def test_an_amount_far_above_the_customers_usual_ones(amount: str, anomalous: bool) -> None:
    result = one(pay("P1", amount))
    assert (Check.AMOUNT_ANOMALY in checks(result)) is anomalous


def test_a_customer_paying_the_same_amount_every_time() -> None:
    same = [attrs.evolve(p, amount=money("1000.00", "EUR")) for p in monthly_history()]
    ctx = attrs.evolve(CTX, past_payments={"C1": tuple(same)})
    assert Check.AMOUNT_ANOMALY not in checks(one(pay("P1", "1040.00"), ctx))
    assert Check.AMOUNT_ANOMALY in checks(one(pay("P1", "2000.00"), ctx))


def test_a_currency_never_seen() -> None:
    assert Check.CURRENCY_ANOMALY in checks(one(pay("P1", currency="USD")))
    assert Check.CURRENCY_ANOMALY not in checks(one(pay("P1")))


def test_a_country_never_seen() -> None:
    result = one(pay("P1", payer_account=FR_IBAN))
    assert {Check.COUNTRY_ANOMALY, Check.NEW_ACCOUNT} <= checks(result)
    assert Check.COUNTRY_ANOMALY not in checks(one(pay("P1", payer_account=ACME_NEW_IBAN)))
    # the stated country counts first: a German account paying from a French address
    stated = one(pay("P1", payer_country="FR"))
    finding = next(f for f in stated.findings if f.check is Check.COUNTRY_ANOMALY)
    assert (finding.field, finding.value) == ("payer_country", "FR")
    assert Check.COUNTRY_ANOMALY not in checks(one(pay("P1", payer_country="DE")))


def test_payments_far_faster_than_usual() -> None:
    # the history pays on the first of each month up to 2026-02-01
    burst = one(pay("P1", value_date=dt.date(2026, 2, 3)))
    assert Check.TIMING_ANOMALY in checks(burst)
    assert Check.TIMING_ANOMALY not in checks(one(pay("P1", value_date=dt.date(2026, 3, 1))))


def test_too_short_a_history_says_nothing() -> None:
    short = attrs.evolve(CTX, past_payments={"C1": tuple(monthly_history(n=4))})
    assert one(pay("P1", "25000.00", currency="USD"), short).verdict is Verdict.PASS


# --- refunds ----------------------------------------------------------------------------------

REFUND = Refund(
    refund_id="R1",
    customer_id="C1",
    amount=money("120.00", "EUR"),
    account=ACME_IBAN,
    holder_name="Acme GmbH",
    bic="COBADEFFXXX",
)


def refund_checks(
    refund: Refund, context: PrevalidationContext = CTX
) -> tuple[Verdict, set[Check]]:
    result = prevalidate_refund(refund, context)
    return result.verdict, checks(result)


def test_a_refund_to_the_account_on_file_passes() -> None:
    assert refund_checks(REFUND) == (Verdict.PASS, set())


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"account": ACME_NEW_IBAN}, Check.REFUND_ACCOUNT),  # not on file
        ({"account": BOREAL_IBAN, "holder_name": "Borealis AB"}, Check.REFUND_ACCOUNT),  # C2's
        ({"account": "DE89370400440532013001"}, Check.ACCOUNT_INVALID),
        ({"bic": "COBA-DE"}, Check.ACCOUNT_INVALID),
        ({"holder_name": "Zenith Holdings Ltd"}, Check.PAYEE_NAME),
        ({"holder_name": "Ivan Sidorov Petrovich"}, Check.SANCTIONS),
    ],
)
def test_a_refund_is_held(changes: dict[str, str], check: Check) -> None:
    verdict, found = refund_checks(attrs.evolve(REFUND, **changes))
    assert verdict is Verdict.HOLD
    assert check in found


def test_a_refund_to_a_close_match_is_flagged() -> None:
    assert refund_checks(attrs.evolve(REFUND, holder_name="ACMEE GmbH")) == (
        Verdict.FLAG,
        {Check.PAYEE_NAME},
    )


@pytest.mark.parametrize(("days_ago", "held"), [(10, True), (29, True), (30, False), (400, False)])
def test_a_refund_to_an_account_changed_recently_is_held(days_ago: int, held: bool) -> None:
    changed = PayerAccount(
        account=ACME_IBAN,
        customer_id="C1",
        holder_name="Acme GmbH",
        first_seen=dt.date(2020, 1, 1),
        linked_on=DAY - dt.timedelta(days=days_ago),
    )
    ctx = attrs.evolve(CTX, parties=PartiesOnFile.build(accounts=[changed]))
    verdict, found = refund_checks(REFUND, ctx)
    assert (verdict is Verdict.HOLD) is held
    assert (Check.REFUND_ACCOUNT in found) is held


# --- properties --------------------------------------------------------------------------------

_ACCOUNTS = [ACME_IBAN, ACME_NEW_IBAN, BOREAL_IBAN, FR_IBAN, ""]
_NAMES = ["Acme GmbH", "Borealis AB", "Somebody Else", "Ivan Sidorov Petrovich", ""]


@st.composite
def batches(draw: st.DrawFn) -> list[Payment]:
    n = draw(st.integers(min_value=1, max_value=8))
    out = []
    for i in range(n):
        out.append(
            pay(
                f"P{i}",
                draw(st.sampled_from(["100.00", "1000.00", "25000.00"])),
                currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
                value_date=DAY + dt.timedelta(days=draw(st.integers(min_value=-5, max_value=5))),
                payer_account=draw(st.sampled_from(_ACCOUNTS)),
                payer_name=draw(st.sampled_from(_NAMES)),
                bank_reference=draw(st.sampled_from(["", "R1", "R2", f"U{i}"])),
            )
        )
    return out


def _by_id(results: tuple[PrevalidationResult, ...]) -> dict[str, PrevalidationResult]:
    return {r.payment_id: r for r in results}


@settings(suppress_health_check=[HealthCheck.too_slow])  # payments are slow to draw
@given(batches(), st.randoms(use_true_random=False))
def test_verdicts_do_not_depend_on_the_order_of_the_batch(
    batch: list[Payment], rnd: object
) -> None:
    shuffled = list(batch)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert _by_id(prevalidate(batch, CTX)) == _by_id(prevalidate(shuffled, CTX))


@settings(suppress_health_check=[HealthCheck.too_slow])  # payments are slow to draw
@given(batches())
def test_rerunning_is_idempotent_and_a_recorded_batch_is_a_no_op(batch: list[Payment]) -> None:
    first = prevalidate(batch, CTX)
    assert prevalidate(batch, CTX) == first
    assert len({r.key for r in first}) == len(batch)  # equal payments are all kept
    recorded = attrs.evolve(CTX, recorded_keys=frozenset(r.key for r in first))
    again = prevalidate(batch, recorded)
    assert all(r.already_recorded and not r.auto_post_allowed for r in again)
    assert [r.key for r in again] == [r.key for r in first]


@settings(suppress_health_check=[HealthCheck.too_slow])  # payments are slow to draw
@given(batches())
def test_a_held_payment_is_never_auto_posted_and_a_flag_asks_for_more(batch: list[Payment]) -> None:
    for result in prevalidate(batch, CTX):
        worst = result.reasons(Severity.HOLD)
        assert (result.verdict is Verdict.HOLD) == bool(worst)
        assert result.auto_post_allowed == (result.verdict is not Verdict.HOLD)
        if result.verdict is Verdict.FLAG:
            assert result.min_auto_confidence == PrevalidationPolicy().flagged_min_confidence
        else:
            assert result.min_auto_confidence is None


# --- the ledger's customer master is what pre-validation reads ---------------------------------


def _master_ledger() -> Ledger:
    at = dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC)
    book = Ledger()
    book.append(
        [
            CustomerRegistered(
                fact_id="reg:C1",
                customer_id="C1",
                effective=SINCE,
                recorded_at=at,
                details=CustomerDetails(name="Acme GmbH"),
            ),
            CustomerRegistered(
                fact_id="reg:C2",
                customer_id="C2",
                effective=SINCE,
                recorded_at=at,
                details=CustomerDetails(name="Borealis AB"),
            ),
            PayerAccountLinked(
                fact_id="acc:C1",
                customer_id="C1",
                effective=SINCE,
                recorded_at=at,
                account=ACME_IBAN,
                holder_name="Acme GmbH",
            ),
        ]
    )
    return book


def test_the_customer_master_is_the_parties_on_file_as_it_is() -> None:
    master: KnownParties = _master_ledger().read().customer_master()
    ctx = PrevalidationContext(as_of=DAY, parties=master)
    # names compare as pre-validation compares them (punctuation, case), not as the ledger keys
    known = one(pay("P1", payer_name="ACME G.M.B.H"), ctx)
    assert (known.customer_id, known.verdict) == ("C1", Verdict.PASS)
    new = one(pay("P1", payer_account=ACME_NEW_IBAN), ctx)
    assert Check.NEW_ACCOUNT in checks(new)
    other = one(pay("P1", payer_name="Borealis AB"), ctx)
    assert Check.ACCOUNT_OF_ANOTHER_CUSTOMER in checks(other)
    assert Check.NEW_ACCOUNT not in checks(one(pay("P1"), ctx))


def test_a_refund_to_an_account_the_master_relinked_recently_is_held() -> None:
    book = _master_ledger()
    ctx = PrevalidationContext(as_of=DAY, parties=book.read().customer_master())
    assert refund_checks(REFUND, ctx)[0] is Verdict.PASS
    when = dt.datetime(2026, 2, 27, 9, tzinfo=dt.UTC)
    book.append(
        [
            PayerAccountUnlinked(
                fact_id="acc:C1:closed",
                customer_id="C1",
                effective=DAY - dt.timedelta(days=4),
                recorded_at=when,
                account=ACME_IBAN,
            ),
            PayerAccountLinked(
                fact_id="acc:C1:new-holder",
                customer_id="C1",
                effective=DAY - dt.timedelta(days=3),
                recorded_at=when,
                account=ACME_IBAN,
                holder_name="Acme GmbH (new)",
            ),
        ]
    )
    ctx = PrevalidationContext(as_of=DAY, parties=book.read().customer_master())
    verdict, found = refund_checks(REFUND, ctx)
    assert (verdict, Check.REFUND_ACCOUNT in found) == (Verdict.HOLD, True)
