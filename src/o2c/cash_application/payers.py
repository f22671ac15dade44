"""Who the payer may be: accounts, names, customer numbers; accounts learnt in a batch; aliases."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import attrs

from o2c.money import to_minor
from o2c.names import normalize
from o2c.remittance import (
    HitKind,
    ReferenceHit,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.candidates import _NON_ALNUM, _account_key, _Context
from o2c.cash_application.model import CustomerProfile, MatchResult

__all__ = ["ConfirmedPayment", "PayerKnowledge", "learn_aliases", "learn_payers", "payer_key"]


#: How much being one of the customers a shared payer serves says about a customer: as much as
#: a weak name match (the set is known, the member is not); never enough alone to post.
SHARED_PAYER_SCORE = 0.5

_CUSTOMER_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]+")
_CUSTOMER_LABEL = re.compile(r"(?:CUST\w*|KD|KUNDE\w*|CLIENT\w*|DEBTOR|DEBITOR)\W*(?:NO|NR)?\W*$")


#: Booking texts a bank writes before the payer's name ("GUTSCHRIFT ACME GMBH"): not the name.
_BOOKING_TEXT = re.compile(
    r"^(?:(?:GUTSCHRIFT|UEBERWEISUNG|ÜBERWEISUNG|SEPA[- ]GUTSCHRIFT|SEPA[- ]UEBERWEISUNG|"
    r"ZAHLUNGSEINGANG|CREDIT|VIREMENT(?:\s+RECU)?|INWARD PAYMENT)\s+)+",
    re.IGNORECASE,
)

#: Where a bank's free text names the ordering party when no name field carries it (MT940
#: ``:86:`` of banks without sub-fields, wire OBI texts): SWIFT's "B/O" (by order of),
#: "ORD CUST" (ordering customer), "FROM ...", "INWARD PAYMENT ... REF".  The name runs to the
#: next label, a number or a word in lower case (the payer's own remittance words).
_NAME_WORDS = r"((?:[A-Z][A-Z&'.,/+-]*(?:\s+|$)){1,8})"
_TEXT_PAYER = (
    re.compile(r"\bB/O\s*:?\s*" + _NAME_WORDS),
    re.compile(r"\bBY ORDER OF\s*:?\s*" + _NAME_WORDS),
    re.compile(r"\bORD(?:ERING)?\s+CUST(?:OMER)?\s*:?\s*" + _NAME_WORDS),
    re.compile(r"\bINWARD PAYMENT\s+" + _NAME_WORDS),
    re.compile(r"\bFROM\s+" + _NAME_WORDS + r"$"),
    re.compile(r"^\s*" + _NAME_WORDS),
)
#: Words that end a name read from free text (labels and remittance words in capitals).
_NAME_STOP = re.compile(
    r"\s(?:DETAILS|REF|CHGS|OBI|INV|INVOICE|INVOICES|RE|RG|RECHNUNG|PAYMENT|ZAHLUNG|AVIS|"
    r"ZAHLLAUF|REMITTANCE|ZAHLUNGSAVIS|LIEF-NR|CUST|KD-NR|FACTURE|FACTURA|SWIFT)\b.*$"
)


def _strip_booking_text(name: str) -> str:
    """A payer name without the booking text a bank put before it."""
    return _BOOKING_TEXT.sub("", name.strip()) if name else ""


@lru_cache(maxsize=8192)
def _text_payer_names(text: str) -> tuple[str, ...]:
    """The ordering party's name as the free text of a payment without a name field gives it.

    ``text``: the remittance information (the case kept as written: a name is
    written in capitals, the payer's own words mostly not).

    >>> _text_payer_names("SWIFT IN ORD CUST ACME TRADING LTD DETAILS Inv 12 CHGS SHA")
    ('ACME TRADING LTD',)
    >>> _text_payer_names("Inv. 109592 Rest FROM GUTSCHRIFT IRIS TOOLING LTD")
    ('IRIS TOOLING LTD',)
    """
    out: list[str] = []
    for pattern in _TEXT_PAYER:
        if out and pattern is _TEXT_PAYER[-1]:
            break  # a labelled name found: the text's first words are not the name
        m = pattern.search(text)
        if m is None:
            continue
        name = _strip_booking_text(_NAME_STOP.sub("", " " + m.group(1).strip()).strip())
        if sum(ch.isalpha() for ch in name) >= 4 and name not in out:
            out.append(name)
    return tuple(out)


@attrs.define(slots=True)
class _Payer:
    scores: dict[str, float]
    notes: dict[str, str]
    best: str | None
    best_score: float
    #: The payer pays for several customers (a payment service, a shared-service centre).
    shared: bool = False


def _payer_evidence(payment: Payment, ctx: _Context, text: str) -> _Payer:
    scores: dict[str, float] = {}
    notes: dict[str, str] = {}

    def offer(cid: str, score: float, note: str) -> None:
        if score > scores.get(cid, 0.0):
            scores[cid] = score
            notes[cid] = note

    account = _account_key(payment.payer_account)
    shared = bool(ctx.shared) and (
        account in ctx.shared or payer_key(payment.payer_name) in ctx.shared
    )
    if shared:
        # A payment service or shared-service centre: its account and name say nothing about
        # which of its customers it pays for; the documents and the amount must.
        notes[""] = f"payer {payment.payer_name!r} pays for several customers"
        served = ctx.serves.get(account, frozenset()) | ctx.serves.get(
            payer_key(payment.payer_name), frozenset()
        )
        for member in sorted(served):
            if member in ctx.customers:
                # One of the set the payer serves: a suggestion of the set, never one of them.
                offer(
                    member,
                    SHARED_PAYER_SCORE,
                    f"payer {payment.payer_name!r} pays for {len(served)} customers, this one "
                    "among them",
                )
    elif account and account in ctx.accounts:
        how = (
            "paid this customer's documents by reference in this batch"
            if account in ctx.learned
            else "is known"
        )
        offer(ctx.accounts[account], 1.0, f"payer account {payment.payer_account} {how}")
    invoicees = tuple(dict.fromkeys(d.invoicee_name for d in payment.documents if d.invoicee_name))
    names = (payment.ultimate_payer_name, *invoicees)
    if not shared:
        payer_name = _strip_booking_text(payment.payer_name)
        names = (
            (payer_name, *names)
            if payer_name
            else (*_text_payer_names(payment.remittance_info), *names)
        )
    for name in names:
        # The payer, the party it paid for, and the parties the documents were issued to (a
        # parent paying for its subsidiaries names them in camt ``Invcee``).
        if not name:
            continue
        matches = ctx.name_cache.get(name)
        if matches is None:
            matches = ctx.names.lookup(name)
            ctx.name_cache[name] = matches
        for m in matches:
            if m.score <= scores.get(m.customer_id, 0.0):
                continue  # (offer would keep the better one: no note to write)
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
    return _Payer(scores, notes, best, scores[best] if best else 0.0, shared)


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


def _learn_accounts(
    batch: Sequence[tuple[Payment, tuple[ReferenceHit, ...]]], ctx: _Context
) -> None:
    """Payer accounts whose strong references all point to one customer become known."""
    votes: dict[str, set[str]] = defaultdict(set)
    for p, found in batch:
        account = _account_key(p.payer_account)
        if not account or account in ctx.accounts or account in ctx.shared:
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


def learn_aliases(
    customers: Iterable[CustomerProfile], confirmed: Iterable[MatchResult]
) -> tuple[CustomerProfile, ...]:
    """Customers with the payer accounts and names of ``confirmed`` results added.

    A parent company paying for a subsidiary becomes known after its first confirmed payment:
    its account and its name are remembered as the subsidiary's.

    >>> import datetime as dt
    >>> from o2c.cash_application import Allocation, MatchDecision, MatchResult
    >>> from o2c.money import money
    >>> pay = Payment(payment_id="P1", value_date=dt.date(2026, 1, 5), amount=money("1", "EUR"),
    ...               payer_name="Parent Holding AG", payer_account="DE02 1203 0000 0000 2020 51")
    >>> alloc = Allocation(item_id="I1", customer_id="C1", applied=money("1", "EUR"),
    ...                    paid=money("1", "EUR"))
    >>> done = MatchResult(payment=pay, decision=MatchDecision.AUTO, confidence=1.0,
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


_NAME_SPLIT = re.compile(r"[^0-9A-Z]+")


def payer_key(name: str) -> str:
    """A payer name's key: its words normalised and sorted (order, case, legal form do not count).

    >>> payer_key("Services Payflow Ltd") == payer_key("PAYFLOW SERVICES LTD")
    True
    """
    folded = normalize(name).upper()
    return " ".join(sorted(w for w in _NAME_SPLIT.split(folded) if w))


@attrs.frozen(kw_only=True)
class ConfirmedPayment:
    """A payment of the ledger's confirmed history: who paid, from where, for which customers."""

    payer_name: str
    payer_account: str
    customer_ids: frozenset[str]


@attrs.frozen(kw_only=True)
class PayerKnowledge:
    """What the history teaches about payers.

    ``customers``: the profiles with the accounts and names each customer paid from (only those
    that served that customer alone); ``shared``: the keys (:func:`payer_key` of names, account
    keys) of payers that paid for several customers (payment services, shared-service centres,
    factoring companies): pass them to :func:`~o2c.cash_application.match_payments` as
    ``shared_payers``.
    """

    customers: tuple[CustomerProfile, ...]
    shared: frozenset[str]
    #: Per shared key, the customers it paid for in the history: a shared payer suggests this
    #: set of customers, never one of them (pass the mapping as ``shared_payers``).
    serves: Mapping[str, frozenset[str]] = attrs.field(factory=dict)


def learn_payers(
    customers: Iterable[CustomerProfile], history: Iterable[ConfirmedPayment]
) -> PayerKnowledge:
    """The payer accounts and names of ``history`` added to ``customers``; shared payers apart.

    An account or a name (by :func:`payer_key`) that paid for two or more customers is shared,
    and so is every name that paid from a shared account: it becomes nobody's alias.  A
    customer's own name is never shared (a parent paying for its subsidiaries is still itself).

    >>> hist = [ConfirmedPayment(payer_name="Payflow Ltd", payer_account="GB1", customer_ids=c)
    ...         for c in (frozenset({"C1"}), frozenset({"C2"}))]
    >>> hist.append(ConfirmedPayment(payer_name="ACME PARENT", payer_account="DE9",
    ...                              customer_ids=frozenset({"C1"})))
    >>> known = learn_payers([CustomerProfile("C1", "Acme"), CustomerProfile("C2", "Beta")], hist)
    >>> sorted(known.shared)
    ['GB1', 'PAYFLOW']
    >>> [(c.customer_id, sorted(c.accounts), c.aliases) for c in known.customers]
    [('C1', ['DE9'], ('ACME PARENT',)), ('C2', [], ())]
    """
    table = {c.customer_id: c for c in customers}
    by_account: dict[str, set[str]] = defaultdict(set)
    by_name: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, dict[str, None]] = defaultdict(dict)
    names_of_account: dict[str, set[str]] = defaultdict(set)
    rows = list(history)
    for row in rows:
        account = _account_key(row.payer_account)
        key = payer_key(row.payer_name)
        if account:
            by_account[account] |= row.customer_ids
            if key:
                names_of_account[account].add(key)
        if key:
            by_name[key] |= row.customer_ids
            spelling[key][row.payer_name.strip()] = None
    shared = {a for a, cids in by_account.items() if len(cids) > 1}
    shared |= {k for k, cids in by_name.items() if len(cids) > 1}
    shared |= {k for a in list(shared) for k in names_of_account.get(a, ())}
    # A customer paying for others too (a parent for its subsidiaries) is still itself.
    shared -= {payer_key(c.name) for c in table.values()}
    serves = {
        k: frozenset(by_account.get(k, set()) | by_name.get(k, set())) for k in sorted(shared)
    }
    accounts: dict[str, set[str]] = defaultdict(set)
    aliases: dict[str, list[str]] = defaultdict(list)
    for account, cids in sorted(by_account.items()):
        if account not in shared and len(cids) == 1:
            accounts[next(iter(cids))].add(account)
    for key, cids in sorted(by_name.items()):
        if key in shared or len(cids) != 1:
            continue
        cid = next(iter(cids))
        c = table.get(cid)
        if c is not None:
            aliases[cid] += [name for name in spelling[key] if name != c.name]
    out = []
    for cid, c in table.items():
        extra = tuple(a for a in aliases.get(cid, ()) if a not in c.aliases)
        out.append(
            attrs.evolve(
                c, accounts=c.accounts | accounts.get(cid, set()), aliases=c.aliases + extra
            )
        )
    return PayerKnowledge(customers=tuple(out), shared=frozenset(shared), serves=serves)
