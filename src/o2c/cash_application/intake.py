"""The import of incoming cash: pre-validate, match, post what is sure, record the rest.

:func:`plan_intake` takes the bank lines and the ledger's read model (a
:class:`~o2c.ledger.History`: open items and the customer master) and returns the facts to
append, so that nothing falls on the floor.  Every line read ends in exactly one
:class:`LineOutcome`:

- ``already_recorded``: its pre-validation key (the bank's reference and its occurrence) was
  screened before: a re-import, nothing is appended;
- ``auto_posted``: matching decided ``AUTO`` and pre-validation lets it (a pass, or a flag with
  the stronger confidence the pre-validation policy asks): the payment and its allocations
  (:func:`~o2c.cash_application.payment_facts`); a payment covering several customers is
  posted across them, one part per customer (payment id ``<id>/<customer>``);
- ``held``: pre-validation held it (never posted by itself);
- ``flagged``: pre-validation flagged it and the match was not strong enough to post;
- ``unapplied``: received on the identified customer's account as unapplied cash (the customer
  pre-validation identified, or the one customer all of matching's candidates belong to);
- ``suspense``: nobody knows whose it is: received on :attr:`LoopPolicy.suspense_customer`;
- ``not_incoming``: a debit (money going out), no customer payment: nothing is recorded.

An automatically posted payment from an account on file for nobody links that account to its
customer in the master (``PayerAccountLinked``, as a confirmation would; see
:attr:`LoopPolicy.learn_accounts_from_auto_posts`), so the next import knows it.

Every line not already recorded gets a ``PaymentScreened`` fact (its key, verdict and reasons),
and one not posted a ``PaymentReceived`` (unapplied cash, which aging and statements show) and,
when matching had candidates, a ``PaymentSuggested``: the worklist
(:mod:`o2c.cash_application.worklist`) reads them from the ledger.

>>> import datetime as dt
>>> from o2c.ledger import (CustomerDetails, CustomerRegistered, InvoiceIssued, Ledger,
...     PayerAccountLinked)
>>> from o2c.money import money
>>> from o2c.statement import Payment
>>> from o2c.terms import Instalment
>>> at = dt.datetime(2026, 3, 2, 8, tzinfo=dt.timezone.utc)
>>> ledger = Ledger()
>>> _ = ledger.append([
...     CustomerRegistered(fact_id="reg:C1", customer_id="C1", effective=dt.date(2026, 2, 1),
...         recorded_at=at, details=CustomerDetails(name="Acme GmbH")),
...     PayerAccountLinked(fact_id="acc:C1", customer_id="C1", effective=dt.date(2026, 2, 1),
...         recorded_at=at, account="DE89370400440532013000", holder_name="Acme GmbH"),
...     InvoiceIssued.from_instalments(fact_id="inv:1", customer_id="C1", item_id="I1",
...         document_number="INV-2026-100042", document_date=dt.date(2026, 2, 1),
...         recorded_at=at, instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 3),
...                                                amount=money("1190.00", "EUR"))])])
>>> lines = [
...     Payment(payment_id="B1", value_date=dt.date(2026, 3, 2), amount=money("1190.00", "EUR"),
...             payer_name="ACME GMBH", payer_account="DE89370400440532013000",
...             reference="INV-2026-100042", bank_reference="B1"),
...     Payment(payment_id="B2", value_date=dt.date(2026, 3, 2), amount=money("75.00", "EUR"),
...             payer_name="Somebody Else", reference="thanks", bank_reference="B2")]
>>> plan = plan_intake(lines, ledger.read(), recorded_at=at.replace(hour=9))
>>> [(line.payment_id, line.outcome.value, line.customer_id) for line in plan.lines]
[('B1', 'auto_posted', 'C1'), ('B2', 'suspense', 'SUSPENSE')]
>>> _ = ledger.append(plan.facts)
>>> again = plan_intake(lines, ledger.read(), recorded_at=at.replace(hour=10))
>>> again.facts
()
>>> again.summary()  # doctest: +NORMALIZE_WHITESPACE
'2 lines read: 0 auto-posted, 0 unapplied, 0 suspense, 0 held, 0 flagged,
 2 already recorded, 0 not incoming'
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from o2c.cash_application.advices import RemittanceAdvice, apply_advices, link_advices
from o2c.cash_application.amounts import home_countries
from o2c.cash_application.decide import match_payments
from o2c.cash_application.model import (
    Allocation,
    CustomerProfile,
    MatchDecision,
    MatchResult,
    ResidualKind,
)
from o2c.cash_application.posting import carry_deductions, payment_facts
from o2c.cash_application.prevalidation import (
    PastPayment,
    PrevalidationContext,
    PrevalidationResult,
    Severity,
    Verdict,
    prevalidate,
)
from o2c.cash_application.worklist import DEFAULT_LOOP_POLICY, LoopPolicy
from o2c.errors import O2CError
from o2c.ledger import (
    CustomerId,
    CustomerMaster,
    FactId,
    History,
    ItemId,
    ItemKind,
    PaymentId,
    PaymentReceived,
    PaymentScreened,
    PaymentSuggested,
    ScreeningVerdict,
    SuggestedLine,
    SuggestedMatch,
    account_key,
    learn_from_confirmation,
)
from o2c.ledger.facts import Fact
from o2c.statement import Payment

if TYPE_CHECKING:
    from o2c.cash_application.screening import SanctionsScreen
    from o2c.fx import RateProvider

__all__ = ["IntakeLine", "IntakePlan", "LineOutcome", "plan_intake"]


class LineOutcome(enum.Enum):
    """What became of one bank line (each line has exactly one)."""

    AUTO_POSTED = "auto_posted"
    UNAPPLIED = "unapplied"
    SUSPENSE = "suspense"
    HELD = "held"
    FLAGGED = "flagged"
    ALREADY_RECORDED = "already_recorded"
    #: A debit (a negative or zero amount): money going out is no customer payment; it is left
    #: to the bank reconciliation and nothing is recorded.
    NOT_INCOMING = "not_incoming"


@attrs.frozen(kw_only=True)
class IntakeLine:
    """One bank line's outcome: the customer it was recorded for, the verdict and why."""

    payment_id: str
    outcome: LineOutcome
    #: The customer whose stream received it (the first of several; suspense when unknown;
    #: empty for a line recorded before).
    customer_id: str
    verdict: Verdict
    #: Matching's confidence in its best hypothesis (0 when nothing fits).
    confidence: float
    #: Pre-validation's findings that weigh (flag or hold), as ``check: explanation``.
    reasons: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class IntakePlan:
    """The outcome of every line read, in the order read, and the facts to append."""

    lines: tuple[IntakeLine, ...]
    facts: tuple[Fact, ...]

    def counts(self) -> dict[LineOutcome, int]:
        """How many lines ended in each outcome (they add up to the lines read)."""
        counts = dict.fromkeys(LineOutcome, 0)
        for line in self.lines:
            counts[line.outcome] += 1
        return counts

    def summary(self) -> str:
        """One line: the lines read and what became of them."""
        counts = self.counts()
        parts = ", ".join(f"{n} {k.value.replace('_', ' ')}" for k, n in counts.items())
        return f"{len(self.lines)} lines read: {parts.replace('auto posted', 'auto-posted')}"


