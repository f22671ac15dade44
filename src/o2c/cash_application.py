"""Cash application: from incoming payments and open items to allocations, with evidence.

The pipeline, per payment:

1. **Candidates.**  The documents the payment names (:mod:`o2c.remittance`: structured
   documents, creditor references, document numbers in any spelling, lists and ranges), the
   customers the payer may be (its account seen before, its name normalised and fuzzy-matched
   by :mod:`o2c.names`, a customer number in the text, the customers of the named documents),
   and the open items of those customers.
2. **Evidence.**  Each hypothesis (a set of items and an explanation of the amount) collects
   what supports it: how the items were named, how the payer matches their customer, how the
   amount fits (exact; earned discount; discount taken late, a deduction; bank fee within the
   currency's band; short payment within the tolerance, with its reason; partial payment;
   overpayment, the rest on account; another currency through the rates, with an FX
   difference; several items by a bounded exact subset-sum), and how rare the amount is.
3. **Decision.**  The confidence in [0, 1] of the best hypothesis and its margin over the
   next one give the decision under a :class:`MatchPolicy`: ``AUTO`` (post it), ``SUGGEST``
   (show it to a person) or ``LEAVE``.  Two hypotheses that are nearly as good (two subsets,
   two equal items and no reference) are never applied automatically.
4. **Allocations.**  Per item: the amount applied (item currency, what its open amount goes
   down by), the cash it received (payment currency) and the residuals (discount, deduction
   with its reason, bank fee, FX difference); the rest of the payment goes on account.  What
   a payment allocates plus its residuals equals its amount, always.

A batch (:func:`match_payments`) is deterministic: payments are decided strongest first, then by
value date and payment id (the documented tie-break), and an item settled by one payment is not
offered to the next (a duplicate payment goes on account).

>>> import datetime as dt
>>> from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
>>> from o2c.money import money
>>> from o2c.statement import Payment
>>> item = OpenItem(item_id=ItemId("I1"), customer_id=CustomerId("C1"),
...     kind=ItemKind.INVOICE, document_number="INV-2026-100042",
...     document_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 31),
...     original_amount=money("1190.00", "EUR"), open_amount=money("1190.00", "EUR"))
>>> pay = Payment(payment_id="P1", value_date=dt.date(2026, 3, 20),
...     amount=money("1175.00", "EUR"), payer_name="ACME GMBH",
...     reference="Rechnung inv 2026 100042")
>>> [result] = match_payments([pay], [item], customers=[CustomerProfile("C1", "Acme GmbH")])
>>> result.decision, result.confidence
(<Decision.AUTO: 'auto'>, 0.995)
>>> [(a.item_id, str(a.applied.amount), [(r.kind.value, str(r.amount.amount))
...   for r in a.residuals]) for a in result.allocations]
[('I1', '1190.00', [('bank_fee', '15.00')])]
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from o2c.errors import RateError
from o2c.ledger import OpenItem
from o2c.money import from_minor, minor_unit, minor_units, quantize_decimal, to_minor
from o2c.names import NameIndex, NameMatch
from o2c.remittance import (
    DocumentIndex,
    HitKind,
    ReferenceHit,
    find_references,
    fuzzy_matches,
    reference_strings,
    within_one_edit,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    from o2c.ledger import Fact, Ledger
    from o2c.ports import RateProvider

__all__ = [
    "Allocation",
    "ApplyReport",
    "CustomerProfile",
    "Decision",
    "MatchPolicy",
    "MatchResult",
    "Proposal",
    "Residual",
    "ResidualKind",
    "apply",
    "facts_for",
    "learn_aliases",
    "match_payments",
]


class ResidualKind(enum.Enum):
    """Why an item's applied amount differs from the cash it received, or cash left over."""

    #: An early-payment discount earned (paid within the deadline).
    DISCOUNT = "discount"
    #: A short payment the payer deducted (with a reason when one is known), including a
    #: discount taken after its deadline.
    DEDUCTION = "deduction"
    #: Charges the banks deducted on the way.
    BANK_FEE = "bank_fee"
    #: The difference between the item's amount and the cash converted at the day's rate.
    FX_DIFFERENCE = "fx_difference"
    #: A small difference written off under the tolerance policy.
    WRITE_OFF = "write_off"
    #: Cash not applied to an item: kept on the customer's account.
    ON_ACCOUNT = "on_account"


class Decision(enum.Enum):
    """What to do with a result: post it, show it to a person, or leave the payment alone."""

    AUTO = "auto"
    SUGGEST = "suggest"
    LEAVE = "leave"


@attrs.frozen
class CustomerProfile:
    """A customer as cash application knows it: its name, payer accounts seen, and aliases."""

    customer_id: str
    name: str
    accounts: frozenset[str] = frozenset()
    aliases: tuple[str, ...] = ()


@attrs.frozen
class Residual:
    """One residual of an allocation (item currency) or of a payment (on account)."""

    kind: ResidualKind
    amount: Money
    reason: str = ""


@attrs.frozen(kw_only=True)
class Allocation:
    """Cash applied to one item.

    ``applied`` (item currency) is what the item's open amount goes down by; ``paid`` (payment
    currency) is the cash it received; ``applied`` equals ``paid`` (converted at ``rate`` when
    the currencies differ) plus the residuals.
    """

    item_id: str
    customer_id: str
    applied: Money
    paid: Money
    residuals: tuple[Residual, ...] = ()
    rate: Decimal | None = None
    #: True when the item stays open after this allocation (a partial payment).
    partial: bool = False


@attrs.frozen(kw_only=True)
class Proposal:
    """A hypothesis: allocations, the rest on account, its confidence and its evidence."""

    allocations: tuple[Allocation, ...]
    on_account: Money
    confidence: float
    explanation: tuple[str, ...]

    @property
    def item_ids(self) -> frozenset[str]:
        """The items this proposal applies cash to."""
        return frozenset(a.item_id for a in self.allocations)


@attrs.frozen(kw_only=True)
class MatchResult:
    """The outcome for one payment: the decision, the allocations and why."""

    payment: Payment
    decision: Decision
    confidence: float
    allocations: tuple[Allocation, ...]
    #: Cash kept on account (payment currency): an overpayment's rest, a duplicate payment,
    #: or the whole payment when nothing is applied.
    on_account: Money
    explanation: tuple[str, ...]
    #: The best alternatives (for a person to pick from), best first.
    suggestions: tuple[Proposal, ...] = ()

    @property
    def payment_id(self) -> str:
        """The payment's id."""
        return self.payment.payment_id

    @property
    def customer_id(self) -> str | None:
        """The customer the allocations belong to (``None`` when nothing is allocated)."""
        return self.allocations[0].customer_id if self.allocations else None


def _default_fee_bands() -> dict[str, Decimal]:
    return {
        "EUR": Decimal("40"),
        "USD": Decimal("50"),
        "GBP": Decimal("40"),
        "CHF": Decimal("50"),
        "JPY": Decimal("6000"),
        "SEK": Decimal("400"),
        "NOK": Decimal("400"),
        "DKK": Decimal("300"),
        "CAD": Decimal("60"),
        "AUD": Decimal("60"),
    }


_PARTIAL_WORDS = re.compile(
    r"\b(?:PARTIAL|PART PAYMENT|PART-PAYMENT|INSTAL+MENT|TEILZAHLUNG|RATE|ACOMPTE|A/C|"
    r"ON ACCOUNT|ABSCHLAG|ANZAHLUNG|PAGO PARCIAL|1ST|2ND|3RD|\d+TH)\b"
)
_DEDUCTION_WORDS = re.compile(
    r"\b(?:DED|DEDUCT\w*|LESS|SHORT\w*|DAMAGE\w*|DAMG|PRICE DIFF\w*|PRICING|RETURN\w*|"
    r"DISPUTE\w*|CLAIM\w*|DEFECT\w*|MISSING|QUALITY|REBATE|ALLOWANCE|ABZUG|MINDERUNG|"
    r"KUERZUNG|KÜRZUNG|SKONTO|DISCOUNT|CREDIT NOTE|GUTSCHRIFT|ESCOMPTE|REMISE)\b"
)
_FEE_WORDS = re.compile(
    r"\b(?:FEES?|CHARGES?|BANK CHARGES|GEBUEHR\w*|GEBÜHR\w*|SPESEN|FRAIS|COMMISSIONS?|"
    r"COMISION\w*|OUR|SHA)\b"
)
_NOT_INVOICE_WORDS = re.compile(
    r"\b(?:SALARY|WAGES|PAYROLL|GEHALT|LOHN|REFUND|RUECKERSTATTUNG|ERSTATTUNG|INTEREST|ZINSEN|"
    r"RENT|MIETE|LOAN|DARLEHEN|DIVIDEND|TAX REFUND|DEPOSIT|KAUTION|TRANSFER BETWEEN|"
    r"OWN ACCOUNT|INTERNAL)\b"
)
_CUSTOMER_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]+")
_CUSTOMER_LABEL = re.compile(r"(?:CUST\w*|KD|KUNDE\w*|CLIENT\w*|DEBTOR|DEBITOR)\W*(?:NO|NR)?\W*$")


@lru_cache(maxsize=4096)
def _partial_stated(text: str) -> bool:
    """Whether the remittance text says the payment is partial (instalment, on account ...)."""
    return _PARTIAL_WORDS.search(text) is not None


@lru_cache(maxsize=4096)
def _deduction_reason(text: str) -> re.Match[str] | None:
    """The words of the remittance text that give a reason for a deduction, if any.

    Charges named as such ("less 15.00 fees") are bank fees, not a deduction.
    """
    if _FEE_WORDS.search(text):
        return None
    return _DEDUCTION_WORDS.search(text)


