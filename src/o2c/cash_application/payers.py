"""Who the payer may be: accounts, names, customer numbers; accounts learnt in a batch; aliases."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from o2c.money import to_minor
from o2c.remittance import (
    HitKind,
    ReferenceHit,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.candidates import _NON_ALNUM, _account_key, _Context
from o2c.cash_application.model import CustomerProfile, MatchResult

__all__ = ["learn_aliases"]


_CUSTOMER_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]+")
_CUSTOMER_LABEL = re.compile(r"(?:CUST\w*|KD|KUNDE\w*|CLIENT\w*|DEBTOR|DEBITOR)\W*(?:NO|NR)?\W*$")


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


def learn_aliases(
    customers: Iterable[CustomerProfile], confirmed: Iterable[MatchResult]
) -> tuple[CustomerProfile, ...]:
    """Customers with the payer accounts and names of ``confirmed`` results added.

    A parent company paying for a subsidiary becomes known after its first confirmed payment:
    its account and its name are remembered as the subsidiary's.

    >>> import datetime as dt
    >>> from o2c.cash_application import Allocation, Decision, MatchResult
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