def _profiles(master: CustomerMaster) -> tuple[list[CustomerProfile], dict[str, frozenset[str]]]:
    """The customers as matching knows them (names, payer accounts, aliases) and the accounts
    that pay for several customers, from the ledger's customer master."""
    profiles = [
        CustomerProfile(
            record.customer_id,
            record.name,
            accounts=frozenset(a.account for a in record.accounts),
            aliases=tuple(record.aliases),
        )
        for record in master.customers.values()
    ]
    shared = {
        account: frozenset(str(c) for c in known.customers)
        for account, known in master.accounts.items()
        if known.shared
    }
    return profiles, shared


def _past_payments(history: History, policy: LoopPolicy) -> list[PastPayment]:
    """The payments received (suspense left out): each customer's usual pattern."""
    return [
        PastPayment(
            value_date=p.value_date,
            amount=p.amount,
            customer_id=p.customer_id,
            payer_account=p.payer_account,
            payer_name=p.payer_name,
            payment_id=p.payment_id,
        )
        for p in history.payments
        if p.customer_id != policy.suspense_customer
    ]


def _reasons(check: PrevalidationResult) -> tuple[str, ...]:
    return tuple(f"{f.check.value}: {f.explanation}" for f in check.reasons(Severity.FLAG))


_VERDICTS = {
    Verdict.PASS: ScreeningVerdict.PASS,
    Verdict.FLAG: ScreeningVerdict.FLAG,
    Verdict.HOLD: ScreeningVerdict.HOLD,
}
_PARTS = {
    ResidualKind.DISCOUNT: "discount",
    ResidualKind.DEDUCTION: "deduction",
    ResidualKind.BANK_FEE: "bank_fee",
    ResidualKind.WRITE_OFF: "write_off",
}


