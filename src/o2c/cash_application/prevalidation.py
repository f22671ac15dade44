"""Pre-validation of incoming payments (and outgoing refunds) before matching: pass, flag or hold.

Every payment read from a bank file is checked before cash application sees it, each check a
typed :class:`Finding` (check, severity, field, value, explanation):

- **duplicates**: a payment's key is the bank's own reference (camt ``AcctSvcrRef``, MT940
  ``//``, BAI2 bank reference; else a digest of its content) plus an occurrence count, so a
  re-imported statement is recognised line by line (:attr:`PrevalidationResult.already_recorded`:
  skip it) while two genuinely equal payments of one statement are both kept; payments from the
  same payer with the same amount within a few days under other bank references, not naming
  different documents, are near-duplicates;
- **account validity**: IBAN country, length and mod-97 check digits (ISO 13616), BIC form
  (ISO 9362) of a refund's account;
- **accounts on file**: an account never seen for an identified customer (every first payment
  from a new account is flagged), or on file for another customer;
- **payer name against the account holder on file**, with the EU Verification-of-Payee outcomes
  (:class:`NameOutcome`: match, close match, no match, not possible);
- **sanctions**: the payer's name and country screened against the lists the user supplies
  (:mod:`o2c.cash_application.screening`); every hit cites the list, its version and date and
  the entry;
- **anomalies** against the customer's own payments: an amount far above its usual ones (median
  and median absolute deviation), a currency or country never seen, payments coming far faster
  than usual.

A payment's verdict (:class:`Verdict`) is its most severe finding: ``PASS``, ``FLAG`` (may be
posted, but only on the stronger evidence :attr:`PrevalidationResult.min_auto_confidence`
states) or ``HOLD`` (never posted automatically).  The thresholds are fields of
:class:`PrevalidationPolicy`, each saying where its value comes from.

What pre-validation knows about customers comes through :class:`KnownParties`: the accounts on
file with their customers, holder name and dates (:class:`o2c.ledger.KnownAccount`), and the
customers a name stands for.  The ledger's customer master (:class:`o2c.ledger.CustomerMaster`)
is one as it is; :class:`PartiesOnFile` is an in-memory one.  A customer's past payments (its
usual pattern) come in :attr:`PrevalidationContext.past_payments`.

>>> import datetime as dt
>>> from o2c.money import money
>>> from o2c.statement import Payment
>>> from o2c.ledger import PayerAccount
>>> parties = PartiesOnFile.build(
...     accounts=[PayerAccount(account="DE89370400440532013000", customer_id="C1",
...                            holder_name="Acme GmbH", first_seen=dt.date(2025, 1, 10))],
...     customers=[("C1", "Acme GmbH"), ("C2", "Borealis AB")])
>>> context = PrevalidationContext(parties=parties, as_of=dt.date(2026, 3, 2))
>>> known = Payment(payment_id="P1", value_date=dt.date(2026, 3, 2), amount=money("980", "EUR"),
...                 payer_name="ACME GMBH", payer_account="DE89 3704 0044 0532 0130 00",
...                 bank_reference="B-1")
>>> new = Payment(payment_id="P2", value_date=dt.date(2026, 3, 2), amount=money("75", "EUR"),
...               payer_name="Borealis AB", payer_account="SE4550000000058398257466",
...               bank_reference="B-2")
>>> first, second = prevalidate([known, new], context)
>>> first.verdict.value, first.customer_id, first.name_outcome.value
('pass', 'C1', 'match')
>>> second.verdict.value, [f.check.value for f in second.findings if f.severity is Severity.FLAG]
('flag', ['new_account'])
>>> second.min_auto_confidence
0.9995
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

import attrs
from moneyed import Money

from o2c.cash_application.screening import SanctionsHit, SanctionsScreen, name_key
from o2c.ledger import KnownAccount, PayerAccount, account_key
from o2c.names import legal_form, normalize, similarity
from o2c.statement import IBAN_LENGTHS, Payment, Statement, bic_problem, iban_problem

__all__ = [
    "Check",
    "DEFAULT_PREVALIDATION_POLICY",
    "Finding",
    "IBAN_LENGTHS",
    "KnownParties",
    "NameOutcome",
    "PartiesOnFile",
    "PastPayment",
    "PrevalidationContext",
    "PrevalidationPolicy",
    "PrevalidationResult",
    "Refund",
    "Severity",
    "Verdict",
    "bic_problem",
    "compare_names",
    "iban_problem",
    "payment_keys",
    "prevalidate",
    "prevalidate_refund",
]


class Verdict(enum.Enum):
    """What may happen to a payment after pre-validation."""

    #: Nothing found: matching decides as usual.
    PASS = "pass"
    #: Something to look at: posted automatically only on stronger evidence.
    FLAG = "flag"
    #: Never posted automatically: a person decides.
    HOLD = "hold"


class Severity(enum.Enum):
    """How much a finding weighs: recorded only, flag the payment, or hold it."""

    INFO = "info"
    FLAG = "flag"
    HOLD = "hold"


_ORDER = {Severity.INFO: 0, Severity.FLAG: 1, Severity.HOLD: 2}
_VERDICT = {Severity.INFO: Verdict.PASS, Severity.FLAG: Verdict.FLAG, Severity.HOLD: Verdict.HOLD}


class Check(enum.Enum):
    """The checks of pre-validation (the ``check`` of a :class:`Finding`)."""

    #: The payment was recorded before (same bank reference and occurrence).
    DUPLICATE = "duplicate"
    #: Same payer, amount and currency within a few days, another reference.
    NEAR_DUPLICATE = "near_duplicate"
    #: The account (IBAN or other) or BIC is malformed or fails its check digits.
    ACCOUNT_INVALID = "account_invalid"
    #: The first payment of an identified customer from an account not on file.
    NEW_ACCOUNT = "new_account"
    #: The account is on file for another customer than the one the payment names.
    ACCOUNT_OF_ANOTHER_CUSTOMER = "account_of_another_customer"
    #: The payer's name against the account holder on file (Verification of Payee).
    PAYEE_NAME = "payee_name"
    #: A name or country on a sanctions list.
    SANCTIONS = "sanctions"
    #: An amount far outside the customer's usual amounts.
    AMOUNT_ANOMALY = "amount_anomaly"
    #: A currency the customer never paid in.
    CURRENCY_ANOMALY = "currency_anomaly"
    #: A country the customer never paid from.
    COUNTRY_ANOMALY = "country_anomaly"
    #: Payments coming far faster than the customer's usual rhythm.
    TIMING_ANOMALY = "timing_anomaly"
    #: A refund to an account not on file for the customer, or changed recently.
    REFUND_ACCOUNT = "refund_account"


class NameOutcome(enum.Enum):
    """The EU Verification-of-Payee outcomes (Instant Payments Regulation 2024/886)."""

    MATCH = "match"
    CLOSE_MATCH = "close_match"
    NO_MATCH = "no_match"
    #: No name on one side (no holder on file, no payer name): nothing to compare.
    NOT_POSSIBLE = "not_possible"


@attrs.frozen(kw_only=True)
class Finding:
    """One finding of one check: what was looked at, what it says, and how much it weighs."""

    check: Check
    severity: Severity
    #: The payment's field that was looked at (``payer_account``, ``payer_name``, ``amount`` ...).
    field: str
    #: The value found (as text), or what it met (the other payment's id, the listed name).
    value: str
    explanation: str
    #: The list entry a sanctions finding rests on.
    sanctions_hit: SanctionsHit | None = None


@attrs.frozen(kw_only=True)
class PrevalidationResult:
    """The verdict on one payment (or refund), with every finding."""

    payment_id: str
    #: The payment's key (bank reference or content digest, and occurrence): what a ledger
    #: records so that importing the same line again is recognised.
    key: str
    verdict: Verdict
    findings: tuple[Finding, ...]
    #: The customer the checks took the payment to be from (``None`` when unknown).
    customer_id: str | None = None
    name_outcome: NameOutcome = NameOutcome.NOT_POSSIBLE
    #: True when the key was recorded before: a re-import, to be skipped (nothing to post).
    already_recorded: bool = False
    #: For a flagged payment, the least match confidence at which it may still be posted
    #: automatically (the policy's :attr:`PrevalidationPolicy.flagged_min_confidence`); ``None``
    #: when the matching policy's own threshold applies (pass) or nothing may be (hold).
    min_auto_confidence: float | None = None

    @property
    def auto_post_allowed(self) -> bool:
        """Whether the payment may be posted without a person (never when held or recorded)."""
        return self.verdict is not Verdict.HOLD and not self.already_recorded

    def reasons(self, severity: Severity = Severity.FLAG) -> tuple[Finding, ...]:
        """The findings at ``severity`` or above."""
        return tuple(f for f in self.findings if _ORDER[f.severity] >= _ORDER[severity])


# --------------------------------------------------------------------------------------------
# what pre-validation knows about customers


@attrs.frozen(kw_only=True)
class PastPayment:
    """A payment recorded before: for near-duplicates and for a customer's usual pattern."""

    value_date: dt.date
    amount: Money
    customer_id: str | None = None
    payer_account: str = attrs.field(default="", converter=account_key)
    payer_name: str = ""
    #: Its key (:func:`payment_keys`), when known.
    key: str = ""
    payment_id: str = ""
    #: Its reference and remittance text (what documents it named), when known.
    remittance: str = ""
    #: The payer's country when the bank stated it (else its IBAN's counts).
    payer_country: str = ""


