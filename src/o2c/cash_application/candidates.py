"""The open items, documents and customers a batch is matched against, and each payment's hits."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from o2c.ledger import OpenItem, account_key
from o2c.money import to_minor
from o2c.names import NameIndex, NameMatch
from o2c.remittance import (
    DocumentIndex,
    HitKind,
    ReferenceHit,
    find_references,
    reference_strings,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    from o2c.fx import RateProvider

from o2c.cash_application.evidence import (
    NumberKind,
    classify_numbers,
    mask_explained_numbers,
    mask_tax_numbers,
)
from o2c.cash_application.model import CustomerProfile
from o2c.cash_application.policy import MatchPolicy

__all__ = []


@attrs.define(slots=True)
class _Item:
    item: OpenItem
    item_id: str
    customer_id: str
    currency: str
    open_units: int
    discounts: tuple[tuple[dt.date, int], ...]
    document_number: str
    #: The due date as a day number (distances in days without date arithmetic).
    due_day: int = 0


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
    #: Accounts (keys) and names (keys) of payers that pay for several customers.
    shared: frozenset[str] = frozenset()
    #: Per shared payer key, the customers it pays for.
    serves: dict[str, frozenset[str]] = attrs.Factory(dict)
    #: Per customer, the shapes of its open documents' keys (computed when first needed).
    document_shapes: dict[str, frozenset[str]] = attrs.Factory(dict)
    #: Document numbers written with zeros dropped or a short year (``INV20261234``,
    #: ``INV/26/001234``, ``CN 001234``): key -> item ids (see :func:`_loose_keys`).
    loose: dict[str, tuple[str, ...]] = attrs.Factory(dict)
    #: The last group of digits without its zeros when it is short (``1234`` of
    #: ``INV/2026/001234``): found only among the documents of a customer already named.
    short_tail: dict[tuple[str, str], tuple[str, ...]] = attrs.Factory(dict)
    #: The customer POs of open items (key of the PO -> item ids).
    purchase_orders: dict[str, tuple[str, ...]] = attrs.Factory(dict)
    #: Per document-key shape, the lowest and highest number of the open documents (computed
    #: when first needed: how far the seller's numbering has come).
    numbering: dict[str, tuple[int, int]] | None = None
    #: Per customer, the ids of its open items (computed when first needed).
    _item_ids: dict[str, tuple[str, ...]] = attrs.Factory(dict)

    def item_ids_of(self, customer_id: str) -> tuple[str, ...]:
        """The ids of the customer's open items (settled ones included)."""
        ids = self._item_ids.get(customer_id)
        if ids is None:
            ids = tuple(i.item_id for i in self.by_customer.get(customer_id, ()))
            self._item_ids[customer_id] = ids
        return ids


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
        due_day=item.due_date.toordinal(),
    )


def _build_context(
    open_items: Iterable[OpenItem],
    customers: Iterable[CustomerProfile],
    rates: RateProvider | None,
    policy: MatchPolicy,
    purchase_orders: Mapping[str, str] | None = None,
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
    loose: dict[str, list[str]] = defaultdict(list)
    short_tail: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rec in items.values():
        keys, short = _loose_keys(rec.document_number)
        for key in keys:
            loose[key].append(rec.item_id)
        if short:
            short_tail[(rec.customer_id, short)].append(rec.item_id)
    by_po: dict[str, list[str]] = defaultdict(list)
    for item_id, po in (purchase_orders or {}).items():
        key = _account_key(po)
        if key and item_id in items:
            by_po[key].append(item_id)
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
        loose={k: tuple(v) for k, v in loose.items()},
        short_tail={k: tuple(v) for k, v in short_tail.items()},
        purchase_orders={k: tuple(sorted(v)) for k, v in by_po.items()},
    )


_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_LETTERS = re.compile(r"^[A-Z]+")
_GROUPS = re.compile(r"[0-9]+")
#: The shortest loose key made of digits alone (shorter ones are customer numbers, POs ...).
_MIN_DIGIT_KEY = 8


@lru_cache(maxsize=65536)
def _loose_keys(number: str) -> tuple[frozenset[str], str]:
    """The ways a payer writes ``number`` with zeros dropped or a short year, and its short tail.

    ``INV/2026/001234`` gives ``INV20261234``, ``INV26001234``, ``INV261234``, ``INV001234``,
    ``INV1234`` and ``20261234``...; the short tail is ``1234`` (empty when the last group has
    five digits or more without its zeros: :class:`~o2c.remittance.DocumentIndex` finds those).
    Remembered: the same open items are indexed batch after batch.
    """
    upper = number.upper()
    letters = _LETTERS.match(_NON_ALNUM.sub("", upper))
    prefix = letters.group(0) if letters else ""
    groups = _GROUPS.findall(upper)
    if len(groups) < 1:
        return frozenset(), ""
    tail = groups[-1]
    tails = {tail, tail.lstrip("0")} - {""}
    heads = [""]
    for g in groups[:-1]:
        options = {g, g.lstrip("0")}
        if len(g) == 4 and g[:2] in ("19", "20"):
            options.add(g[2:])
        heads = [h + o for h in heads for o in options if o]
    keys: set[str] = set()
    for head in {*heads, ""}:
        for t in tails:
            if prefix:
                keys.add(prefix + head + t)
            digits = (head + t).lstrip("0")
            if len(digits) >= _MIN_DIGIT_KEY and head:
                keys.add(digits)
    short = tail.lstrip("0")
    return frozenset(keys), short if 3 <= len(short) <= 4 else ""