def _line(a: Allocation) -> SuggestedLine:
    converted = a.paid.currency != a.applied.currency
    parts: dict[str, Money] = {}
    reason = ""
    for r in a.residuals:
        name = _PARTS.get(r.kind)
        if name is None or converted:
            continue
        parts[name] = parts[name] + r.amount if name in parts else r.amount
        if r.kind is ResidualKind.DEDUCTION:
            reason = r.reason or "short payment"
    return SuggestedLine(
        customer_id=CustomerId(a.customer_id),
        item_id=ItemId(a.item_id),
        applied=a.applied if converted else a.paid,
        deduction_reason=reason,
        converted=converted,
        **{k: v for k, v in parts.items() if v.amount},
    )


def _candidates(result: MatchResult, policy: LoopPolicy) -> tuple[SuggestedMatch, ...]:
    """Matching's hypotheses for a payment it did not post, best first (at most
    :attr:`LoopPolicy.max_candidates`, one per set of items)."""
    found: list[SuggestedMatch] = []
    seen: set[frozenset[str]] = set()
    proposals = [(result.allocations, result.confidence, result.explanation)] + [
        (p.allocations, p.confidence, p.explanation) for p in result.suggestions
    ]
    for allocations, confidence, explanation in proposals:
        key = frozenset(a.item_id for a in allocations)
        if not allocations or key in seen:
            continue
        seen.add(key)
        found.append(
            SuggestedMatch(
                lines=tuple(_line(a) for a in carry_deductions(allocations)),
                confidence=Decimal(str(round(confidence, 3))),
                explanation="; ".join(explanation)[:500],
            )
        )
        if len(found) >= policy.max_candidates:
            break
    return tuple(found)


def _split(result: MatchResult, recorded_at: dt.datetime, recorded_by: str) -> list[Fact] | None:
    """The facts of an automatic result spanning several customers: one part of the payment per
    customer (``<payment id>/<customer>``, its allocations' cash; the rest on account with the
    first), or ``None`` when a part would not be a positive payment."""
    customers = sorted({a.customer_id for a in result.allocations})
    facts: list[Fact] = []
    for n, cid in enumerate(customers):
        mine = tuple(a for a in result.allocations if a.customer_id == cid)
        share = sum((a.paid.amount for a in mine), Decimal(0))
        on_account = result.on_account if n == 0 else Money(0, result.on_account.currency)
        share += on_account.amount
        if share <= 0 or any(a.paid.currency != result.payment.amount.currency for a in mine):
            return None
        part = attrs.evolve(
            result.payment,
            payment_id=f"{result.payment_id}/{cid}",
            amount=Money(share, result.payment.amount.currency),
        )
        try:
            sub = attrs.evolve(result, payment=part, allocations=mine, on_account=on_account)
            facts += payment_facts(sub, recorded_at=recorded_at, recorded_by=recorded_by)
        except O2CError:
            return None
    return facts