class KnownParties(Protocol):
    """What pre-validation asks the customer master.

    :class:`o2c.ledger.CustomerMaster` (``Ledger.read().customer_master()``) is one, read as it
    is; :class:`PartiesOnFile` is an in-memory one for callers without a ledger.
    """

    def account(self, account: str) -> KnownAccount | None:
        """The account on file (written any way), with every customer it pays for."""
        ...

    def customers_named(self, name: str, *, key: Callable[[str], str]) -> Collection[str]:
        """The customers one of whose names or aliases gives ``key(name)`` under ``key``."""
        ...


def _name_index_key(name: str) -> str:
    """How pre-validation compares a payer's name with the names on file: accents, case,
    punctuation and spacing dropped (:func:`o2c.names.normalize`)."""
    return normalize(name).replace(" ", "")


@attrs.frozen(kw_only=True)
class PartiesOnFile:
    """An in-memory :class:`KnownParties`; build it with :meth:`build`."""

    _accounts: Mapping[str, KnownAccount]
    _names: tuple[tuple[str, str], ...]
    _indexes: dict[Callable[[str], str], dict[str, frozenset[str]]] = attrs.field(
        factory=dict, init=False, eq=False, hash=False, repr=False
    )

    @classmethod
    def build(
        cls,
        *,
        accounts: Iterable[PayerAccount] = (),
        customers: Iterable[tuple[str, str]] = (),
    ) -> PartiesOnFile:
        """The payer accounts on file (one :class:`~o2c.ledger.PayerAccount` per account and
        customer it pays for) and ``(customer_id, name or alias)`` pairs."""
        return cls(accounts=KnownAccount.group(accounts), names=tuple(customers))

    def account(self, account: str) -> KnownAccount | None:
        """The account on file, or ``None``."""
        return self._accounts.get(account_key(account))

    def customers_named(self, name: str, *, key: Callable[[str], str]) -> frozenset[str]:
        """The customers whose name or an alias gives ``key(name)``."""
        index = self._indexes.get(key)
        if index is None:
            found: dict[str, set[str]] = defaultdict(set)
            for customer_id, written in self._names:
                if k := key(written):
                    found[k].add(customer_id)
            index = self._indexes[key] = {k: frozenset(v) for k, v in found.items()}
        return index.get(key(name), frozenset())