@attrs.frozen(kw_only=True)
class MatchPolicy:
    """Thresholds and tolerances of cash application.

    ``auto_threshold``: the least confidence posted without a person; ``suggest_threshold``: the
    least confidence shown as a suggestion; ``ambiguity_margin``: how far the best hypothesis
    must lead the next different one to be posted.  ``deduction_tolerance``: the largest short
    payment (fraction of the item) closed as a deduction rather than left as a partial payment;
    ``fee_bands``: per currency, the largest difference read as bank charges (currencies not
    listed use ``fee_fraction`` of the item).  ``fx_tolerance``: how far a payment in another
    currency may be from the item at the day's rate.  ``max_subset_items``/``max_subset_size``
    bound the subset-sum search.
    """

    auto_threshold: float = 0.9
    suggest_threshold: float = 0.5
    ambiguity_margin: float = 0.05
    deduction_tolerance: Decimal = Decimal("0.15")
    stated_deduction_tolerance: Decimal = Decimal("0.30")
    fee_max_fraction: Decimal = Decimal("0.25")
    fee_bands: Mapping[str, Decimal] = attrs.field(factory=_default_fee_bands)
    fee_fraction: Decimal = Decimal("0.005")
    #: Differences up to this (per currency, else ``write_off_default``) are written off.
    write_off_bands: Mapping[str, Decimal] = attrs.field(
        factory=lambda: {"JPY": Decimal("100"), "KRW": Decimal("1000")}
    )
    write_off_default: Decimal = Decimal("1.00")
    fx_tolerance: Decimal = Decimal("0.03")
    max_subset_items: int = 22
    max_subset_size: int = 16
    max_suggestions: int = 3
    #: An amount shared by at least this many open items is "common" (round amounts): weak
    #: evidence without a reference.
    common_amount: int = 3
    #: Prior odds that a payment without reference from a known customer pays a set of its
    #: items exactly (weighs the chance that a subset sum is a coincidence).
    subset_prior_odds: float = 2.0

    def fee_limit(self, currency_code: str, open_units: int) -> int:
        """The largest bank fee, in minor units of ``currency_code``, for an item of that size.

        The band of the currency, and never more than ``fee_max_fraction`` of the item (charges
        do not eat most of a small invoice).
        """
        cap = int(abs(open_units) * self.fee_max_fraction)
        band = self.fee_bands.get(currency_code)
        if band is None:
            return min(cap, int(abs(open_units) * self.fee_fraction))
        return min(cap, int(band.scaleb(minor_units(currency_code))))

    def write_off_limit(self, currency_code: str) -> int:
        """The largest difference (minor units) written off without a reason."""
        band = self.write_off_bands.get(currency_code, self.write_off_default)
        return int(band.scaleb(minor_units(currency_code)))

    def deduction_limit(self, open_units: int, *, stated: bool) -> int:
        """The largest short payment (minor units) closed as a deduction, rounded up.

        ``stated``: the payer gave a reason (remittance code or text), which allows
        ``stated_deduction_tolerance`` instead of ``deduction_tolerance``.
        """
        fraction = self.stated_deduction_tolerance if stated else self.deduction_tolerance
        return int((abs(open_units) * fraction).to_integral_value(rounding=decimal.ROUND_CEILING))

    def decide(self, confidence: float, margin: float) -> Decision:
        """The decision for a best hypothesis of ``confidence`` leading the next by ``margin``."""
        if confidence >= self.auto_threshold and margin >= self.ambiguity_margin:
            return Decision.AUTO
        if confidence >= self.suggest_threshold:
            return Decision.SUGGEST
        return Decision.LEAVE


# --------------------------------------------------------------------------------------------
# Internal records (integer minor units in the hot paths).


@attrs.define(slots=True)
class _Item:
    item: OpenItem
    item_id: str
    customer_id: str
    currency: str
    open_units: int
    discounts: tuple[tuple[dt.date, int], ...]
    document_number: str


@attrs.define(slots=True)
class _Fit:
    """How an amount fits one item: what is applied, paid and left as residuals."""

    applied: int
    paid: int
    residuals: list[tuple[ResidualKind, int, str]]
    quality: float
    note: str
    partial: bool = False


@attrs.define(slots=True)
class _Hyp:
    fits: list[tuple[_Item, _Fit]]
    on_account: int
    confidence: float
    evidence: list[str]
    rate: Decimal | None = None

    @property
    def exact(self) -> bool:
        """Whether every item's fit is exact or an earned discount (no deduction, no rest)."""
        return self.on_account == 0 and all(
            f.quality >= 0.97 and not f.partial for _, f in self.fits
        )

    @property
    def key(self) -> frozenset[str]:
        return frozenset(i.item_id for i, _ in self.fits)


@attrs.define
class _Context:
    policy: MatchPolicy
    items: dict[str, _Item]
    by_customer: dict[str, list[_Item]]
    amount_count: dict[tuple[str, int], int]
    by_amount: dict[tuple[str, int], list[_Item]]
    documents: DocumentIndex
    names: NameIndex
    customers: dict[str, CustomerProfile]
    accounts: dict[str, str]
    customer_keys: dict[str, str]
    rates: RateProvider | None
    remaining: dict[str, int]
    name_cache: dict[str, tuple[NameMatch, ...]] = attrs.Factory(dict)
    #: Accounts learnt in this batch (not given in the customer profiles).
    learned: set[str] = attrs.Factory(set)
    #: Per customer, the shapes of its open documents' keys (computed when first needed).
    document_shapes: dict[str, frozenset[str]] = attrs.Factory(dict)


def _item_record(item: OpenItem) -> _Item:
    code = item.open_amount.currency.code
    discounts: tuple[tuple[dt.date, int], ...] = ()
    for d in item.discounts:
        if d.amount.currency.code == code and d.amount.amount > 0:
            discounts += ((d.deadline, to_minor(d.amount)),)
    return _Item(
        item=item,
        item_id=item.item_id,
        customer_id=item.customer_id,
        currency=code,
        open_units=to_minor(item.open_amount),
        discounts=discounts,
        document_number=item.document_number,
    )


def _build_context(
    open_items: Iterable[OpenItem],
    customers: Iterable[CustomerProfile],
    rates: RateProvider | None,
    policy: MatchPolicy,
) -> _Context:
    items: dict[str, _Item] = {}
    by_customer: dict[str, list[_Item]] = defaultdict(list)
    amount_count: dict[tuple[str, int], int] = defaultdict(int)
    by_amount: dict[tuple[str, int], list[_Item]] = defaultdict(list)
    for item in open_items:
        rec = _item_record(item)
        if rec.open_units == 0 or rec.item_id in items:
            continue
        items[rec.item_id] = rec
        by_customer[rec.customer_id].append(rec)
        amount_count[(rec.currency, rec.open_units)] += 1
        by_amount[(rec.currency, rec.open_units)].append(rec)
    docs = DocumentIndex.build(
        (i.item_id, i.document_number, i.item.payment_reference, i.customer_id)
        for i in items.values()
    )
    table = {c.customer_id: c for c in customers}
    names = NameIndex.build(
        ((c.customer_id, c.name) for c in table.values()),
        aliases=((c.customer_id, a) for c in table.values() for a in c.aliases),
    )
    accounts: dict[str, str] = {}
    for c in table.values():
        for account in c.accounts:
            accounts[_account_key(account)] = c.customer_id
    customer_keys = {_NON_ALNUM.sub("", cid.upper()): cid for cid in table}
    return _Context(
        policy=policy,
        items=items,
        by_customer=dict(by_customer),
        amount_count=dict(amount_count),
        by_amount=dict(by_amount),
        documents=docs,
        names=names,
        customers=table,
        accounts=accounts,
        customer_keys=customer_keys,
        rates=rates,
        remaining={i: rec.open_units for i, rec in items.items()},
    )


_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


@lru_cache(maxsize=65536)
def _units(amount: Money) -> int:
    """``to_minor`` remembered (a payment's amount is asked for many times)."""
    return to_minor(amount)


def _account_key(account: str) -> str:
    return _NON_ALNUM.sub("", account.upper())


# --------------------------------------------------------------------------------------------
# Evidence about the payer.


@attrs.define(slots=True)
class _Payer:
    scores: dict[str, float]
    notes: dict[str, str]
    best: str | None
    best_score: float


def _payer_evidence(payment: Payment, ctx: _Context, text: str) -> _Payer:
    scores: dict[str, float] = {}
    notes: dict[str, str] = {}

    def offer(cid: str, score: float, note: str) -> None:
        if score > scores.get(cid, 0.0):
            scores[cid] = score
            notes[cid] = note

    account = _account_key(payment.payer_account)
    if account and account in ctx.accounts:
        how = (
            "paid this customer's documents by reference in this batch"
            if account in ctx.learned
            else "is known"
        )
        offer(ctx.accounts[account], 1.0, f"payer account {payment.payer_account} {how}")
    invoicees = tuple(dict.fromkeys(d.invoicee_name for d in payment.documents if d.invoicee_name))
    for name in (payment.payer_name, payment.ultimate_payer_name, *invoicees):
        # The payer, the party it paid for, and the parties the documents were issued to (a
        # parent paying for its subsidiaries names them in camt ``Invcee``).
        if not name:
            continue
        matches = ctx.name_cache.get(name)
        if matches is None:
            matches = ctx.names.lookup(name)
            ctx.name_cache[name] = matches
        for m in matches:
            offer(
                m.customer_id,
                m.score,
                f"payer {name!r} ~ {ctx.customers[m.customer_id].name!r} "
                f"({m.kind.value}, {m.score:.2f})",
            )
    if ctx.customer_keys:
        for match in _CUSTOMER_NUMBER.finditer(text):
            token = match.group(0)
            cid = ctx.customer_keys.get(_NON_ALNUM.sub("", token))
            if cid is None:
                continue
            # A bare short number could be anything; letters, length or a label make it an id.
            labelled = _CUSTOMER_LABEL.search(text[max(0, match.start() - 12) : match.start()])
            mixed = len(token) >= 4 and not token.isdigit() and not token.isalpha()
            if labelled or len(token) >= 6 or mixed:
                offer(cid, 1.0, f"customer number {token} in the text")
    best = max(scores, key=lambda c: (scores[c], c)) if scores else None
    return _Payer(scores, notes, best, scores[best] if best else 0.0)


# --------------------------------------------------------------------------------------------
# Amount fits.