@lru_cache(maxsize=65536)
def _units(amount: Money) -> int:
    """``to_minor`` remembered (a payment's amount is asked for many times)."""
    return to_minor(amount)


#: The ledger's one account-key rule, remembered (matching asks for the same account many times).
_account_key = lru_cache(maxsize=65536)(account_key)


#: A country code glued before a document number ("AT-INV/2026/012119"): a sister company's
#: numbering, not ours.
_FOREIGN_PREFIX = re.compile(r"(?<![0-9A-Z])[A-Z]{2}[-/]$")


def _ours(found: list[ReferenceHit], text: str) -> list[ReferenceHit]:
    """The hits without those whose number carries another entity's country prefix."""
    upper = text.upper()
    out = []
    for h in found:
        at = upper.find(h.text.upper())
        if at > 0 and h.kind is not HitKind.STRUCTURED and _FOREIGN_PREFIX.search(upper[:at]):
            continue
        out.append(h)
    return out


def _loose_hits(text: str, found: list[ReferenceHit], ctx: _Context) -> list[ReferenceHit]:
    """Documents named with zeros dropped or a short year, and short tails of named customers.

    A loose key counts when it names one open document; a short tail (``1234``) only among the
    open documents of a customer the text names by another document, and only when it names
    one of them.
    """
    seen = {h.item_id for h in found}
    out: list[ReferenceHit] = []
    strings = reference_strings(mask_explained_numbers(text.upper()), min_digits=3)
    for s in strings:
        ids = ctx.loose.get(s, ())
        if len(ids) == 1 and ids[0] not in seen:
            seen.add(ids[0])
            out.append(ReferenceHit(ids[0], HitKind.DIGITS, s))
    named = {ctx.items[h.item_id].customer_id for h in (*found, *out) if h.item_id in ctx.items}
    if named and ctx.short_tail:
        for s in strings:
            if not (3 <= len(s) <= 4 and s.isdigit()):
                continue
            ids = tuple(i for cid in sorted(named) for i in ctx.short_tail.get((cid, s), ()))
            if len(ids) == 1 and ids[0] not in seen:
                seen.add(ids[0])
                out.append(ReferenceHit(ids[0], HitKind.TAIL, s))
    return out


_PO_TOKEN = re.compile(r"(?<![0-9A-Z])[0-9A-Z][0-9A-Z/-]{3,}[0-9]")
#: A PO with fewer characters (``123456``) counts only when a label says it is an order: a
#: bare six-digit number is as likely a customer number.
_MIN_BARE_PO = 7


def _po_hits(text: str, ctx: _Context) -> list[ReferenceHit]:
    """Open items whose customer PO the text quotes (one item per PO), as references to them."""
    upper = text.upper()
    labelled: set[str] | None = None  # (read only when a short PO needs its label)
    out: list[ReferenceHit] = []
    for m in _PO_TOKEN.finditer(upper):
        key = _account_key(m.group(0))
        ids = ctx.purchase_orders.get(key, ())
        if len(ids) != 1:
            continue
        if len(key) < _MIN_BARE_PO:
            if labelled is None:
                labelled = {
                    _account_key(n)
                    for n, kind in classify_numbers(upper)
                    if kind is NumberKind.ORDER
                }
            if key not in labelled:
                continue
        if key in ctx.customer_keys:
            continue
        out.append(ReferenceHit(ids[0], HitKind.DIGITS, f"PO {m.group(0)}"))
    return out


def _payment_hits(payment: Payment, ctx: _Context) -> tuple[ReferenceHit, ...]:
    found: list[ReferenceHit] = []
    for doc in payment.documents:
        found.extend(ctx.documents.lookup_number(doc.number))
        if doc.creditor_reference:
            found.extend(ctx.documents.lookup_number(doc.creditor_reference))
    if payment.creditor_reference:
        found.extend(find_references(payment.creditor_reference, ctx.documents))
    # A number labelled as a tax number names no document, whatever its tail looks like.
    text = mask_tax_numbers(
        " | ".join(t for t in (payment.reference, payment.remittance_info) if t)
    )
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
    found = _ours(found, text)
    found.extend(_loose_hits(text, found, ctx))
    if ctx.purchase_orders:
        found.extend(_po_hits(text, ctx))
    best: dict[str, ReferenceHit] = {}
    for h in found:
        if h.item_id not in best or h.strength > best[h.item_id].strength:
            best[h.item_id] = h
    return tuple(best.values())