def _by_customer(
    payments: Iterable[PastPayment] | Mapping[str, Sequence[PastPayment]],
) -> Mapping[str, Sequence[PastPayment]]:
    if isinstance(payments, Mapping):
        return dict(payments)
    grouped: dict[str, list[PastPayment]] = defaultdict(list)
    for past in payments:
        if past.customer_id is not None:
            grouped[past.customer_id].append(past)
    return dict(grouped)


_NOBODY = PartiesOnFile.build()


@attrs.frozen(kw_only=True)
class PrevalidationContext:
    """Everything pre-validation reads besides the payments: what is on file, and when.

    ``recorded_keys``: the keys of payments recorded before (a ledger's); ``recent``: payments
    recorded in the last days, for near-duplicates across imports; ``sanctions``: the lists to
    screen against (none: no screening); ``customer_hints``: payment id to customer id where
    the caller already knows the customer (a remittance advice, a person's choice).
    """

    as_of: dt.date
    parties: KnownParties = _NOBODY
    #: Each customer's past payments (its usual pattern, for anomalies): a mapping customer id
    #: -> payments, or the payments (grouped by their ``customer_id``).
    past_payments: Mapping[str, Sequence[PastPayment]] = attrs.field(
        factory=dict, converter=_by_customer
    )
    recorded_keys: frozenset[str] = frozenset()
    recent: tuple[PastPayment, ...] = ()
    sanctions: SanctionsScreen | None = None
    customer_hints: Mapping[str, str] = attrs.field(factory=dict)


# --------------------------------------------------------------------------------------------
# the policy