def plan_intake(
    payments: Iterable[Payment],
    history: History,
    *,
    recorded_at: dt.datetime,
    recorded_by: str = "cash import",
    advices: Sequence[RemittanceAdvice] = (),
    sanctions: SanctionsScreen | None = None,
    rates: RateProvider | None = None,
    as_of: dt.date | None = None,
    policy: LoopPolicy = DEFAULT_LOOP_POLICY,
    creditor_accounts: Iterable[str] = (),
) -> IntakePlan:
    """What to record for the bank lines ``payments``, given the ledger's read model.

    Args:
        payments: the bank lines, in the order read.
        history: the ledger's read model (``Ledger.read()``): its open items, its customer
            master (names, aliases, payer accounts), the payments and screenings recorded.
        recorded_at, recorded_by: the facts' recording time (timezone-aware) and author.
        advices: remittance advices, linked to the lines and read as their remittance.
        sanctions: the lists to screen payer names and countries against.
        rates: exchange rates for payments in another currency than their items.
        as_of: the day of the checks (default: the latest value date of the lines).
        policy: the loop's settings (suspense account, matching and pre-validation policies).
        creditor_accounts: the accounts the lines arrived on (the statements' own accounts):
            when the matching policy names no :attr:`MatchPolicy.creditor_countries`, the
            creditor's country is read from their IBANs
            (:func:`~o2c.cash_application.amounts.home_countries`), so that a domestic short
            payment is not absorbed as a bank fee.

    Returns:
        Every line's outcome and the facts to append in one batch (``Ledger.append``).
    """
    read_lines = list(payments)
    lines_in = [p for p in read_lines if p.amount.amount > 0]
    if not lines_in:
        return IntakePlan(lines=tuple(_debit(p) for p in read_lines), facts=())
    day = as_of if as_of is not None else max(p.value_date for p in lines_in)
    master = history.customer_master()
    profiles, shared = _profiles(master)
    recent_from = day - dt.timedelta(days=2 * policy.prevalidation.near_duplicate_days + 7)
    recent = tuple(
        PastPayment(
            value_date=p.value_date,
            amount=p.amount,
            customer_id=p.customer_id,
            payer_account=p.payer_account,
            payer_name=p.payer_name,
            payment_id=p.payment_id,
            remittance=p.reference,
        )
        for p in history.payments
        if p.value_date >= recent_from
    )
    context = PrevalidationContext(
        as_of=day,
        parties=master,
        past_payments=_past_payments(history, policy),
        recorded_keys=history.screened_keys(),
        recent=recent,
        sanctions=sanctions,
    )
    checks = prevalidate(lines_in, context, policy.prevalidation)
    taken = {p.payment_id for p in history.payments} | {
        c.payment_id for c in history.payment_cases()
    }
    fresh: list[tuple[Payment, PrevalidationResult]] = []
    for payment, check in zip(lines_in, checks, strict=True):
        if check.already_recorded:
            continue
        if payment.payment_id in taken:
            # The same bank id on another line (another occurrence): keep both, apart.
            occurrence = check.key.rsplit("#", 1)[-1]
            payment = attrs.evolve(payment, payment_id=f"{payment.payment_id}#{occurrence}")
        taken.add(payment.payment_id)
        fresh.append((payment, check))
    items = [i for i in history.open_items() if i.kind in (ItemKind.INVOICE, ItemKind.CREDIT_MEMO)]
    to_match = [p for p, _ in fresh]
    if advices:
        links = link_advices(advices, to_match, customers=profiles, open_items=items)
        to_match = list(apply_advices(to_match, links, open_items=items))
    match_policy = policy.match
    if not match_policy.creditor_countries:
        home = home_countries(creditor_accounts)
        if home:
            match_policy = attrs.evolve(match_policy, creditor_countries=home)
    results = match_payments(
        to_match,
        items,
        customers=profiles,
        shared_payers=shared,
        rates=rates,
        policy=match_policy,
    )
    outcome_of = {}
    facts: list[Fact] = []
    learner = _Learner(master)
    for (payment, check), result in zip(fresh, results, strict=True):
        line, line_facts = _record(
            payment, check, result, recorded_at, recorded_by, policy, learner
        )
        outcome_of[id(payment)] = line
        facts += line_facts
    out_lines: list[IntakeLine] = []
    fresh_iter = iter(fresh)
    checked = iter(checks)
    for read_line in read_lines:
        if read_line.amount.amount <= 0:
            out_lines.append(_debit(read_line))
            continue
        check = next(checked)
        if check.already_recorded:
            out_lines.append(
                IntakeLine(
                    payment_id=check.payment_id,
                    outcome=LineOutcome.ALREADY_RECORDED,
                    customer_id="",
                    verdict=check.verdict,
                    confidence=0.0,
                )
            )
        else:
            out_lines.append(outcome_of[id(next(fresh_iter)[0])])
    return IntakePlan(lines=tuple(out_lines), facts=tuple(facts))


def _debit(payment: Payment) -> IntakeLine:
    return IntakeLine(
        payment_id=payment.payment_id,
        outcome=LineOutcome.NOT_INCOMING,
        customer_id="",
        verdict=Verdict.PASS,
        confidence=0.0,
    )