def _fit_single(
    item: _Item, amount: int, open_units: int, payment: Payment, ctx: _Context, text: str
) -> _Fit:
    """How ``amount`` (item currency, minor units) fits an item with ``open_units`` open."""
    policy = ctx.policy
    if amount == open_units:
        return _Fit(open_units, amount, [], 1.0, "amount equals the open amount")
    for deadline, disc in item.discounts:
        if amount == open_units - disc and disc < open_units:
            if payment.value_date <= deadline:
                return _Fit(
                    open_units,
                    amount,
                    [(ResidualKind.DISCOUNT, disc, "early-payment discount")],
                    0.98,
                    f"discount earned (paid {payment.value_date} <= {deadline})",
                )
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.DEDUCTION, disc, "discount taken after the deadline")],
                0.92,
                f"discount taken after its deadline {deadline}: a deduction",
            )
    partial_words = bool(_partial_stated(text))
    reason_match = _deduction_reason(text)
    if 0 < amount < open_units:
        short = open_units - amount
        charges = payment.charges
        if (
            charges is not None
            and charges.currency.code == item.currency
            and payment.amount.currency.code == item.currency
            and _units(charges) == short
        ):
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.BANK_FEE, short, "bank charges")],
                0.98,
                "difference equals the charges the bank states",
            )
        if (
            not reason_match
            and not partial_words
            and short <= policy.write_off_limit(item.currency)
        ):
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.WRITE_OFF, short, "small difference")],
                0.95,
                "a small difference, written off",
            )
        if (
            not reason_match
            and not partial_words
            and short <= policy.fee_limit(item.currency, open_units)
        ):
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.BANK_FEE, short, "bank charges")],
                0.94,
                "difference within the bank-fee band",
            )
        tolerance = policy.deduction_limit(open_units, stated=reason_match is not None)
        if short <= tolerance and not partial_words:
            reason = _reason_text(text, reason_match)
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.DEDUCTION, short, reason)],
                0.92 if reason_match else 0.9,
                "short payment within the deduction tolerance"
                + (f" ({reason})" if reason_match else ""),
            )
        return _Fit(
            amount,
            amount,
            [],
            0.9 if partial_words else 0.88,
            "partial payment" + (" (stated)" if partial_words else ""),
            partial=True,
        )
    if amount > open_units > 0:
        if amount - open_units > open_units:
            # More than twice the item: more likely documents not recognised than a surplus.
            return _Fit(
                open_units,
                open_units,
                [],
                0.6,
                "paid more than twice the open amount: other documents not recognised?",
            )
        return _Fit(
            open_units,
            open_units,
            [],
            0.9,
            "overpayment: the rest goes on account",
        )
    return _Fit(0, 0, [], 0.0, "amount does not fit")


def _reason_text(text: str, match: re.Match[str] | None) -> str:
    if match is None:
        return "short payment"
    start = max(0, match.start())
    return text[start : start + 40].strip().lower()


def _convert(payment: Payment, currency_code: str, ctx: _Context) -> tuple[int, Decimal] | None:
    """The payment's amount in ``currency_code`` (minor units) and the rate, or ``None``."""
    pay_ccy = payment.amount.currency.code
    if pay_ccy == currency_code:
        return _units(payment.amount), Decimal(1)
    if ctx.rates is None:
        return None
    try:
        rate = ctx.rates.rate(pay_ccy, currency_code, payment.value_date)
    except RateError:
        return None
    # Rate.apply converts through the exact fraction of the published figure.
    exact = rate.apply(payment.amount.amount, pay_ccy)
    converted = quantize_decimal(exact, minor_unit(currency_code))
    return int(converted.scaleb(minor_units(currency_code))), rate.value


# --------------------------------------------------------------------------------------------
# Subset sums.


def _half_sums(values: Sequence[int]) -> tuple[list[int], list[int]]:
    """Every subset sum of ``values`` with its bit mask (2**len entries)."""
    sums = [0]
    masks = [0]
    for i, v in enumerate(values):
        bit = 1 << i
        sums += [s + v for s in sums]
        masks += [m | bit for m in masks]
    return sums, masks


def _subset_sums(
    values: Sequence[int], target: int, max_size: int, limit: int = 2
) -> list[tuple[int, ...]]:
    """Up to ``limit`` non-empty index subsets of ``values`` summing exactly to ``target``.

    Meet in the middle: the sums of each half are enumerated (2**(n/2) each) and joined
    through a hash table, so 22 items cost about 4,000 sums rather than 4 million.
    """
    n = len(values)
    half = n // 2
    lsums, lmasks = _half_sums(values[:half])
    rsums, rmasks = _half_sums(values[half:])
    lkeys = [target - v for v in lsums]
    rmap = dict(zip(rsums, rmasks, strict=True))
    lmap = dict(zip(lkeys, lmasks, strict=True))
    ldup = len(lmap) < len(lkeys)
    rdup = len(rmap) < len(rsums)
    found: list[tuple[int, ...]] = []
    for key in sorted(lmap.keys() & rmap.keys()):
        # Equal sums within a half are rare (equal or round amounts): expand them only here.
        lms = [m for k, m in zip(lkeys, lmasks, strict=True) if k == key] if ldup else [lmap[key]]
        rms = [m for k, m in zip(rsums, rmasks, strict=True) if k == key] if rdup else [rmap[key]]
        for mask in lms:
            for rmask in rms:
                if mask == 0 and rmask == 0:
                    continue
                idx = _indices(mask, rmask, half, n)
                if len(idx) <= max_size:
                    found.append(idx)
                    if len(found) >= limit:
                        return found
    return found


def _indices(mask: int, rmask: int, half: int, n: int) -> tuple[int, ...]:
    return tuple(i for i in range(half) if mask >> i & 1) + tuple(
        half + i for i in range(n - half) if rmask >> i & 1
    )