@attrs.frozen(kw_only=True)
class PrevalidationPolicy:
    """The thresholds and severities of pre-validation, each with where its value comes from."""

    #: A FLAG needs stronger evidence: the least match confidence (the calibrated expected
    #: precision, :attr:`o2c.cash_application.MatchResult.confidence`) at which a flagged payment
    #: may still be posted automatically.  Auto needs 0.998 (``MatchPolicy.auto_precision``); a
    #: flag asks for 0.9995, one wrong posting in 2,000 rather than in 500, which the shipped
    #: confidence map gives only where the history's matches were right 6,190 times in 6,192 or
    #: better (a reference naming the items exactly and an amount that fits).
    flagged_min_confidence: float = 0.9995
    #: Days between value dates within which the same payer paying the same amount under another
    #: reference is a near-duplicate.  Odoo 17.4 warns on the same partner, amount and date;
    #: a resent transfer lands one or two business days after the first, so three days.
    near_duplicate_days: int = 3
    near_duplicate_severity: Severity = Severity.FLAG
    #: An incoming credit from a malformed account: the bank has the cash, so the file or the
    #: data is wrong; flagged, not held.
    invalid_account_severity: Severity = Severity.FLAG
    #: Bottomline PT-X flags every first payment from a new account.
    new_account_severity: Severity = Severity.FLAG
    #: An account on file for another customer: a shared payer or a mistaken identity.
    other_customers_account_severity: Severity = Severity.FLAG
    #: Name similarity (:func:`o2c.names.similarity` of the normalised names) from which two
    #: names that are not the same are a close match.  The EPC's Verification-of-Payee rulebook
    #: (EPC218-23) leaves the algorithm to each bank; 0.85 keeps one or two wrong letters in a
    #: name of ten or more letters a close match (0.86-0.95) and two companies sharing one word
    #: of two apart (0.5-0.7); also the cut-off of o2c's payer-name matching (0.86), rounded down.
    close_match_score: float = 0.85
    #: On an incoming payment the name outcome only informs, except a plain mismatch.
    close_match_severity: Severity = Severity.INFO
    no_match_severity: Severity = Severity.FLAG
    #: Listed persons' funds must be frozen and reported (EU Reg. 269/2014 art. 2, 31 CFR 501):
    #: a sanctions hit is held for a person, never posted.
    sanctions_severity: Severity = Severity.HOLD
    #: The customer's own pattern is read from at least this many past payments.
    min_history: int = 5
    #: The modified z-score (0.6745 (x - median) / MAD) above which an amount is an outlier:
    #: 3.5 is Iglewicz and Hoaglin's recommended cut-off (1993).  Only amounts above the usual
    #: ones count: a payment far below them is a partial payment, not a risk, while an unusual
    #: overpayment is the first step of the refund fraud (pay too much, ask for the difference
    #: back to another account).  On cashapp2: 7.3 % of the lines (both sides: 7.9 %).
    amount_z: Decimal = Decimal("3.5")
    #: The least spread taken, as a fraction of the median: a customer paying the same amount
    #: every month has MAD 0, and 5 % either way of it is no anomaly (26 % above it is).
    min_relative_spread: Decimal = Decimal("0.05")
    #: A payment arriving sooner after the last than this fraction of the usual gap is a burst
    #: (a monthly payer paying twice in five days)...
    burst_fraction: Decimal = Decimal("0.2")
    #: ... when the usual gap is at least this many days (weekly payers and more often vary).
    min_usual_gap_days: int = 7
    anomaly_severity: Severity = Severity.FLAG
    #: Refunds: an account not on file for the customer, or whose details changed within this
    #: many days, is held; 30 days covers a billing cycle, the window in which payment-diversion
    #: fraud ("please refund to our new account") is usually attempted.
    refund_account_change_days: int = 30
    #: Refunds go out: a malformed account or BIC, or a plain name mismatch, is held; a close
    #: match is flagged (the payer of a transfer is told of it under Verification of Payee).
    refund_invalid_account_severity: Severity = Severity.HOLD
    refund_close_match_severity: Severity = Severity.FLAG
    refund_no_match_severity: Severity = Severity.HOLD


DEFAULT_PREVALIDATION_POLICY = PrevalidationPolicy()


# --------------------------------------------------------------------------------------------
# accounts


def _looks_like_iban(key: str) -> bool:
    return len(key) >= 4 and key[:2].isalpha() and key[2:4].isdigit()


@lru_cache(maxsize=65536)
def _account_problem(account: str) -> tuple[str, str]:
    """``(problem or "", country)`` of an account: IBANs fully, others by their characters."""
    key = account_key(account)
    if not key:
        return "", ""
    if _looks_like_iban(key):
        problem = iban_problem(account)
        return (problem or ""), ("" if problem else key[:2])
    if not 4 <= len(key) <= 34:
        return f"an account number of {len(key)} characters (4 to 34 expected)", ""
    return "", ""


# --------------------------------------------------------------------------------------------
# names (Verification of Payee)

_LEGAL_SYNONYMS = {"limited": "ltd", "corporation": "corp", "incorporated": "inc", "company": "co"}


def _form(name: str) -> str:
    return " ".join(_LEGAL_SYNONYMS.get(w, w) for w in legal_form(name).split())


def compare_names(
    given: str, on_file: str, policy: PrevalidationPolicy = DEFAULT_PREVALIDATION_POLICY
) -> tuple[NameOutcome, float]:
    """The Verification-of-Payee outcome of ``given`` against the holder name ``on_file``.

    Names are compared after transliteration, accents, case, punctuation and legal forms are
    dropped, in any word order.  The same words under another legal form, a similarity of at
    least :attr:`~PrevalidationPolicy.close_match_score`, or all of the shorter name's words (two
    or more) in the longer are a close match.

    >>> compare_names("MUELLER GMBH", "Müller GmbH")[0].value
    'close_match'
    >>> compare_names("Société Générale SA", "SOCIETE GENERALE")[0].value
    'match'
    >>> compare_names("Generale Societe", "Société Générale S.A.")[0].value
    'match'
    >>> compare_names("Acme GmbH", "Acme AG")[0].value
    'close_match'
    >>> compare_names("Borealis AB", "Acme GmbH")[0].value
    'no_match'
    """
    mine, theirs = name_key(given), name_key(on_file)
    if not mine or not theirs:
        return NameOutcome.NOT_POSSIBLE, 0.0
    if sorted(mine) == sorted(theirs):
        form_a, form_b = _form(given), _form(on_file)
        if form_a and form_b and form_a != form_b:
            return NameOutcome.CLOSE_MATCH, 1.0
        return NameOutcome.MATCH, 1.0
    score = max(
        similarity("".join(mine), "".join(theirs)),
        similarity("".join(sorted(mine)), "".join(sorted(theirs))),
    )
    short, long_ = sorted((set(mine), set(theirs)), key=len)
    if score >= policy.close_match_score or (len(short) >= 2 and short <= long_):
        return NameOutcome.CLOSE_MATCH, round(score, 4)
    return NameOutcome.NO_MATCH, round(score, 4)


# --------------------------------------------------------------------------------------------
# keys