class _Learner:
    """What auto-posted payments of one import teach the master (each account once)."""

    def __init__(self, master: CustomerMaster) -> None:
        self.master = master
        self.learnt: set[str] = set()

    def facts(
        self,
        payment: Payment,
        customer_id: str,
        result: MatchResult,
        recorded_at: dt.datetime,
        recorded_by: str,
    ) -> list[Fact]:
        """The link of ``payment``'s account to ``customer_id`` when nobody has it on file."""
        account = account_key(payment.payer_account)
        if not account or account in self.learnt or self.master.account(account) is not None:
            return []
        self.learnt.add(account)
        return learn_from_confirmation(
            self.master,
            payment,
            customer_id=customer_id,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            reason=f"auto-posted payment {payment.payment_id} (confidence {result.confidence:.4f})",
            learn_alias=False,
        )


def _record(
    payment: Payment,
    check: PrevalidationResult,
    result: MatchResult,
    recorded_at: dt.datetime,
    recorded_by: str,
    policy: LoopPolicy,
    learner: _Learner,
) -> tuple[IntakeLine, list[Fact]]:
    """The outcome of one fresh line and its facts."""
    verdict = check.verdict
    auto = result.decision is MatchDecision.AUTO and bool(result.allocations)
    if auto and verdict is Verdict.HOLD:
        auto = False
    if auto and verdict is Verdict.FLAG:
        least = check.min_auto_confidence
        auto = least is not None and result.confidence >= least
    facts: list[Fact] = []
    home = ""
    if auto:
        customers = sorted({a.customer_id for a in result.allocations})
        posted: list[Fact] | None
        if len(customers) == 1:
            try:
                posted = list(
                    payment_facts(result, recorded_at=recorded_at, recorded_by=recorded_by)
                )
            except O2CError:
                # A result posting cannot turn into facts the ledger accepts: a person decides.
                posted = None
        else:
            posted = _split(result, recorded_at, recorded_by)
        if posted is None:
            auto = False
        else:
            facts += posted
            home = customers[0]
            if len(customers) == 1 and policy.learn_accounts_from_auto_posts:
                facts += learner.facts(payment, home, result, recorded_at, recorded_by)
    candidates = () if auto else _candidates(result, policy)
    if not auto:
        suggested = {line.customer_id for c in candidates for line in c.lines}
        if check.customer_id is not None:
            home = check.customer_id
        elif len(suggested) == 1:
            home = next(iter(suggested))
        else:
            home = policy.suspense_customer
        facts.append(
            PaymentReceived.from_payment(
                payment,
                customer_id=home,
                recorded_at=recorded_at,
                recorded_by=recorded_by,
                reason="received, not applied: " + ("; ".join(result.explanation)[:300] or "-"),
            )
        )
        if candidates:
            facts.append(
                PaymentSuggested(
                    fact_id=FactId(f"suggested:{payment.payment_id}"),
                    customer_id=CustomerId(home),
                    effective=payment.value_date,
                    recorded_at=recorded_at,
                    recorded_by=recorded_by,
                    payment_id=PaymentId(payment.payment_id),
                    candidates=candidates,
                )
            )
    reasons = _reasons(check)
    facts.append(
        PaymentScreened(
            fact_id=FactId(f"screened:{payment.payment_id}"),
            customer_id=CustomerId(home),
            effective=payment.value_date,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            payment_id=PaymentId(payment.payment_id),
            key=check.key,
            verdict=_VERDICTS[verdict],
            amount=payment.amount,
            value_date=payment.value_date,
            reasons=reasons,
        )
    )
    if auto:
        outcome = LineOutcome.AUTO_POSTED
    elif verdict is Verdict.HOLD:
        outcome = LineOutcome.HELD
    elif verdict is Verdict.FLAG:
        outcome = LineOutcome.FLAGGED
    elif home == policy.suspense_customer:
        outcome = LineOutcome.SUSPENSE
    else:
        outcome = LineOutcome.UNAPPLIED
    line = IntakeLine(
        payment_id=payment.payment_id,
        outcome=outcome,
        customer_id=home,
        verdict=verdict,
        confidence=result.confidence,
        reasons=reasons,
    )
    return line, facts