def _local_density(values: Sequence[int], target: int) -> float:
    """Subset sums per minor unit in a window around ``target`` (exact hits excluded).

    The expected number of subsets that would add up to an amount near ``target`` by
    coincidence: the chance that a unique exact subset is an accident.
    """
    width = max(100, target // 20)
    n = len(values)
    half = n // 2
    left = sorted(_half_sums(values[:half])[0])
    right = sorted(_half_sums(values[half:])[0])
    lo, hi = target - width, target + width
    # Two pointers over the sorted halves: for each left sum, right sums in [lo - s, hi - s].
    count = 0
    exact = 0
    a = b = len(right)
    rset: dict[int, int] = {}
    for r in right:
        rset[r] = rset.get(r, 0) + 1
    for s in left:
        while a > 0 and right[a - 1] >= lo - s:
            a -= 1
        while b > 0 and right[b - 1] > hi - s:
            b -= 1
        count += max(0, b - a)
        exact += rset.get(target - s, 0)
    return (count - exact) / (2 * width)


# --------------------------------------------------------------------------------------------
# Hypotheses for one payment.


def _hyp_from_fit(item: _Item, fit: _Fit, amount_paid: int, conf: float, ev: list[str]) -> _Hyp:
    return _Hyp([(item, fit)], amount_paid - fit.paid, conf, ev)


def _evaluate(payment: Payment, ctx: _Context, hits: tuple[ReferenceHit, ...]) -> list[_Hyp]:
    """Every hypothesis worth showing for ``payment``, best first."""
    policy = ctx.policy
    text = f"{payment.reference} {payment.remittance_info}".upper()
    payer = _payer_evidence(payment, ctx, text)
    hyps: list[_Hyp] = []
    pay_units = _units(payment.amount)
    pay_ccy = payment.amount.currency.code
    if pay_units <= 0:
        return hyps
    not_invoice = bool(_NOT_INVOICE_WORDS.search(text)) and not hits

    live_hits = [h for h in hits if ctx.remaining.get(h.item_id, 0) != 0]
    settled = [h for h in hits if h.item_id in ctx.items and ctx.remaining.get(h.item_id) == 0]

    def cust_score(cid: str) -> float:
        return payer.scores.get(cid, 0.0)

    def contradiction(cid: str) -> float:
        """How strongly the payer looks like another customer than ``cid``."""
        if payer.best is None or payer.best == cid or cust_score(cid) >= 0.5:
            return 0.0
        return payer.best_score

    # --- S. Structured remittance (camt RfrdDocInf with amounts) ---------------------------
    if payment.documents:
        structured = _structured_hypothesis(payment, ctx, payer)
        if structured is not None:
            hyps.append(structured)

    # --- A. Named items -------------------------------------------------------------------
    unconfirmed: list[_Hyp] = []
    named_by_customer: dict[str, list[ReferenceHit]] = defaultdict(list)
    for h in live_hits:
        named_by_customer[ctx.items[h.item_id].customer_id].append(h)
    if len(named_by_customer) > 1:
        # Documents of several customers named together (a group paying for its members).
        group_score = max(cust_score(c) for c in named_by_customer)
        for hyp in _named_subsets(
            payment, ctx, live_hits, group_score, 0.0, _ref_note(live_hits), payer, "", text
        ):
            hyp.confidence -= 0.03
            hyp.evidence.append("the named documents belong to several customers")
            hyps.append(hyp)
    for cid, chits in named_by_customer.items():
        c_score = cust_score(cid)
        contra = contradiction(cid)
        ref_note = _ref_note(chits)
        # Single items.
        for h in chits:
            item = ctx.items[h.item_id]
            conv = _convert(payment, item.currency, ctx)
            if conv is None:
                continue
            amount, rate = conv
            fit = _fit_fx(item, amount, rate, payment, ctx, text)
            if fit.quality <= 0:
                continue
            if len(live_hits) > 1 and fit.quality < 0.97:
                # Several documents named: a single one explains the amount only exactly.
                fit.quality -= 0.4
            if _later_instalment(item, chits, ctx):
                # Instalments of one document: the earliest due is paid first (tie-break).
                fit.quality -= 0.15
            conf = _ref_confidence(h.strength, fit.quality, c_score, contra)
            ev = [
                f"{h.text.strip()!r} names {h.item_id} {item.document_number} ({h.kind.value})",
                _cust_note(payer, cid, ctx),
                fit.note,
            ]
            hyp = _hyp_from_fit(item, fit, amount, conf, ev)
            if fit.quality < 0.97 and c_score < 0.25:
                unconfirmed.append(hyp)
            hyp.rate = rate if rate != 1 else None
            if hyp.rate is not None:
                hyp.on_account = _back_convert(hyp.on_account, rate, pay_ccy, item.currency)
            hyps.append(hyp)
            if not hyp.exact and rate == 1:
                hyps.extend(_conflicting_exact_items(hyp, item, amount, payment, ctx, hits))
            if hyp.on_account > 0 and rate == 1 and len(live_hits) == 1:
                unnamed = _named_plus_unnamed(hyp, item, amount, payment, ctx)
                hyps.extend(unnamed)
                if _cut_off(payment, [item]):
                    hyps.extend(
                        _cut_list(ev[:2], [item], hyp.on_account, payment, ctx, h.strength, contra)
                    )
                if _unresolved_numbers(text, hits):
                    # The text names something else too (a cut-off or unknown number): the
                    # surplus may belong to it.
                    named_conf = _ref_confidence(h.strength, 0.97, c_score, contra) - 0.02
                    hyp.confidence = min(hyp.confidence, policy.auto_threshold - 0.01)
                    hyp.evidence.append("the text has other numbers that name no open item")
                    for other in unnamed:
                        extra = [i for i, _ in other.fits if i is not item]
                        typos = _misspelt(extra, text, hits, ctx)
                        if typos:
                            # The rest is documents the text misspells: named after all.
                            other.confidence = named_conf
                            other.evidence[-1] += f" ({typos})"
                        else:
                            # Still a tie with money on account: a first subset is no proof.
                            other.confidence = min(other.confidence, hyp.confidence)
            if rate == 1 and len(live_hits) == 1 and 0 < amount < ctx.remaining[item.item_id]:
                hyps.extend(_netted_credit_memo(hyp, item, amount, ctx))
        # Several named items.
        if len(chits) > 1:
            hyps.extend(
                _named_subsets(payment, ctx, chits, c_score, contra, ref_note, payer, cid, text)
            )

    # --- B. Fuzzy references against the payer's customers and the amount's items ------------
    # (also when a named item fits only approximately: a typo may name another open document)
    if not any(h.confidence >= policy.auto_threshold and h.exact for h in hyps):
        fuzzy = _fuzzy_hypotheses(payment, ctx, payer, hits, text, pay_units, pay_ccy)
        if unconfirmed and any(f.exact and f.confidence >= policy.suggest_threshold for f in fuzzy):
            # Nothing points to the payer, the named document fits only approximately and one a
            # typo away fits exactly: the number may be a typo that spells another document.
            for hyp in unconfirmed:
                hyp.confidence = min(hyp.confidence, policy.auto_threshold - 0.01)
                hyp.evidence.append(_UNCONFIRMED)
        hyps.extend(fuzzy)

    # --- C. The customer's open items by amount ---------------------------------------------
    if not any(h.confidence >= policy.auto_threshold for h in hyps):
        named = {h.item_id for h in live_hits if h.strength >= 0.85}
        for cid, score in sorted(payer.scores.items(), key=lambda kv: (-kv[1], kv[0]))[:6]:
            for hyp in _customer_hypotheses(payment, ctx, cid, score, payer, pay_units, text):
                if named and not named <= hyp.key:
                    # The text names other open documents: the amount alone does not overrule.
                    hyp.confidence = min(hyp.confidence, policy.auto_threshold - 0.02)
                    hyp.evidence.append("but the text names other open documents")
                elif hyp.confidence >= policy.auto_threshold:
                    why = _names_another_document(text, hits, settled, hyp, payment, ctx)
                    if why:
                        # The payer meant a document that is not open (paid already, or not
                        # ours): an item of the same amount is a coincidence, not the answer.
                        hyp.confidence = policy.auto_threshold - 0.02
                        hyp.evidence.append(why)
                hyps.append(hyp)

    # --- D. The amount alone ----------------------------------------------------------------
    if not hyps:
        hyps.extend(_amount_only(payment, ctx, payer, pay_units, pay_ccy))

    if not_invoice:
        for hyp in hyps:
            hyp.confidence = min(hyp.confidence, 0.6)
            hyp.evidence.append("the text describes another kind of payment")
    if settled and not live_hits:
        hyps.append(
            _Hyp(
                [],
                pay_units,
                0.55,
                [
                    "the documents it names ("
                    + ", ".join(h.item_id for h in settled[:5])
                    + ") are already settled: a duplicate payment, kept on account"
                ],
            )
        )
    hyps.sort(key=lambda h: (-h.confidence, sorted(h.key)))
    return hyps


def _structured_hypothesis(payment: Payment, ctx: _Context, payer: _Payer) -> _Hyp | None:
    """The allocation the payer's structured remittance states, when it is complete and adds up.

    Each referred document must name exactly one open item in the payment's currency; what
    it says was paid goes to that item, its discount is a discount (a deduction after the
    deadline) and its adjustments are deductions with their reason codes.
    """
    pay_ccy = payment.amount.currency.code
    fits: list[tuple[_Item, _Fit]] = []
    evidence = ["structured remittance:"]
    total_paid = 0
    for doc in payment.documents:
        found = ctx.documents.lookup_number(doc.number) if doc.number else ()
        if not found and doc.creditor_reference:
            found = ctx.documents.lookup_number(doc.creditor_reference)
        live = [h for h in found if ctx.remaining.get(h.item_id, 0) != 0]
        if len(live) != 1:
            return None
        item = ctx.items[live[0].item_id]
        if item.currency != pay_ccy:
            return None
        remaining = ctx.remaining[item.item_id]
        residuals: list[tuple[ResidualKind, int, str]] = []
        if doc.discount is not None and doc.discount.amount:
            units = _units(doc.discount)
            late = all(payment.value_date > deadline for deadline, _ in item.discounts)
            if late:
                residuals.append(
                    (ResidualKind.DEDUCTION, units, "discount taken after the deadline")
                )
            else:
                residuals.append((ResidualKind.DISCOUNT, units, "early-payment discount"))
        if doc.adjustment is not None and doc.adjustment.amount:
            reason = doc.adjustment_reason or "adjustment stated in the remittance"
            residuals.append((ResidualKind.DEDUCTION, _units(doc.adjustment), reason))
        if doc.credit_note_amount is not None and doc.credit_note_amount.amount:
            residuals.append(
                (ResidualKind.DEDUCTION, _units(doc.credit_note_amount), "credit note deducted")
            )
        extra = sum(units for _, units, _ in residuals)
        signed = doc.signed_amount_paid
        paid = _units(signed) if signed is not None else remaining - extra
        applied = paid + extra
        if abs(applied) > abs(remaining) or (remaining > 0) != (applied > 0):
            return None
        partial = applied != remaining
        fits.append(
            (item, _Fit(applied, paid, residuals, 1.0, "stated by the payer", partial=partial))
        )
        total_paid += paid
        evidence.append(f"{doc.number or doc.creditor_reference} -> {item.item_id}")
    if not fits or total_paid != _units(payment.amount):
        return None
    # The payer's own statement of what it pays, adding up: above any inferred hypothesis.
    conf = 0.997
    return _Hyp(fits, 0, conf, [" ".join(evidence), "the stated amounts add up to the payment"])


def _conflicting_exact_items(
    hyp: _Hyp,
    item: _Item,
    amount: int,
    payment: Payment,
    ctx: _Context,
    hits: tuple[ReferenceHit, ...],
) -> list[_Hyp]:
    """Other open items of the named item's customer that the amount fits exactly.

    A reference names one invoice but the amount is exactly another one's: either the
    reference or the amount is wrong, so neither is posted without a person.
    """
    named = {h.item_id for h in hits}
    others = [
        i
        for i in ctx.by_amount.get((item.currency, amount), ())
        if i.customer_id == item.customer_id
        and i.item_id not in named
        and ctx.remaining.get(i.item_id) == amount
    ]
    if not others:
        return []
    hyp.confidence = min(hyp.confidence - 0.15, ctx.policy.auto_threshold - 0.01)
    hyp.evidence.append(
        f"but {others[0].item_id} {others[0].document_number} of the same customer is open "
        "for exactly this amount"
    )
    return [
        _Hyp(
            [(other, _Fit(amount, amount, [], 1.0, ""))],
            0,
            hyp.confidence - 0.01,
            [
                f"amount equals the open amount of {other.item_id} {other.document_number}",
                f"although the reference names {item.item_id}",
            ],
        )
        for other in others[:2]
    ]


def _unresolved_numbers(text: str, hits: Sequence[ReferenceHit]) -> bool:
    """Whether ``text`` (upper case) has document-like numbers besides the ones that hit."""
    rest = text
    for h in hits:
        rest = rest.replace(h.text.upper(), " | ")
    return bool(reference_strings(rest, min_digits=5))


_UNCONFIRMED = (
    "nothing points to the payer, the amount fits only approximately, and a document one edit "
    "away fits exactly"
)


def _names_another_document(
    text: str,
    hits: Sequence[ReferenceHit],
    settled: Sequence[ReferenceHit],
    hyp: _Hyp,
    payment: Payment,
    ctx: _Context,
) -> str:
    """Why ``text`` names a document other than the items of ``hyp`` (empty when it does not).

    A text that names a settled document of the payment's amount (a duplicate payment), or a
    number shaped like the customer's document numbers (same letters, same count of digits) that
    names no open item and is neither part of nor one edit from the hypothesis' documents (a
    settled document or one that is not open), was written for another document.
    """
    repeated = _repeated_payment(settled, _units(payment.amount), payment.amount.currency.code, ctx)
    if repeated:
        return (
            "but the text names "
            + ", ".join(h.item_id for h in repeated[:3])
            + ", settled already, of this amount: a duplicate payment?"
        )
    rest = text
    for h in hits:
        if h not in settled:
            rest = rest.replace(h.text.upper(), " | ")
    strings = reference_strings(rest, min_digits=5)
    if not strings:
        return ""
    customer = next(iter(hyp.fits))[0].customer_id
    shapes = ctx.document_shapes.get(customer)
    if shapes is None:
        # The shapes of the customer's document numbers (one numbering scheme or a few).
        shapes = frozenset(
            _shape(k)
            for i in ctx.by_customer.get(customer, ())
            for k in ctx.documents.keys_of.get(i.item_id, ())
        )
        ctx.document_shapes[customer] = shapes
    keys = [k for i in hyp.key for k in ctx.documents.keys_of.get(i, ())]
    for s in strings:
        # A garbled spelling of the hypothesis' own number (a part of it, or one edit away)
        # is no other document.
        if _shape(s) in shapes and not any(s in k or within_one_edit(s, k) for k in keys):
            return f"but the text names {s}, which is no open document"
    return ""


def _repeated_payment(
    hits: Sequence[ReferenceHit], pay_units: int, pay_ccy: str, ctx: _Context
) -> list[ReferenceHit]:
    """The hits naming a settled document whose amount (less a discount) is the payment's."""
    out = []
    for h in hits:
        item = ctx.items.get(h.item_id)
        if item is None or ctx.remaining.get(h.item_id) != 0 or item.currency != pay_ccy:
            continue
        o = item.open_units
        if pay_units == o or any(pay_units == o - d for _, d in item.discounts):
            out.append(h)
    return out


_DIGIT = re.compile(r"[0-9]")


def _shape(key: str) -> str:
    """A document key with its digits replaced by ``9`` (``INV2026100003`` -> ``INV9999999999``)."""
    return _DIGIT.sub("9", key)


_LAST_CHUNK = re.compile(r"[0-9A-Z][0-9A-Z/.#-]*$")
_CHAR_CLASS = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "9" * 10 + "A" * 26)


