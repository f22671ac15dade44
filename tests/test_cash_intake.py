"""The import loop (issue 18 item 3): nothing on the floor, re-import a no-op, held and flagged.

Properties: every line read has exactly one outcome (the counts add up), every incoming line not
seen before is received in the ledger (posted, or unapplied cash of a customer or of suspense),
and planning the same lines again after appending the plan appends nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.match_folder import read_bank_paths, read_bank_paths_with_accounts
from o2c.cash_application.amounts import home_countries
from o2c.cash_application.intake import LineOutcome, _candidates, plan_intake
from o2c.cash_application.model import (
    Allocation,
    MatchDecision,
    MatchResult,
    Residual,
    ResidualKind,
)
from o2c.cash_application.posting import carry_deductions, payment_facts
from o2c.cash_application.prevalidation import PrevalidationPolicy
from o2c.cash_application.screening import SanctionsEntry, SanctionsList, SanctionsScreen
from o2c.cash_application.worklist import ExceptionKind, LoopPolicy, worklist
from o2c.ledger import (
    CreditMemoIssued,
    CustomerDetails,
    CustomerRegistered,
    InvoiceIssued,
    ItemKind,
    Ledger,
    PayerAccountLinked,
    PaymentAllocated,
    ScreeningVerdict,
)
from o2c.money import money
from o2c.statement import Payment
from o2c.terms import Instalment

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
ACME = "DE89370400440532013000"
BOREALIS = "SE4550000000058398257466"
CUSTOMERS = {"C1": ("Acme GmbH", ACME), "C2": ("Borealis AB", BOREALIS)}
INVOICES = [
    ("C1", "I1", "INV-1001", "1190.00"),
    ("C1", "I2", "INV-1002", "530.40"),
    ("C2", "I4", "INV-2001", "2400.00"),
    ("C2", "I5", "INV-2002", "318.25"),
]


def _ledger() -> Ledger:
    book = Ledger()
    since = dt.date(2026, 1, 1)
    facts: list[object] = []
    for cid, (name, account) in CUSTOMERS.items():
        facts.append(
            CustomerRegistered(
                fact_id=f"reg:{cid}",
                customer_id=cid,
                effective=since,
                recorded_at=AT,
                details=CustomerDetails(name=name),
            )
        )
        facts.append(
            PayerAccountLinked(
                fact_id=f"acc:{cid}",
                customer_id=cid,
                effective=since,
                recorded_at=AT,
                account=account,
                holder_name=name,
            )
        )
    for cid, item, number, amount in INVOICES:
        facts.append(
            InvoiceIssued.from_instalments(
                fact_id=f"inv:{item}",
                customer_id=cid,
                item_id=item,
                document_number=number,
                document_date=dt.date(2026, 2, 1),
                recorded_at=AT,
                instalments=[
                    Instalment(number=1, due_date=dt.date(2026, 3, 3), amount=money(amount, "EUR"))
                ],
            )
        )
    book.append(facts)  # type: ignore[arg-type]
    return book


def _pay(
    pid: str,
    amount: str,
    reference: str = "",
    *,
    name: str = "",
    account: str = "",
    bank_reference: str | None = None,
    day: int = 3,
) -> Payment:
    return Payment(
        payment_id=pid,
        value_date=dt.date(2026, 3, day),
        amount=money(amount, "EUR"),
        payer_name=name,
        payer_account=account,
        reference=reference,
        bank_reference=pid if bank_reference is None else bank_reference,
    )


_PAYERS = [("Acme GmbH", ACME), ("Borealis AB", BOREALIS), ("Hamilton Trading Ltd", ""), ("", "")]
_REFERENCES = ["", "INV-1001", "INV-1002 INV-2001", "INV-2002", "thanks", "INV-9999"]
_AMOUNTS = ["1190.00", "530.40", "2400.00", "318.25", "100.00", "1720.40", "-50.00", "0.01"]

lines_strategy = st.lists(
    st.tuples(
        st.sampled_from(_AMOUNTS),
        st.sampled_from(_REFERENCES),
        st.sampled_from(_PAYERS),
        st.integers(min_value=2, max_value=6),
        st.sampled_from(["R1", "R2", "R3", "R4", "R5", ""]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(lines_strategy)
def test_every_line_has_one_outcome_and_a_re_import_appends_nothing(
    drawn: list[tuple[str, str, tuple[str, str], int, str]],
) -> None:
    ledger = _ledger()
    payments = [
        _pay(f"P{n}", amount, ref, name=name, account=acct, bank_reference=bank, day=day)
        for n, (amount, ref, (name, acct), day, bank) in enumerate(drawn)
    ]
    plan = plan_intake(payments, ledger.read(), recorded_at=AT.replace(day=7))
    assert [line.payment_id for line in plan.lines] == [p.payment_id for p in payments]
    counts = plan.counts()
    assert sum(counts.values()) == len(payments)
    debits = sum(1 for p in payments if p.amount.amount <= 0)
    assert counts[LineOutcome.NOT_INCOMING] == debits
    ledger.append(list(plan.facts))
    history = ledger.read()
    # every incoming line is in the ledger: received (posted or unapplied) and screened
    fresh = [line for line in plan.lines if line.outcome is not LineOutcome.ALREADY_RECORDED]
    screened = {c.payment_id for c in history.payment_cases() if c.screening is not None}
    incoming = [line for line in fresh if line.outcome is not LineOutcome.NOT_INCOMING]
    assert len(screened) == len(incoming)
    cash_in = sum((p.amount.amount for p in history.payments), Decimal(0))
    assert cash_in == sum((p.amount.amount for p in payments if p.amount.amount > 0), Decimal(0))
    # nothing posted that pre-validation held
    for line in plan.lines:
        if line.outcome is LineOutcome.AUTO_POSTED:
            assert line.verdict.value != "hold"
    again = plan_intake(payments, history, recorded_at=AT.replace(day=8))
    assert again.facts == ()
    assert again.counts()[LineOutcome.ALREADY_RECORDED] == len(incoming)


def test_a_sanctioned_payer_is_held_never_posted_and_on_the_worklist() -> None:
    ledger = _ledger()
    listed = SanctionsList(
        name="Test list",
        version="7",
        published=dt.date(2026, 2, 1),
        entries=(SanctionsEntry(entry_id="T-1", names=("Borealis AB",)),),
    )
    screen = SanctionsScreen.build([listed])
    pays = [
        _pay("B1", "2400.00", "INV-2001", name="Borealis AB", account=BOREALIS),
        _pay("B2", "1190.00", "INV-1001", name="Acme GmbH", account=ACME),
    ]
    plan = plan_intake(pays, ledger.read(), recorded_at=AT.replace(day=4), sanctions=screen)
    outcomes = {line.payment_id: line.outcome for line in plan.lines}
    assert outcomes == {"B1": LineOutcome.HELD, "B2": LineOutcome.AUTO_POSTED}
    [held] = [line for line in plan.lines if line.payment_id == "B1"]
    assert any("Test list" in r and "7" in r for r in held.reasons)
    ledger.append(list(plan.facts))
    history = ledger.read()
    assert "I4" in {i.item_id for i in history.open_items()}
    [item] = worklist(history, as_of=dt.date(2026, 3, 5))
    assert (item.payment_id, item.kind, item.customer_id) == ("B1", ExceptionKind.HELD, "C2")
    assert item.candidates[0].lines[0].item_id == "I4"
    case = next(c for c in history.payment_cases() if c.payment_id == "B1")
    assert case.screening is not None
    assert case.screening.verdict is ScreeningVerdict.HOLD


@pytest.mark.parametrize(("least", "outcome"), [(0.0, "auto_posted"), (1.0, "flagged")])
def test_a_flag_needs_the_stronger_evidence_the_policy_states(least: float, outcome: str) -> None:
    # The customer's name from an account not on file, naming the invoice: flagged as a new
    # account; posted only when the match reaches the policy's least confidence for a flag.
    ledger = _ledger()
    new_account = "GB94BARC10201530093459"
    pay = _pay("B1", "2400.00", "INV-2001", name="Borealis AB", account=new_account)
    policy = LoopPolicy(prevalidation=PrevalidationPolicy(flagged_min_confidence=least))
    plan = plan_intake([pay], ledger.read(), recorded_at=AT.replace(day=5), policy=policy)
    [line] = plan.lines
    assert line.verdict.value == "flag"
    assert any(r.startswith("new_account") for r in line.reasons)
    assert line.outcome.value == outcome
    ledger.append(list(plan.facts))
    settled = "I4" not in {i.item_id for i in ledger.read().open_items()}
    assert settled is (outcome == "auto_posted")


def test_unknown_payers_go_to_suspense_known_ones_to_their_account() -> None:
    ledger = _ledger()
    pays = [
        _pay("B1", "12.00", "donation?", name="Nobody Known"),
        _pay("B2", "12.00", "no idea", name="Acme GmbH", account=ACME),
        _pay("B3", "-40.00", "direct debit"),
    ]
    plan = plan_intake(pays, ledger.read(), recorded_at=AT.replace(day=4))
    assert [(line.outcome, line.customer_id) for line in plan.lines] == [
        (LineOutcome.SUSPENSE, "SUSPENSE"),
        (LineOutcome.UNAPPLIED, "C1"),
        (LineOutcome.NOT_INCOMING, ""),
    ]
    ledger.append(list(plan.facts))
    cash = sorted(
        (i.customer_id, i.open_amount.amount)
        for i in ledger.read().open_items()
        if i.kind is ItemKind.UNAPPLIED_CASH
    )
    assert cash == [("C1", Decimal("-12.00")), ("SUSPENSE", Decimal("-12.00"))]


def test_the_same_bank_id_on_two_lines_keeps_both() -> None:
    ledger = _ledger()
    first = _pay("B1", "10.00", "a", name="Nobody", bank_reference="R9")
    second = _pay("B1", "11.00", "b", name="Nobody", bank_reference="R9")
    plan = plan_intake([first, second], ledger.read(), recorded_at=AT.replace(day=4))
    ledger.append(list(plan.facts))
    ids = sorted(p.payment_id for p in ledger.read().payments)
    assert len(ids) == 2
    assert ids[0] == "B1"
    again = plan_intake([first, second], ledger.read(), recorded_at=AT.replace(day=5))
    assert again.facts == ()


def test_an_empty_batch_records_nothing() -> None:
    plan = plan_intake([], _ledger().read(), recorded_at=AT)
    assert (plan.lines, plan.facts, plan.summary()) == (
        (),
        (),
        (
            "0 lines read: 0 auto-posted, 0 unapplied, 0 suspense, 0 held, 0 flagged, "
            "0 already recorded, 0 not incoming"
        ),
    )


@pytest.mark.parametrize("verdict", list(ScreeningVerdict))
def test_screenings_round_trip_through_json(verdict: ScreeningVerdict) -> None:
    from o2c.ledger.facts import PaymentScreened, fact_from_json, fact_to_json

    fact = PaymentScreened(
        fact_id="screened:B1",
        customer_id="C1",
        effective=dt.date(2026, 3, 2),
        recorded_at=AT,
        payment_id="B1",
        key="|ref:B1#1",
        verdict=verdict,
        amount=money("1.00", "EUR"),
        value_date=dt.date(2026, 3, 2),
        reasons=("new_account: first payment",),
    )
    assert fact_from_json(fact_to_json(fact)) == fact


# --- posting what matching auto-applies (results the ledger refused before) ------------------


def _auto(payment: Payment, *allocations: Allocation) -> MatchResult:
    return MatchResult(
        payment=payment,
        decision=MatchDecision.AUTO,
        confidence=0.999,
        allocations=allocations,
        on_account=money("0", "EUR"),
        explanation=("test",),
    )


def _alloc(item: str, paid: str, applied: str | None = None, deduction: str = "") -> Allocation:
    residuals = (
        (Residual(kind=ResidualKind.DEDUCTION, amount=money(deduction, "EUR"), reason="pricing"),)
        if deduction
        else ()
    )
    return Allocation(
        item_id=item,
        customer_id="C1" if item in {"I1", "I2"} else "C2",
        applied=money(applied or paid, "EUR"),
        paid=money(paid, "EUR"),
        residuals=residuals,
    )


def test_a_deduction_larger_than_its_item_is_carried_to_another_item_and_posts() -> None:
    # 'INV-1001, INV-1002 less pricing': 1190.00 + 530.40 - 600.00, the deduction matched
    # against the smaller item (negative cash on it, which no ledger records)
    book = _ledger()
    line = _pay("P1", "1120.40", "INV-1001 INV-1002 less pricing")
    result = _auto(line, _alloc("I1", "1190.00"), _alloc("I2", "-69.60", "530.40", "600.00"))
    facts = payment_facts(result, recorded_at=AT)
    book.append(facts)
    allocated = {f.item_id: f for f in facts if isinstance(f, PaymentAllocated)}
    # the whole deduction moved to the item that can carry it; I2 is paid in full
    assert (allocated["I1"].applied, allocated["I1"].deduction) == (
        money("590.00", "EUR"),
        money("600.00", "EUR"),
    )
    assert allocated["I1"].deduction_reason == "pricing"
    assert (allocated["I2"].applied, allocated["I2"].deduction) == (money("530.40", "EUR"), None)
    assert sum(f.applied.amount for f in allocated.values()) == line.amount.amount
    assert not [i for i in book.read().open_items() if i.item_id in {"I1", "I2"}]


def test_a_deduction_no_single_item_can_carry_is_spread_largest_first() -> None:
    line = _pay("P1", "20.40", "INV-1001 INV-1002 less damage")
    result = _auto(line, _alloc("I1", "1190.00"), _alloc("I2", "-1169.60", "530.40", "1700.00"))
    carried = {a.item_id: a for a in carry_deductions(result.allocations)}
    assert carried["I2"].paid == money("0", "EUR")
    assert carried["I1"].paid == money("20.40", "EUR")
    book = _ledger()
    book.append(payment_facts(result, recorded_at=AT))
    assert not [i for i in book.read().open_items() if i.item_id in {"I1", "I2"}]


def test_a_credit_memo_that_settles_an_invoice_whole_posts() -> None:
    # the credit memo covers the first invoice entirely: no cash of the payment goes to it
    book = _ledger()
    book.append(
        [
            CreditMemoIssued(
                fact_id="cm:1",
                customer_id="C1",
                effective=dt.date(2026, 2, 1),
                recorded_at=AT,
                item_id="CN1",
                document_number="CN-1",
                document_date=dt.date(2026, 2, 1),
                amount=money("1190.00", "EUR"),
            )
        ]
    )
    line = _pay("P1", "530.40", "INV-1001 INV-1002 CN-1")
    cn = Allocation(
        item_id="CN1",
        customer_id="C1",
        applied=money("-1190.00", "EUR"),
        paid=money("-1190.00", "EUR"),
    )
    result = _auto(line, _alloc("I1", "1190.00"), cn, _alloc("I2", "530.40"))
    facts = payment_facts(result, recorded_at=AT)
    book.append(facts)
    sources = sorted((f.source_id, f.item_id) for f in facts if isinstance(f, PaymentAllocated))
    assert sources == [("CN1", "I1"), ("P1", "I2")]
    assert not [i for i in book.read().open_items() if i.item_id in {"I1", "I2", "CN1"}]


def test_a_suggestion_never_carries_negative_cash_on_an_invoice() -> None:
    book = _ledger()
    line = _pay("P1", "1120.40", "INV-1001 INV-1002 less pricing")
    result = _auto(line, _alloc("I1", "1190.00"), _alloc("I2", "-69.60", "530.40", "600.00"))
    [candidate] = _candidates(result, LoopPolicy())
    assert all(x.applied.amount > 0 for x in candidate.lines)
    assert book.read().open_items()


# --- an automatic posting teaches the master the account it came from -------------------------

NEW_IBAN = "GB33BUKB20201555555555"


def test_an_auto_posted_payment_from_an_unknown_account_teaches_the_master() -> None:
    book = _ledger()
    first = _pay("P1", "1190.00", "INV-1001", account=NEW_IBAN)
    second = _pay("P2", "530.40", "INV-1002", account=NEW_IBAN)  # same account, same batch
    plan = plan_intake([first, second], book.read(), recorded_at=AT)
    assert [x.outcome for x in plan.lines] == [LineOutcome.AUTO_POSTED] * 2
    links = [f for f in plan.facts if isinstance(f, PayerAccountLinked)]
    assert [(f.customer_id, f.account, f.payment_id) for f in links] == [("C1", NEW_IBAN, "P1")]
    book.append(plan.facts)
    assert book.read().customer_master().customers_of_account(NEW_IBAN) == ("C1",)
    # the customer's next payment from it, under its own name, is no first payment from a new
    # account
    later = _pay("P3", "100.00", "thanks", name="Acme GmbH", account=NEW_IBAN, day=5)
    [line] = plan_intake([later], book.read(), recorded_at=AT).lines
    assert not any(r.startswith("new_account") for r in line.reasons)
    assert line.customer_id == "C1"


def test_an_account_on_file_for_another_customer_is_not_learnt_by_posting() -> None:
    book = _ledger()
    line = _pay("P1", "1190.00", "INV-1001", account=BOREALIS)
    plan = plan_intake([line], book.read(), recorded_at=AT)
    assert not [f for f in plan.facts if isinstance(f, PayerAccountLinked)]
    off = plan_intake(
        [_pay("P1", "1190.00", "INV-1001", account=NEW_IBAN)],
        book.read(),
        recorded_at=AT,
        policy=LoopPolicy(learn_accounts_from_auto_posts=False),
    )
    assert off.lines[0].outcome is LineOutcome.AUTO_POSTED
    assert not [f for f in off.facts if isinstance(f, PayerAccountLinked)]


@pytest.mark.parametrize(
    ("creditor_accounts", "fee"),
    [
        # The statements' own account is German like the payer's: a domestic SEPA credit
        # carries no charges, so the short 36.45 stays a deduction to chase.
        (["DE02120300000000202051"], False),
        # The seller's account is abroad: the payment crossed a border, charges may be taken.
        (["GB94BARC10201530093459"], True),
        # Nothing says where the seller banks: the channel is not known, the band applies.
        ([], True),
    ],
)
def test_the_import_reads_the_creditor_country_from_the_statements_accounts(
    creditor_accounts: list[str], fee: bool
) -> None:
    ledger = _ledger()
    pay = _pay("B1", "1153.55", "INV-1001", name="Acme GmbH", account=ACME)
    plan = plan_intake(
        [pay],
        ledger.read(),
        recorded_at=AT.replace(day=5),
        creditor_accounts=creditor_accounts,
    )
    assert [line.outcome for line in plan.lines] == [LineOutcome.AUTO_POSTED]
    [allocation] = [f for f in plan.facts if isinstance(f, PaymentAllocated)]
    assert allocation.applied == money("1153.55", "EUR")
    short = money("36.45", "EUR")
    if fee:
        assert (allocation.bank_fee, allocation.deduction) == (short, None)
    else:
        assert (allocation.bank_fee, allocation.deduction) == (None, short)


def test_the_bank_files_name_the_creditor_accounts(tmp_path: Path) -> None:
    # What `o2c cash import` gives plan_intake as creditor_accounts: the statements' own.
    data = Path(__file__).resolve().parent / "data" / "bank"
    for name in ("camt053_v08_structured.xml", "mt940_de_two_days.sta"):
        shutil.copy(data / name, tmp_path / name)
    lines, files, accounts = read_bank_paths_with_accounts([tmp_path])
    assert (lines, files) == read_bank_paths([tmp_path])
    # One account per statement: the camt's IBAN, the MT940's bank code/account (two days).
    assert accounts == ["FR7630006000011234567890189", *["37040044/0532013000"] * 2]
    assert home_countries(accounts) == {"FR"}