def _content_digest(payment: Payment) -> str:
    parts = (
        payment.value_date.isoformat(),
        str(payment.amount.amount),
        payment.amount.currency.code,
        account_key(payment.payer_account),
        payment.payer_name,
        payment.reference,
        payment.remittance_info,
        payment.end_to_end_id,
        payment.bank_transaction_code,
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _base_key(payment: Payment, account: str) -> str:
    ref = payment.bank_reference.strip()
    body = f"ref:{ref}" if ref else f"sha:{_content_digest(payment)}"
    return f"{account_key(account)}|{body}"


def payment_keys(batch: Iterable[Payment | Statement]) -> tuple[tuple[Payment, str], ...]:
    """Each payment of ``batch`` with its key: bank reference (else content digest) and
    occurrence.

    A :class:`~o2c.statement.Statement` gives its incoming payments under its account.  Payments
    sharing a bank reference are counted in the order of their content and id (not of the
    batch), so the keys do not depend on the order the payments come in.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> p = Payment(payment_id="P1", value_date=dt.date(2026, 3, 2), amount=money("5", "EUR"),
    ...             bank_reference="R1")
    >>> [key for _, key in payment_keys([p, attrs.evolve(p, payment_id="P2")])]
    ['|ref:R1#1', '|ref:R1#2']
    """
    items: list[tuple[Payment, str]] = []
    for part in batch:
        if isinstance(part, Statement):
            items.extend((p, _base_key(p, part.account)) for p in part.incoming)
        else:
            items.append((part, _base_key(part, "")))
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (_, base) in enumerate(items):
        groups[base].append(i)
    keys = [""] * len(items)
    for base, members in groups.items():
        ordered = sorted(
            members, key=lambda i: (_content_digest(items[i][0]), items[i][0].payment_id, i)
        )
        for occurrence, i in enumerate(ordered, start=1):
            keys[i] = f"{base}#{occurrence}"
    return tuple((p, keys[i]) for i, (p, _) in enumerate(items))


# --------------------------------------------------------------------------------------------
# the checks


def prevalidate(
    payments: Payment | Statement | Iterable[Payment | Statement],
    context: PrevalidationContext,
    policy: PrevalidationPolicy = DEFAULT_PREVALIDATION_POLICY,
) -> tuple[PrevalidationResult, ...]:
    """Pre-validate each payment of ``payments`` (in the order given).

    Args:
        payments: a payment, a statement (its incoming payments), or several of either.
        context: what is on file (accounts, names, past payments, recorded keys, lists).
        policy: thresholds and severities.

    Returns:
        One :class:`PrevalidationResult` per payment: a re-import (key recorded before) has
        ``already_recorded`` set and only its duplicate finding.
    """
    batch = (payments,) if isinstance(payments, Payment | Statement) else tuple(payments)
    keyed = payment_keys(batch)
    bases = [key.rsplit("#", 1)[0] for _, key in keyed]
    # near-duplicates have the same amount: compare only those
    same_amount: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
    for i, (payment, _) in enumerate(keyed):
        same_amount[_amount_key(payment.amount)].append(i)
    recent_by_amount: dict[tuple[str, Decimal], list[PastPayment]] = defaultdict(list)
    for past in context.recent:
        recent_by_amount[_amount_key(past.amount)].append(past)
    results = []
    for i, (payment, key) in enumerate(keyed):
        if key in context.recorded_keys:
            finding = Finding(
                check=Check.DUPLICATE,
                severity=Severity.HOLD,
                field="bank_reference",
                value=key,
                explanation=f"recorded before under key {key}: a re-import, nothing to post",
            )
            results.append(_result(payment, key, [finding], None, NameOutcome.NOT_POSSIBLE, policy))
            results[-1] = attrs.evolve(results[-1], already_recorded=True)
            continue
        amount = _amount_key(payment.amount)
        others = [keyed[j] for j in same_amount[amount] if j != i and bases[j] != bases[i]]
        recent = recent_by_amount.get(amount, [])
        results.append(_check_payment(payment, key, others, recent, context, policy))
    return tuple(results)


def _amount_key(amount: Money) -> tuple[str, Decimal]:
    return amount.currency.code, amount.amount


def _invalid_account(
    account: tuple[str, str, str | None], bic: tuple[str, str], severity: Severity
) -> list[Finding]:
    """The findings on an account and a BIC that are not valid (payments and refunds alike).

    ``account``: the field, its value and what is wrong with it (``None`` or ``""``: nothing);
    ``bic``: the field and its value (checked by :func:`bic_problem` when given).
    """
    bic_field, bic_value = bic
    wrong: list[tuple[str, str, str | None]] = [
        account,
        (bic_field, bic_value, bic_problem(bic_value) if bic_value else None),
    ]
    return [
        Finding(
            check=Check.ACCOUNT_INVALID,
            severity=severity,
            field=name,
            value=text,
            explanation=why,
        )
        for name, text, why in wrong
        if why
    ]


def _check_payment(
    payment: Payment,
    key: str,
    others: list[tuple[Payment, str]],
    recent: list[PastPayment],
    context: PrevalidationContext,
    policy: PrevalidationPolicy,
) -> PrevalidationResult:
    findings: list[Finding] = []
    findings += _near_duplicates(payment, others, recent, policy)
    problem, iban_country = _account_problem(payment.payer_account)
    findings += _invalid_account(
        ("payer_account", payment.payer_account, problem),
        ("payer_bic", payment.payer_bic),
        policy.invalid_account_severity,
    )
    # the country the payer's address states, else its IBAN's (the readers fill payer_country
    # so; a Payment built by hand may leave it empty)
    country = payment.payer_country.strip().upper() or iban_country
    customer_id, account_findings = _identify(payment, context, policy)
    findings += account_findings
    on_file = context.parties.account(payment.payer_account) if payment.payer_account else None
    outcome, name_finding = _verify_name(
        payment.payer_name,
        on_file,
        "payer_name",
        policy.close_match_severity,
        policy.no_match_severity,
        policy,
    )
    if name_finding is not None:
        findings.append(name_finding)
    findings += _sanctions(
        [("payer_name", payment.payer_name), ("ultimate_payer_name", payment.ultimate_payer_name)],
        country,
        context,
        policy,
    )
    if customer_id is not None:
        findings += _anomalies(payment, country, customer_id, context, policy)
    return _result(payment, key, findings, customer_id, outcome, policy)


def _result(
    payment: Payment,
    key: str,
    findings: list[Finding],
    customer_id: str | None,
    outcome: NameOutcome,
    policy: PrevalidationPolicy,
) -> PrevalidationResult:
    return _verdict(payment.payment_id, key, findings, customer_id, outcome, policy)


def _verdict(
    payment_id: str,
    key: str,
    findings: list[Finding],
    customer_id: str | None,
    outcome: NameOutcome,
    policy: PrevalidationPolicy,
) -> PrevalidationResult:
    worst = max((f.severity for f in findings), key=_ORDER.__getitem__, default=Severity.INFO)
    verdict = _VERDICT[worst]
    findings.sort(key=lambda f: (-_ORDER[f.severity], f.check.value, f.field, f.value))
    return PrevalidationResult(
        payment_id=payment_id,
        key=key,
        verdict=verdict,
        findings=tuple(findings),
        customer_id=customer_id,
        name_outcome=outcome,
        min_auto_confidence=policy.flagged_min_confidence if verdict is Verdict.FLAG else None,
    )


def _same_payer(a_account: str, a_name: str, b_account: str, b_name: str) -> bool:
    a_acc, b_acc = account_key(a_account), account_key(b_account)
    if a_acc and b_acc:
        return a_acc == b_acc
    a, b = _name_index_key(a_name), _name_index_key(b_name)
    return bool(a) and a == b


def _text(payment: Payment) -> str:
    numbers = " ".join(d.number for d in payment.documents)
    return f"{payment.reference} {payment.creditor_reference} {payment.remittance_info} {numbers}"


_NUMBER = re.compile(r"[0-9]{5,}")


def _document_numbers(text: str) -> frozenset[str]:
    """The numbers of five digits or more a remittance names (leading zeros dropped)."""
    return frozenset(n.lstrip("0") for n in _NUMBER.findall(text))


def _near_duplicates(
    payment: Payment,
    others: list[tuple[Payment, str]],
    recent: list[PastPayment],
    policy: PrevalidationPolicy,
) -> list[Finding]:
    """Payments of the same amount (``others`` in the batch, ``recent`` ones recorded) from the
    same payer within the window, unless the two name different documents (each names numbers
    of five digits or more, none in common): a customer paying equal invoices one by one."""
    window = dt.timedelta(days=policy.near_duplicate_days)
    found: dict[str, str] = {}
    candidates = [
        (o.payment_id or k, o.value_date, o.amount, o.payer_account, o.payer_name, _text(o))
        for o, k in others
    ] + [
        (r.payment_id or r.key, r.value_date, r.amount, r.payer_account, r.payer_name, r.remittance)
        for r in recent
    ]
    mine = _document_numbers(_text(payment))
    for other_id, value_date, amount, account, name, text in candidates:
        theirs = _document_numbers(text)
        if (
            amount == payment.amount
            and abs(value_date - payment.value_date) <= window
            and _same_payer(payment.payer_account, payment.payer_name, account, name)
            and not (mine and theirs and mine.isdisjoint(theirs))
        ):
            found[other_id] = value_date.isoformat()
    return [
        Finding(
            check=Check.NEAR_DUPLICATE,
            severity=policy.near_duplicate_severity,
            field="amount",
            value=other_id,
            explanation=(
                f"the same payer paid {payment.amount.amount} {payment.amount.currency.code} "
                f"on {when} as {other_id} under another reference: paid twice?"
            ),
        )
        for other_id, when in sorted(found.items())
    ]


def _identify(
    payment: Payment, context: PrevalidationContext, policy: PrevalidationPolicy
) -> tuple[str | None, list[Finding]]:
    """The customer the payment is from, and what its account says about that."""
    parties = context.parties
    hinted = context.customer_hints.get(payment.payment_id)
    named = (
        frozenset(parties.customers_named(payment.payer_name, key=_name_index_key))
        if payment.payer_name
        else frozenset()
    )
    claimed = hinted or (next(iter(named)) if len(named) == 1 else None)
    account = account_key(payment.payer_account)
    on_file = parties.account(account) if account else None
    if on_file is None or not on_file.customer_ids:
        if claimed is None or not account:
            return claimed, []
        return claimed, [
            Finding(
                check=Check.NEW_ACCOUNT,
                severity=policy.new_account_severity,
                field="payer_account",
                value=payment.payer_account,
                explanation=(
                    f"the first payment of customer {claimed} from account "
                    f"{payment.payer_account}: not on file"
                ),
            )
        ]
    owners = on_file.customer_ids
    if claimed is not None and claimed not in owners:
        how = "the payment is for" if hinted else "the payer's name is that of"
        return claimed, [
            Finding(
                check=Check.ACCOUNT_OF_ANOTHER_CUSTOMER,
                severity=policy.other_customers_account_severity,
                field="payer_account",
                value=payment.payer_account,
                explanation=(
                    f"account {payment.payer_account} is on file for "
                    f"{', '.join(sorted(owners))}; {how} customer {claimed}"
                ),
            )
        ]
    if claimed is None and len(owners) == 1:
        claimed = next(iter(owners))
    return claimed, []


def _verify_name(
    name: str,
    on_file: KnownAccount | None,
    field: str,
    close_severity: Severity,
    no_match_severity: Severity,
    policy: PrevalidationPolicy,
) -> tuple[NameOutcome, Finding | None]:
    holder = on_file.holder_name if on_file is not None else ""
    outcome, score = compare_names(name, holder, policy)
    if outcome is NameOutcome.NOT_POSSIBLE:
        return outcome, None
    severity = {
        NameOutcome.MATCH: Severity.INFO,
        NameOutcome.CLOSE_MATCH: close_severity,
        NameOutcome.NO_MATCH: no_match_severity,
    }[outcome]
    return outcome, Finding(
        check=Check.PAYEE_NAME,
        severity=severity,
        field=field,
        value=name,
        explanation=(
            f"{outcome.value.replace('_', ' ')} against the holder on file {holder!r} "
            f"(similarity {score:.2f})"
        ),
    )


def _sanctions(
    names: list[tuple[str, str]],
    country: str,
    context: PrevalidationContext,
    policy: PrevalidationPolicy,
) -> list[Finding]:
    screen = context.sanctions
    if screen is None:
        return []
    findings = []
    seen: set[str] = set()
    for field, name in names:
        if not name or name in seen:
            continue
        seen.add(name)
        for hit in screen.screen_name(name, country=country):
            findings.append(_sanctions_finding(field, name, hit, policy))
    if country:
        for hit in screen.screen_country(country):
            findings.append(_sanctions_finding("payer_country", country, hit, policy))
    return findings


def _sanctions_finding(
    field: str, value: str, hit: SanctionsHit, policy: PrevalidationPolicy
) -> Finding:
    return Finding(
        check=Check.SANCTIONS,
        severity=policy.sanctions_severity,
        field=field,
        value=value,
        explanation=hit.describe(),
        sanctions_hit=hit,
    )


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _amount_z(
    amount: Decimal, history: list[Decimal], policy: PrevalidationPolicy
) -> Decimal | None:
    """The modified z-score of ``amount`` among ``history`` (``None`` with too short a
    history): 0.6745 (x - median) / MAD, the spread at least ``min_relative_spread`` of the
    median."""
    if len(history) < policy.min_history:
        return None
    median = _median(history)
    mad = _median([abs(a - median) for a in history])
    spread = max(mad, abs(median) * policy.min_relative_spread)
    return Decimal("0.6745") * (amount - median) / spread if spread > 0 else None


def _anomalies(
    payment: Payment,
    country: str,
    customer_id: str,
    context: PrevalidationContext,
    policy: PrevalidationPolicy,
) -> list[Finding]:
    history = list(context.past_payments.get(customer_id, ()))
    if len(history) < policy.min_history:
        return []
    findings = []

    def anomaly(check: Check, field: str, value: str, explanation: str) -> None:
        findings.append(
            Finding(
                check=check,
                severity=policy.anomaly_severity,
                field=field,
                value=value,
                explanation=explanation,
            )
        )

    code = payment.amount.currency.code
    currencies = {p.amount.currency.code for p in history}
    if code not in currencies:
        anomaly(
            Check.CURRENCY_ANOMALY,
            "amount",
            code,
            f"customer {customer_id} never paid in {code} ({', '.join(sorted(currencies))} in "
            f"{len(history)} payments)",
        )
    same = [p.amount.amount for p in history if p.amount.currency.code == code]
    z = _amount_z(payment.amount.amount, same, policy)
    if z is not None and z > policy.amount_z:
        median = _median(same)
        anomaly(
            Check.AMOUNT_ANOMALY,
            "amount",
            str(payment.amount.amount),
            f"{payment.amount.amount} {code} is far above customer {customer_id}'s usual "
            f"payments (median {median}): modified z-score {z.quantize(Decimal('0.1'))}, "
            f"beyond {policy.amount_z}",
        )
    countries = {
        c for p in history if (c := p.payer_country or _account_problem(p.payer_account)[1])
    }
    if country and countries and country not in countries:
        anomaly(
            Check.COUNTRY_ANOMALY,
            "payer_country",
            country,
            f"customer {customer_id} never paid from {country} before "
            f"({', '.join(sorted(countries))})",
        )
    dates = sorted({p.value_date for p in history})
    gaps = [(b - a).days for a, b in itertools.pairwise(dates)]
    if len(gaps) >= policy.min_history - 1 and dates[-1] <= payment.value_date:
        usual = _median([Decimal(g) for g in gaps])
        gap = (payment.value_date - dates[-1]).days
        if usual >= policy.min_usual_gap_days and gap < usual * policy.burst_fraction:
            anomaly(
                Check.TIMING_ANOMALY,
                "value_date",
                payment.value_date.isoformat(),
                f"paid {gap} days after the last payment; customer {customer_id} usually pays "
                f"every {usual} days",
            )
    return findings


# --------------------------------------------------------------------------------------------
# refunds


@attrs.frozen(kw_only=True)
class Refund:
    """An outgoing refund to screen before it is paid."""

    refund_id: str
    customer_id: str
    amount: Money
    #: The account the refund is to go to (an IBAN or another account number).
    account: str
    #: The name of the account's holder as the refund request gives it.
    holder_name: str = ""
    bic: str = ""


def prevalidate_refund(
    refund: Refund,
    context: PrevalidationContext,
    policy: PrevalidationPolicy = DEFAULT_PREVALIDATION_POLICY,
) -> PrevalidationResult:
    """Screen an outgoing refund: the payment checks, plus its account must be on file.

    The account's validity, the holder's name against the holder on file and sanctions are
    checked as for a payment (at the refund's stricter severities); an account not on file for
    the customer, or whose details changed within
    :attr:`~PrevalidationPolicy.refund_account_change_days` of ``context.as_of``, is held.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> from o2c.ledger import PayerAccount
    >>> acc = PayerAccount(account="DE89370400440532013000", customer_id="C1",
    ...                    holder_name="Acme GmbH", first_seen=dt.date(2025, 1, 10))
    >>> ctx = PrevalidationContext(parties=PartiesOnFile.build(accounts=[acc]),
    ...                            as_of=dt.date(2026, 3, 2))
    >>> refund = Refund(refund_id="R1", customer_id="C1", amount=money("120", "EUR"),
    ...                 account="DE89370400440532013000", holder_name="Acme GmbH")
    >>> prevalidate_refund(refund, ctx).verdict.value
    'pass'
    >>> other = attrs.evolve(refund, account="GB29NWBK60161331926819")
    >>> r = prevalidate_refund(other, ctx)
    >>> r.verdict.value, r.findings[0].check.value
    ('hold', 'refund_account')
    """
    findings: list[Finding] = []
    problem, country = _account_problem(refund.account)
    if not account_key(refund.account):
        problem = "no account to pay the refund to"
    findings += _invalid_account(
        ("account", refund.account, problem),
        ("bic", refund.bic),
        policy.refund_invalid_account_severity,
    )
    on_file = context.parties.account(refund.account) if account_key(refund.account) else None
    findings += _refund_account(refund, on_file, context, policy)
    holder_on_file = (
        on_file if on_file is not None and refund.customer_id in on_file.customer_ids else None
    )
    outcome, name_finding = _verify_name(
        refund.holder_name,
        holder_on_file,
        "holder_name",
        policy.refund_close_match_severity,
        policy.refund_no_match_severity,
        policy,
    )
    if name_finding is not None:
        findings.append(name_finding)
    findings += _sanctions([("holder_name", refund.holder_name)], country, context, policy)
    key = f"refund:{refund.refund_id}"
    return _verdict(refund.refund_id, key, findings, refund.customer_id, outcome, policy)


def _refund_account(
    refund: Refund,
    on_file: KnownAccount | None,
    context: PrevalidationContext,
    policy: PrevalidationPolicy,
) -> list[Finding]:
    def hold(explanation: str) -> list[Finding]:
        return [
            Finding(
                check=Check.REFUND_ACCOUNT,
                severity=Severity.HOLD,
                field="account",
                value=refund.account,
                explanation=explanation,
            )
        ]

    if on_file is None or refund.customer_id not in on_file.customer_ids:
        owners = ", ".join(sorted(on_file.customer_ids)) if on_file is not None else ""
        whose = f" (it is on file for {owners})" if owners else ""
        return hold(
            f"account {refund.account} is not on file for customer {refund.customer_id}{whose}: "
            "confirm it with the customer through a known contact before refunding"
        )
    link = on_file.link(refund.customer_id)
    if link is None:  # pragma: no cover - customer_ids holds the links' customers
        return []
    changed = link.linked_on  # the current link's date: a new account, or new details
    days = (context.as_of - changed).days
    if days < policy.refund_account_change_days:
        return hold(
            f"account {refund.account} was added or changed {days} days ago (on "
            f"{changed.isoformat()}), within {policy.refund_account_change_days} days: confirm "
            "the change through a known contact before refunding"
        )
    return []