def _cut_off(payment: Payment, named: Sequence[_Item]) -> bool:
    """Whether a text field ends in the start of a document number like the named ones.

    Banks cut remittance text at their field length (35 or 140 characters): a list of
    documents then ends in ``"... INV-2026-1"``, the first characters of the next number.
    """
    for text in (payment.reference, payment.remittance_info):
        m = _LAST_CHUNK.search(text.rstrip().upper())
        if m is None or len(m.group(0)) < 2:
            continue
        chunk = m.group(0)
        shape = chunk.translate(_CHAR_CLASS)
        for item in named:
            number = item.document_number.upper()
            if len(chunk) >= len(number):
                continue
            if number.translate(_CHAR_CLASS).startswith(shape) and (
                any(ch.isdigit() for ch in chunk) or number.startswith(chunk)
            ):
                return True
    return False


def _number_order(number: str) -> tuple[int, str]:
    """A document number's sort key: its length without separators, then the key."""
    key = _NON_ALNUM.sub("", number.upper())
    return len(key), key


def _cut_list(
    evidence: list[str],
    named: Sequence[_Item],
    rest: int,
    payment: Payment,
    ctx: _Context,
    strength: float,
    contra: float,
) -> list[_Hyp]:
    """The named items plus the unique set of the customer's other items that make up ``rest``.

    Only for a text cut off in the middle of the next number (see :func:`_cut_off`): the
    documents the payer listed last are missing from the text, not from the payment.  Posted
    only when exactly one set adds up and a coincidence is unlikely (the density of subset
    sums around the rest, as for payments without reference).
    """
    policy = ctx.policy
    customer = named[0].customer_id
    skip = {i.item_id for i in named}
    pool = [
        i
        for i in ctx.by_customer.get(customer, ())
        if i.item_id not in skip
        and i.currency == named[0].currency
        and ctx.remaining.get(i.item_id, 0) > 0
    ]
    # Lists mostly ascend: the documents cut off most likely come after the last one named
    # (then the oldest first); the others are searched only as far as the bound allows.
    last = max(_number_order(i.document_number) for i in named)
    pool.sort(
        key=lambda i: (_number_order(i.document_number) < last, i.item.document_date, i.item_id)
    )
    truncated = len(pool) > policy.max_subset_items
    pool = pool[: policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    subsets = _subset_sums(values, rest, policy.max_subset_size, limit=2)
    if len(subsets) != 1:
        return []
    density = _local_density(values, rest)
    posterior = 1.0 / (1.0 + density / policy.subset_prior_odds)
    conf = _ref_confidence(strength, 0.97, 1.0, contra) * posterior**3
    if truncated:
        conf -= 0.05
    fits = [
        (i, _Fit(ctx.remaining[i.item_id], ctx.remaining[i.item_id], [], 1.0, "")) for i in named
    ]
    fits += [(pool[k], _Fit(values[k], values[k], [], 1.0, "")) for k in subsets[0]]
    return [
        _Hyp(
            fits,
            0,
            conf,
            [
                *evidence,
                (
                    "the text is cut off in the middle of a document number; the rest is "
                    f"exactly {len(subsets[0])} other open item(s) of the customer "
                    f"(chance of a coincidence {density:.2g})"
                ),
            ],
        )
    ]


def _misspelt(
    items: Sequence[_Item], text: str, hits: Sequence[ReferenceHit], ctx: _Context
) -> str:
    """How ``text`` misspells every one of ``items`` (one edit each), or ``""``.

    The reference-like strings the hits do not explain are compared with the items' numbers.
    """
    rest = text
    for h in hits:
        rest = rest.replace(h.text.upper(), " | ")
    strings = reference_strings(rest, min_digits=4)
    notes = []
    for item in items:
        spelt = next(
            (
                s
                for s in strings
                for k in ctx.documents.keys_of.get(item.item_id, ())
                if len(k) >= 5 and within_one_edit(s, k)
            ),
            None,
        )
        if spelt is None:
            return ""
        notes.append(f"{spelt!r} is one edit from {item.document_number}")
    return "; ".join(notes)


def _unnamed_rest(
    named: Sequence[_Item], rest: int, payment: Payment, ctx: _Context
) -> list[tuple[_Item, int]]:
    """Up to three open items of the named items' customer, not named, adding up to ``rest``."""
    customer = named[0].customer_id
    skip = {i.item_id for i in named}
    pool = [
        i
        for i in ctx.by_customer.get(customer, ())
        if i.item_id not in skip
        and i.currency == named[0].currency
        and ctx.remaining.get(i.item_id, 0) > 0
    ]
    pool.sort(key=lambda i: (abs((i.item.due_date - payment.value_date).days), i.item_id))
    pool = pool[: ctx.policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    subsets = _subset_sums(values, rest, 3, limit=1)
    return [(pool[k], values[k]) for k in subsets[0]] if subsets else []


def _named_plus_unnamed(
    hyp: _Hyp, item: _Item, amount: int, payment: Payment, ctx: _Context
) -> list[_Hyp]:
    """The named item plus other open items of its customer that make up the overpayment.

    A payer who names one invoice and pays exactly two may have forgotten the second number:
    as plausible as money on account, so the two hypotheses tie and neither is posted.
    """
    rest = hyp.on_account
    pool = [
        i
        for i in ctx.by_customer.get(item.customer_id, ())
        if i is not item and i.currency == item.currency and ctx.remaining.get(i.item_id, 0) > 0
    ]
    pool.sort(key=lambda i: (abs((i.item.due_date - payment.value_date).days), i.item_id))
    pool = pool[: ctx.policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    subsets = _subset_sums(values, rest, 3, limit=1)
    if not subsets:
        return []
    fits = [(item, _Fit(hyp.fits[0][1].applied, hyp.fits[0][1].paid, [], 1.0, ""))]
    fits += [(pool[k], _Fit(values[k], values[k], [], 1.0, "")) for k in subsets[0]]
    return [
        _Hyp(
            fits,
            0,
            hyp.confidence,
            [
                *hyp.evidence[:2],
                "the rest is exactly the open amount of "
                + ", ".join(pool[k].item_id for k in subsets[0])
                + " (not named)",
            ],
        )
    ]


def _netted_credit_memo(hyp: _Hyp, item: _Item, amount: int, ctx: _Context) -> list[_Hyp]:
    """The named item less an open credit memo of its customer that explains the difference.

    A payer often nets a credit note without naming it: when one open credit memo is exactly
    the shortfall, that beats a deduction (which then scores lower).
    """
    open_units = ctx.remaining.get(item.item_id, item.open_units)
    short = open_units - amount
    memos = [
        i
        for i in ctx.by_customer.get(item.customer_id, ())
        if i.currency == item.currency and ctx.remaining.get(i.item_id, 0) == -short
    ]
    if len(memos) != 1:
        return []
    memo = memos[0]
    hyp.confidence -= 0.1
    hyp.evidence.append(f"credit memo {memo.item_id} explains the difference exactly")
    fits = [
        (item, _Fit(open_units, open_units, [], 1.0, "")),
        (memo, _Fit(-short, -short, [], 1.0, "")),
    ]
    return [
        _Hyp(
            fits,
            0,
            min(hyp.confidence + 0.08, 0.99),
            [
                *hyp.evidence[:2],
                (
                    f"the amount is {item.item_id} less the open credit memo {memo.item_id} "
                    f"{memo.document_number} (not named)"
                ),
            ],
        )
    ]


def _later_instalment(item: _Item, chits: list[ReferenceHit], ctx: _Context) -> bool:
    """Whether another named item of the same document falls due before ``item``."""
    for h in chits:
        other = ctx.items[h.item_id]
        if (
            other is not item
            and other.document_number == item.document_number
            and (other.item.due_date, other.item_id) < (item.item.due_date, item.item_id)
        ):
            return True
    return False


def _ref_note(hits: Sequence[ReferenceHit]) -> str:
    return "; ".join(f"{h.text.strip()!r} names {h.item_id} ({h.kind.value})" for h in hits[:6])


def _fit_fx(
    item: _Item, amount: int, rate: Decimal, payment: Payment, ctx: _Context, text: str
) -> _Fit:
    open_units = ctx.remaining.get(item.item_id, item.open_units)
    if rate == 1:
        return _fit_single(item, amount, open_units, payment, ctx, text)
    instructed = payment.instructed_amount
    if instructed is not None and instructed.currency.code == item.currency:
        # The payer instructed the item's currency: that amount is what it meant to pay, and
        # the bank's conversion is only the FX difference.
        fit = _fit_single(item, _units(instructed), open_units, payment, ctx, text)
        if fit.quality >= 0.97 and not fit.partial:
            fx = _units(instructed) - amount
            residuals = [(ResidualKind.FX_DIFFERENCE, fx, "rate difference")] if fx else []
            return _Fit(
                fit.applied,
                amount,
                residuals + fit.residuals,
                fit.quality,
                f"instructed {format(instructed.amount, 'f')} {item.currency}: {fit.note}",
            )
    diff = open_units - amount
    tolerance = int(abs(open_units) * ctx.policy.fx_tolerance)
    if abs(diff) <= tolerance:
        residuals = [(ResidualKind.FX_DIFFERENCE, diff, "rate difference")] if diff else []
        return _Fit(
            open_units,
            amount,
            residuals,
            0.93,
            f"{payment.amount.currency.code} amount at {rate:.6f} is within "
            f"{ctx.policy.fx_tolerance:%} of the item",
        )
    fit = _fit_single(item, amount, open_units, payment, ctx, text)
    fit.quality -= 0.05
    return fit


def _back_convert(units: int, rate: Decimal, pay_ccy: str, item_ccy: str) -> int:
    if units == 0:
        return 0
    value = Decimal(units).scaleb(-minor_units(item_ccy)) / rate
    return int(quantize_decimal(value, minor_unit(pay_ccy)).scaleb(minor_units(pay_ccy)))


def _cust_note(payer: _Payer, cid: str, ctx: _Context) -> str:
    if not cid:
        return payer.notes.get(payer.best, "payer not recognised") if payer.best else ""
    note = payer.notes.get(cid)
    if note:
        return note
    if payer.best is not None:
        return (
            f"payer looks like {ctx.customers[payer.best].name!r} "
            f"({payer.best_score:.2f}), not customer {cid}"
            if payer.best_score >= 0.5
            else f"payer not recognised as customer {cid}"
        )
    return f"payer not recognised as customer {cid}"


def _ref_confidence(strength: float, quality: float, c_score: float, contra: float) -> float:
    """Confidence for items named by references with an amount fit of ``quality``.

    ``contra`` is how strongly the payer looks like another customer than the items' one: a
    parent paying for a subsidiary is normal with an exact amount, suspicious without.
    """
    if strength >= 0.85:
        conf = 0.6 + 0.4 * quality - (1.0 - strength) * 0.3
        conf += 0.02 * min(c_score, 1.0)
        if contra >= 0.45:
            conf -= (0.04 if quality >= 0.98 else 0.14) * min(1.0, contra / 0.9)
        return min(conf, 0.995)
    # Fuzzy or otherwise weak references: the amount and the customer must confirm.
    conf = 0.35 + 0.35 * quality * quality + 0.25 * min(c_score, 1.0)
    if quality < 0.97:
        conf -= 0.1
    if contra >= 0.9:
        conf -= 0.2
    return conf


def _named_subsets(
    payment: Payment,
    ctx: _Context,
    chits: list[ReferenceHit],
    c_score: float,
    contra: float,
    ref_note: str,
    payer: _Payer,
    cid: str,
    text: str,
) -> list[_Hyp]:
    policy = ctx.policy
    items = [ctx.items[h.item_id] for h in chits]
    currencies = {i.currency for i in items}
    if len(currencies) != 1:
        return []
    code = currencies.pop()
    conv = _convert(payment, code, ctx)
    if conv is None:
        return []
    amount, rate = conv
    strength = min(h.strength for h in chits)
    opens = [ctx.remaining.get(i.item_id, i.open_units) for i in items]
    hyps: list[_Hyp] = []
    total = sum(opens)
    cust = _cust_note(payer, cid, ctx)

    def build(
        chosen: Sequence[int], per_item: list[_Fit], quality: float, note: str, extra: int
    ) -> _Hyp:
        fits = [(items[k], per_item[k]) for k in chosen]
        conf = _ref_confidence(strength, quality, c_score, contra)
        if len(chosen) < len(items):
            conf -= 0.03
        hyp = _Hyp(fits, extra, conf, [ref_note, cust, note])
        if rate != 1:
            hyp.rate = rate
            hyp.on_account = _back_convert(extra, rate, payment.amount.currency.code, code)
        return hyp

    exact = [_Fit(o, o, [], 1.0, "") for o in opens]
    if total == amount:
        hyps.append(build(range(len(items)), exact, 1.0, "amounts of the named items add up", 0))
        return hyps
    # Discounts earned on every item that offers one.
    disc_fits = []
    for item, o in zip(items, opens, strict=True):
        d = next(
            (u for deadline, u in item.discounts if payment.value_date <= deadline and u < o),
            0,
        )
        res = [(ResidualKind.DISCOUNT, d, "early-payment discount")] if d else []
        disc_fits.append(_Fit(o, o - d, res, 0.98, ""))
    if sum(f.paid for f in disc_fits) == amount and any(f.residuals for f in disc_fits):
        hyps.append(
            build(range(len(items)), disc_fits, 0.98, "named items add up with discounts", 0)
        )
        return hyps
    # Bank fee or deduction on the whole.
    short = total - amount
    if 0 < short <= policy.fee_limit(code, total) and not _deduction_reason(text):
        fits = [_Fit(o, o, [], 1.0, "") for o in opens]
        fits[-1] = _Fit(
            opens[-1], opens[-1] - short, [(ResidualKind.BANK_FEE, short, "bank charges")], 0.9, ""
        )
        hyps.append(
            build(range(len(items)), fits, 0.94, "named items less a bank fee within the band", 0)
        )
    elif 0 < short <= policy.deduction_limit(
        total, stated=_deduction_reason(text) is not None
    ) and not _partial_stated(text):
        reason = _reason_text(text, _deduction_reason(text))
        fits = [_Fit(o, o, [], 1.0, "") for o in opens]
        fits[-1] = _Fit(
            opens[-1], opens[-1] - short, [(ResidualKind.DEDUCTION, short, reason)], 0.88, ""
        )
        hyps.append(build(range(len(items)), fits, 0.88, "named items less a deduction", 0))
    elif short < 0:
        on_account = build(
            range(len(items)),
            exact,
            0.88,
            "named items paid in full, the rest on account",
            -short,
        )
        hyps.append(on_account)
        if -short * 100 > total:
            # Several documents named and much more paid: a list cut short or documents not
            # named, rather than a surplus; never posted on account without a person.
            on_account.confidence = min(on_account.confidence, policy.auto_threshold - 0.01)
        if rate == 1 and cid and _cut_off(payment, items):
            hyps.extend(_cut_list([ref_note, cust], items, -short, payment, ctx, strength, contra))
        if rate == 1 and cid:
            # The rest may be documents the payer did not name (or a list cut short).
            extra = _unnamed_rest(items, -short, payment, ctx)
            if extra:
                on_account.confidence = min(on_account.confidence, policy.auto_threshold - 0.01)
                with_rest = [
                    (i, _Fit(o, o, [], 1.0, "")) for i, o in zip(items, opens, strict=True)
                ]
                with_rest += [(i, _Fit(o, o, [], 1.0, "")) for i, o in extra]
                typos = _misspelt([i for i, _ in extra], text, chits, ctx)
                hyps.append(
                    _Hyp(
                        with_rest,
                        0,
                        # The rest is the open amount of documents the text misspells: named
                        # after all, and confirmed by the amount.
                        _ref_confidence(strength, 0.97, c_score, contra) - 0.02
                        if typos
                        else on_account.confidence,
                        [
                            ref_note,
                            cust,
                            "the rest is exactly the open amount of "
                            + ", ".join(i.item_id for i, _ in extra)
                            + (f" ({typos})" if typos else " (not named)"),
                        ],
                    )
                )
    # A subset of the named items.
    if len(items) <= policy.max_subset_items:
        for fits, quality in ((exact, 1.0), (disc_fits, 0.97)):
            subsets = _subset_sums([f.paid for f in fits], amount, policy.max_subset_size)
            if len(subsets) == 1 and len(subsets[0]) < len(items):
                hyps.append(
                    build(
                        subsets[0], fits, quality - 0.02, "a subset of the named items adds up", 0
                    )
                )
                break
            if len(subsets) > 1:
                for s in subsets:
                    hyps.append(build(s, fits, 0.8, "one of several subsets that add up", 0))
                break
    return hyps


def _fuzzy_hypotheses(
    payment: Payment,
    ctx: _Context,
    payer: _Payer,
    hits: tuple[ReferenceHit, ...],
    text: str,
    pay_units: int,
    pay_ccy: str,
) -> list[_Hyp]:
    strings = reference_strings(f"{payment.reference} {payment.remittance_info}")
    repeated = _repeated_payment(hits, pay_units, pay_ccy, ctx)
    if repeated:
        # A number that names exactly a settled document of the payment's amount means that
        # document (a duplicate payment), not an open one a typo away.
        exact = {s for h in repeated for s in reference_strings(h.text, min_digits=1)}
        strings = tuple(s for s in strings if s not in exact)
    if not strings:
        return []
    pool: dict[str, _Item] = {}
    # The documents of the customers the payer may be, and those of the payment's amount:
    # a fuzzy match counts only when the customer or the amount confirms it.
    candidates = sorted(payer.scores.items(), key=lambda kv: (-kv[1], kv[0]))
    for cid, score in candidates[:4]:
        if score >= 0.3:
            for item in ctx.by_customer.get(cid, ()):
                pool[item.item_id] = item
    if not pool:
        for h in hits:
            named_item = ctx.items.get(h.item_id)
            if named_item is not None and len(ctx.by_customer[named_item.customer_id]) <= 200:
                for other in ctx.by_customer[named_item.customer_id]:
                    pool[other.item_id] = other
    for item in ctx.by_amount.get((pay_ccy, pay_units), ()):
        pool[item.item_id] = item
    live = [i for i in sorted(pool) if ctx.remaining.get(i, 0) != 0]
    named = {h.item_id for h in hits}
    fuzzy = [h for h in fuzzy_matches(strings, live, ctx.documents) if h.item_id not in named]
    hyps: list[_Hyp] = []
    if not fuzzy:
        return hyps
    for h in fuzzy:
        item = ctx.items[h.item_id]
        conv = _convert(payment, item.currency, ctx)
        if conv is None:
            continue
        amount, rate = conv
        fit = _fit_fx(item, amount, rate, payment, ctx, text)
        if fit.quality <= 0:
            continue
        c_score = payer.scores.get(item.customer_id, 0.0)
        if fit.quality >= 0.97 and ctx.amount_count.get((item.currency, amount), 0) == 1:
            # One edit from the only open item of exactly this amount: two independent
            # confirmations, worth a recognised payer.
            c_score = max(c_score, 0.9)
        conf = _ref_confidence(h.strength, fit.quality, c_score, 0.0)
        if len(fuzzy) > 1:
            conf -= 0.1
        ev = [
            f"{h.text!r} is one edit from {item.document_number} ({h.item_id})",
            _cust_note(payer, item.customer_id, ctx),
            fit.note,
        ]
        hyp = _hyp_from_fit(item, fit, amount, conf, ev)
        if rate != 1:
            hyp.rate = rate
            hyp.on_account = _back_convert(hyp.on_account, rate, pay_ccy, item.currency)
        hyps.append(hyp)
    return hyps


def _customer_hypotheses(
    payment: Payment,
    ctx: _Context,
    cid: str,
    score: float,
    payer: _Payer,
    pay_units: int,
    text: str,
) -> list[_Hyp]:
    policy = ctx.policy
    pay_ccy = payment.amount.currency.code
    items = [
        i
        for i in ctx.by_customer.get(cid, ())
        if i.currency == pay_ccy and ctx.remaining.get(i.item_id, 0) > 0
    ]
    if not items:
        return []
    note = _cust_note(payer, cid, ctx)
    hyps: list[_Hyp] = []
    opens = {i.item_id: ctx.remaining[i.item_id] for i in items}
    # Single items: exact, discount earned.
    singles: list[tuple[_Item, _Fit]] = []
    for item in items:
        o = opens[item.item_id]
        if o == pay_units:
            singles.append((item, _Fit(o, o, [], 1.0, "amount equals the open amount")))
            continue
        for deadline, d in item.discounts:
            if pay_units == o - d and payment.value_date <= deadline:
                singles.append(
                    (
                        item,
                        _Fit(
                            o,
                            pay_units,
                            [(ResidualKind.DISCOUNT, d, "early-payment discount")],
                            0.97,
                            f"amount equals the open amount less the discount earned by {deadline}",
                        ),
                    )
                )
    count = ctx.amount_count.get((pay_ccy, pay_units), 0)
    for item, fit in singles:
        support = min(score, 1.0)
        if count == 1 and fit.quality >= 1.0:
            # The only open item of this amount anywhere: the amount itself identifies it,
            # so weak payer evidence (initials) suffices.
            support = min(1.0, support + 0.45)
        conf = 0.45 + 0.5 * support * fit.quality
        if count >= policy.common_amount:
            # A round amount many items share says less on its own.
            conf -= 0.03
        if len(singles) > 1:
            conf -= 0.15
        hyps.append(
            _Hyp(
                [(item, fit)],
                pay_units - fit.paid,
                conf,
                [note, fit.note + " (no reference)"]
                + ([f"{len(singles)} items fit the amount"] if len(singles) > 1 else []),
            )
        )
    if singles:
        return hyps
    # Several items: a bounded exact subset-sum (full amounts, then with discounts earned).
    # Credit memos (negative) take part: a payer nets them against invoices.
    credits = [
        i
        for i in ctx.by_customer.get(cid, ())
        if i.currency == pay_ccy and ctx.remaining.get(i.item_id, 0) < 0
    ][:4]
    for i in credits:
        opens[i.item_id] = ctx.remaining[i.item_id]
    pool = sorted(
        items, key=lambda i: (abs((i.item.due_date - payment.value_date).days), i.item_id)
    )
    pool = [i for i in pool if opens[i.item_id] < pay_units]
    pool = credits + pool[: policy.max_subset_items - len(credits)]
    if len(pool) >= 2:
        values = [opens[i.item_id] for i in pool]
        variants: list[tuple[list[int], float, str]] = [(values, 1.0, "open amounts")]
        disc_values = []
        for i in pool:
            d = next((u for deadline, u in i.discounts if payment.value_date <= deadline), 0)
            disc_values.append(opens[i.item_id] - d)
        if disc_values != values:
            variants.append((disc_values, 0.96, "open amounts less the discounts earned"))
        for vals, quality, label in variants:
            subsets = _subset_sums(vals, pay_units, policy.max_subset_size)
            if not subsets:
                continue
            truncated = len(items) > len(pool)
            # How many subset sums fall on one minor unit near the amount: the expected
            # number of coincidental exact hits.
            density = _local_density(vals, pay_units)
            posterior = 1.0 / (1.0 + density / policy.subset_prior_odds)
            for s in subsets:
                fits = []
                for k in s:
                    i = pool[k]
                    o = opens[i.item_id]
                    d = o - vals[k]
                    res = [(ResidualKind.DISCOUNT, d, "early-payment discount")] if d else []
                    fits.append((i, _Fit(o, vals[k], res, quality, "")))
                conf = posterior**3 * min(score, 1.0) * quality
                if len(subsets) > 1:
                    conf -= 0.2
                if truncated:
                    conf -= 0.05
                hyps.append(
                    _Hyp(
                        fits,
                        0,
                        conf,
                        [
                            note,
                            f"{len(s)} of the customer's {len(items)} open items add up "
                            f"({label}, no reference; chance of a coincidence {density:.2g})"
                            + ("; another subset also adds up" if len(subsets) > 1 else ""),
                        ],
                    )
                )
            break
    if hyps:
        return hyps
    # Bank fee on a single item (no reference): unique item within the fee band.
    fee_fits = [
        i
        for i in items
        if 0 < opens[i.item_id] - pay_units <= policy.fee_limit(pay_ccy, opens[i.item_id])
    ]
    if len(fee_fits) == 1 and not _partial_stated(text):
        item = fee_fits[0]
        o = opens[item.item_id]
        fit = _Fit(o, pay_units, [(ResidualKind.BANK_FEE, o - pay_units, "bank charges")], 0.9, "")
        conf = 0.35 + 0.4 * min(score, 1.0)
        hyps.append(
            _Hyp([(item, fit)], 0, conf, [note, "amount is the open amount less a bank fee"])
        )
    return hyps


def _amount_only(
    payment: Payment, ctx: _Context, payer: _Payer, pay_units: int, pay_ccy: str
) -> list[_Hyp]:
    count = ctx.amount_count.get((pay_ccy, pay_units), 0)
    if count == 0 or count > 3:
        return []
    hyps = []
    for item in ctx.by_amount.get((pay_ccy, pay_units), ()):
        if ctx.remaining.get(item.item_id) == pay_units:
            fit = _Fit(pay_units, pay_units, [], 1.0, "")
            hyps.append(
                _Hyp(
                    [(item, fit)],
                    0,
                    0.45 - 0.1 * (count - 1),
                    [
                        "payer not recognised",
                        (
                            f"amount equals the open amount of {item.item_id} "
                            f"({count} open item(s) of this amount)"
                        ),
                    ],
                )
            )
    return hyps


# --------------------------------------------------------------------------------------------
# Results.


def _proposal(hyp: _Hyp, payment: Payment) -> Proposal:
    pay_ccy = payment.amount.currency.code
    allocations = []
    for item, fit in hyp.fits:
        code = item.currency
        residuals = tuple(
            Residual(kind, from_minor(units, code), reason)
            for kind, units, reason in fit.residuals
            if units
        )
        paid_units = fit.paid
        if hyp.rate is not None:
            paid_units = _back_convert(fit.paid, hyp.rate, pay_ccy, code)
        allocations.append(
            Allocation(
                item_id=item.item_id,
                customer_id=item.customer_id,
                applied=from_minor(fit.applied, code),
                paid=from_minor(paid_units, pay_ccy),
                residuals=residuals,
                rate=hyp.rate,
                partial=fit.partial,
            )
        )
    paid_total = sum(to_minor(a.paid) for a in allocations)
    on_account = _units(payment.amount) - paid_total
    return Proposal(
        allocations=tuple(allocations),
        on_account=from_minor(on_account, pay_ccy),
        confidence=round(max(0.0, min(1.0, hyp.confidence)), 3),
        explanation=tuple(e for e in hyp.evidence if e),
    )


def _result(payment: Payment, hyps: list[_Hyp], policy: MatchPolicy) -> MatchResult:
    proposals: list[Proposal] = []
    seen: set[frozenset[str]] = set()
    for h in hyps:
        if h.key in seen:
            continue
        seen.add(h.key)
        proposals.append(_proposal(h, payment))
        if len(proposals) > policy.max_suggestions:
            break
    if not proposals:
        return MatchResult(
            payment=payment,
            decision=Decision.LEAVE,
            confidence=0.0,
            allocations=(),
            on_account=payment.amount,
            explanation=("no open item, customer or reference fits this payment",),
        )
    best = proposals[0]
    margin = best.confidence - proposals[1].confidence if len(proposals) > 1 else 1.0
    decision = policy.decide(best.confidence, margin)
    explanation = best.explanation
    if decision is not Decision.AUTO and best.confidence >= policy.auto_threshold:
        explanation = (
            *explanation,
            f"ambiguous: another hypothesis scores {proposals[1].confidence:.2f}",
        )
    if decision is Decision.AUTO:
        return MatchResult(
            payment=payment,
            decision=decision,
            confidence=best.confidence,
            allocations=best.allocations,
            on_account=best.on_account,
            explanation=explanation,
            suggestions=tuple(proposals[1 : 1 + policy.max_suggestions]),
        )
    return MatchResult(
        payment=payment,
        decision=decision,
        confidence=best.confidence,
        allocations=(),
        on_account=payment.amount,
        explanation=explanation,
        suggestions=tuple(proposals[: policy.max_suggestions]),
    )


def _learn_accounts(
    batch: Sequence[tuple[Payment, tuple[ReferenceHit, ...]]], ctx: _Context
) -> None:
    """Payer accounts whose strong references all point to one customer become known."""
    votes: dict[str, set[str]] = defaultdict(set)
    for p, found in batch:
        account = _account_key(p.payer_account)
        if not account or account in ctx.accounts:
            continue
        strong = {
            ctx.items[h.item_id].customer_id
            for h in found
            if h.kind
            in (HitKind.FULL, HitKind.CREDITOR_REFERENCE, HitKind.STRUCTURED, HitKind.DIGITS)
            and h.item_id in ctx.items
        }
        if len(strong) == 1:
            cid = next(iter(strong))
            pay_units = to_minor(p.amount)
            if (
                any(
                    ctx.items[h.item_id].open_units == pay_units
                    for h in found
                    if h.item_id in ctx.items
                )
                or len(found) > 1
            ):
                votes[account].add(cid)
    for account, cids in votes.items():
        if len(cids) == 1:
            ctx.accounts[account] = next(iter(cids))
            ctx.learned.add(account)


def _payment_hits(payment: Payment, ctx: _Context) -> tuple[ReferenceHit, ...]:
    found: list[ReferenceHit] = []
    for doc in payment.documents:
        found.extend(ctx.documents.lookup_number(doc.number))
        if doc.creditor_reference:
            found.extend(ctx.documents.lookup_number(doc.creditor_reference))
    if payment.creditor_reference:
        found.extend(find_references(payment.creditor_reference, ctx.documents))
    text = " | ".join(t for t in (payment.reference, payment.remittance_info) if t)
    found.extend(find_references(text, ctx.documents))
    ref, info = payment.reference, payment.remittance_info
    if ref[-1:].isalnum() and info[:1].isalnum():
        # A fixed-width field may end inside a number that the next one continues
        # ("... INV-2026-124" + "803 thank you"): read the two fields glued as well.
        seen = {h.item_id for h in found}
        found.extend(h for h in find_references(ref + info, ctx.documents) if h.item_id not in seen)
    if not found and sum(ch.isdigit() for ch in payment.payer_name) >= 5:
        # Some banks put the payer's reference into the name field.
        found.extend(find_references(payment.payer_name, ctx.documents))
    best: dict[str, ReferenceHit] = {}
    for h in found:
        if h.item_id not in best or h.strength > best[h.item_id].strength:
            best[h.item_id] = h
    return tuple(best.values())


def match_payments(
    payments: Iterable[Payment],
    open_items: Iterable[OpenItem],
    *,
    customers: Iterable[CustomerProfile] = (),
    rates: RateProvider | None = None,
    policy: MatchPolicy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[MatchResult, ...]:
    """Match a batch of payments to open items; one :class:`MatchResult` per payment, in order.

    Args:
        payments: the incoming payments (debits and reversals are left alone).
        open_items: the open items as of the batch (credit memos and cash on account included).
        customers: names, known payer accounts and aliases; customers of open items that are not
            listed are known by id only.
        rates: a rate provider for payments in another currency than the item.
        policy: thresholds and tolerances (defaults: :class:`MatchPolicy`).
        progress: called as ``progress(done, total)`` while the batch is evaluated.

    Returns:
        The results in the order of ``payments``.  The decisions do not depend on that order:
        payments are decided strongest first, then by value date and payment id.
    """
    policy = policy or MatchPolicy()
    batch = list(payments)
    items = list(open_items)
    table = {c.customer_id: c for c in customers}
    for item in items:
        cid = str(item.customer_id)
        if cid not in table:
            table[cid] = CustomerProfile(cid, "")
    ctx = _build_context(items, table.values(), rates, policy)
    # Positions, not payment ids, key the work: a file may repeat an id.
    hits = [_payment_hits(p, ctx) for p in batch]
    _learn_accounts(list(zip(batch, hits, strict=True)), ctx)
    first: dict[int, tuple[list[_Hyp], MatchResult]] = {}
    total = len(batch)
    for done, p in enumerate(batch, start=1):
        if p.is_incoming:
            hyps = _evaluate(p, ctx, hits[done - 1])
            first[done - 1] = (hyps, _result(p, hyps, policy))
        if progress is not None and (done % 100 == 0 or done == total):
            progress(done, total)
    rank = {Decision.AUTO: 0, Decision.SUGGEST: 1, Decision.LEAVE: 2}
    order = sorted(
        first,
        key=lambda k: (
            rank[first[k][1].decision],
            -first[k][1].confidence,
            batch[k].value_date,
            batch[k].payment_id,
            k,
        ),
    )
    touched: set[str] = set()
    final: dict[int, MatchResult] = {}
    for k in order:
        p = batch[k]
        hyps, result = first[k]
        relevant = {i for h in hyps for i in h.key} | {h.item_id for h in hits[k]}
        if relevant & touched:
            hyps = _evaluate(p, ctx, hits[k])
            result = _result(p, hyps, policy)
        if result.decision is Decision.AUTO:
            for a in result.allocations:
                units = to_minor(a.applied)
                ctx.remaining[a.item_id] = ctx.remaining.get(a.item_id, 0) - units
                touched.add(a.item_id)
        final[k] = result
    out = []
    for k, p in enumerate(batch):
        res = final.get(k)
        if res is None:
            res = MatchResult(
                payment=p,
                decision=Decision.LEAVE,
                confidence=0.0,
                allocations=(),
                on_account=p.amount,
                explanation=("not an incoming payment (debit, reversal or not booked)",),
            )
        out.append(res)
    return tuple(out)


def learn_aliases(
    customers: Iterable[CustomerProfile], confirmed: Iterable[MatchResult]
) -> tuple[CustomerProfile, ...]:
    """Customers with the payer accounts and names of ``confirmed`` results added.

    A parent company paying for a subsidiary becomes known after its first confirmed payment:
    its account and its name are remembered as the subsidiary's.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> pay = Payment(payment_id="P1", value_date=dt.date(2026, 1, 5), amount=money("1", "EUR"),
    ...               payer_name="Parent Holding AG", payer_account="DE02 1203 0000 0000 2020 51")
    >>> alloc = Allocation(item_id="I1", customer_id="C1", applied=money("1", "EUR"),
    ...                    paid=money("1", "EUR"))
    >>> done = MatchResult(payment=pay, decision=Decision.AUTO, confidence=1.0,
    ...                    allocations=(alloc,), on_account=money("0", "EUR"), explanation=())
    >>> [c] = learn_aliases([CustomerProfile("C1", "Daughter GmbH")], [done])
    >>> c.aliases, sorted(c.accounts)
    (('Parent Holding AG',), ['DE02120300000000202051'])
    """
    table = {c.customer_id: c for c in customers}
    for result in confirmed:
        cid = result.customer_id
        if cid is None or cid not in table:
            continue
        c = table[cid]
        accounts = set(c.accounts)
        aliases = list(c.aliases)
        account = _account_key(result.payment.payer_account)
        if account:
            accounts.add(account)
        name = result.payment.payer_name.strip()
        if name and name not in aliases and name != c.name:
            aliases.append(name)
        table[cid] = CustomerProfile(c.customer_id, c.name, frozenset(accounts), tuple(aliases))
    return tuple(table.values())


# --------------------------------------------------------------------------------------------
# Applying results to the ledger.


@attrs.frozen(kw_only=True)
class ApplyReport:
    """What :func:`apply` did: facts appended, facts already there, results not applied."""

    appended: int
    unchanged: int
    #: Payment ids of results that were not applied, with the reason.
    skipped: tuple[tuple[str, str], ...] = ()


def facts_for(
    result: MatchResult, *, recorded_at: dt.datetime, recorded_by: str = "cash_application"
) -> tuple[Fact, ...]:
    """The ledger facts of an automatic result: the payment received and its allocations.

    Fact ids derive from the payment and item ids (``payment:<payment>``,
    ``allocation:<payment>:<item>``, ``allocation:<credit memo>:<item>``), so the facts of the
    same result are the same facts however often they are produced.  Credit memos the payer
    netted become allocations from the credit memo to the invoices it offsets.

    Raises:
        ValidationError: the result is not ``AUTO`` or spans several customers.
    """
    from o2c.errors import ValidationError
    from o2c.ledger import CustomerId, FactId, ItemId, PaymentAllocated, PaymentReceived
    from o2c.money import Rounding, quantize

    customers = {a.customer_id for a in result.allocations}
    if result.decision is not Decision.AUTO or len(customers) > 1:
        raise ValidationError(
            f"result for {result.payment_id} is {result.decision.value} over "
            f"{len(customers)} customers: only automatic single-customer results are applied",
            field="result",
            value=result.payment_id,
        )
    payment = result.payment
    pid = payment.payment_id
    if not customers:
        return ()
    cid = next(iter(customers))
    facts: list[Fact] = [
        PaymentReceived.from_payment(
            payment, customer_id=cid, recorded_at=recorded_at, recorded_by=recorded_by
        )
    ]
    credits = [a for a in result.allocations if a.applied.amount < 0]
    debits = [a for a in result.allocations if a.applied.amount > 0]
    pool = [(a.item_id, -a.applied) for a in credits]
    evidence = "; ".join(result.explanation)[:500]
    for a in debits:
        parts: dict[str, Money | None] = {
            "discount": None,
            "deduction": None,
            "bank_fee": None,
            "write_off": None,
            "fx_difference": None,
        }
        reason = ""
        for r in a.residuals:
            key = r.kind.value
            if key in parts:
                old = parts[key]
                parts[key] = r.amount if old is None else old + r.amount
            if r.kind is ResidualKind.DEDUCTION:
                reason = r.reason or "short payment"
        cash = a.paid
        source_amount: Money | None = None
        rate = a.rate
        if rate is not None and a.paid.currency != a.applied.currency:
            others = sum(
                (p for k, p in parts.items() if p is not None and k != "fx_difference"),
                Money(0, a.applied.currency),
            )
            source_amount = a.paid
            cash = quantize(Money(a.paid.amount * rate, a.applied.currency))
            fx = a.applied - cash - others
            if fx.amount < 0:
                # The cash is worth more than the item: settle the item with just enough of it
                # (rounded down, so the item is never over-applied); the rest stays unapplied.
                code = a.paid.currency.code
                needed = (a.applied - others).amount / rate
                source_amount = Money(
                    quantize_decimal(needed, minor_unit(code), Rounding.FLOOR), a.paid.currency
                )
                cash = quantize(Money(source_amount.amount * rate, a.applied.currency))
                fx = a.applied - cash - others
            parts["fx_difference"] = fx if fx.amount else None
        else:
            rate = None
        # Credit memos netted by the payer settle part of this item first.
        for k, (cm_id, available) in enumerate(pool):
            if available.amount <= 0 or cash.amount <= 0 or source_amount is not None:
                continue
            take = min(available.amount, cash.amount)
            used = Money(take, a.applied.currency)
            facts.append(
                PaymentAllocated(
                    fact_id=FactId(f"allocation:{cm_id}:{a.item_id}"),
                    customer_id=CustomerId(cid),
                    effective=payment.value_date,
                    recorded_at=recorded_at,
                    recorded_by=recorded_by,
                    reason=f"credit memo netted by payment {pid}",
                    source_id=cm_id,
                    item_id=ItemId(a.item_id),
                    applied=used,
                )
            )
            pool[k] = (cm_id, available - used)
            cash = cash - used
        facts.append(
            PaymentAllocated(
                fact_id=FactId(f"allocation:{pid}:{a.item_id}"),
                customer_id=CustomerId(cid),
                effective=payment.value_date,
                recorded_at=recorded_at,
                recorded_by=recorded_by,
                reason=evidence,
                source_id=pid,
                item_id=ItemId(a.item_id),
                applied=cash,
                deduction_reason=reason,
                source_amount=source_amount,
                rate=rate,
                **{k: (v if v is not None and v.amount else None) for k, v in parts.items()},
            )
        )
    return tuple(f for f in facts if not _empty_allocation(f))


def _empty_allocation(fact: Fact) -> bool:
    from o2c.ledger import PaymentAllocated

    return isinstance(fact, PaymentAllocated) and fact.settled == 0


def apply(
    results: Iterable[MatchResult],
    ledger: Ledger,
    *,
    recorded_at: dt.datetime,
    recorded_by: str = "cash_application",
) -> ApplyReport:
    """Append the facts of the automatic results to ``ledger`` in one atomic batch.

    Applying the same results twice changes nothing: :meth:`~o2c.ledger.Ledger.append` skips
    the facts the ledger already holds with the same content (whatever ``recorded_at`` says)
    and stores the rest all or nothing.  A fact id the ledger holds with *other* content (a
    payment re-sent with another amount, an item settled differently) is refused with
    ``DuplicateFactError``, never reported as unchanged.  Results that are not ``AUTO``, or
    span several customers, are reported in ``skipped``.

    Raises:
        DuplicateFactError: a fact id is already used for other content; nothing is stored.
        InvalidFactError: the ledger refuses a fact (``OverApplicationError`` when an item was
            settled meanwhile); nothing is stored.
        ConcurrencyError: another writer appended to one of the customers first (the same
            facts, or facts recorded after ``recorded_at``); nothing is stored: match again
            and retry with the current time.
    """
    batch: list[Fact] = []
    skipped: list[tuple[str, str]] = []
    for result in results:
        if result.decision is not Decision.AUTO:
            skipped.append((result.payment_id, result.decision.value))
            continue
        if len({a.customer_id for a in result.allocations}) > 1:
            skipped.append((result.payment_id, "several customers"))
            continue
        batch.extend(facts_for(result, recorded_at=recorded_at, recorded_by=recorded_by))
    appended = ledger.append(batch) if batch else None
    return ApplyReport(
        appended=len(appended.appended) if appended else 0,
        unchanged=len(appended.unchanged) if appended else 0,
        skipped=tuple(skipped),
    )
