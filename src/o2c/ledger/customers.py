"""The customer master as the ledger knows it, and what cash application teaches it.

The master is kept as facts (:mod:`o2c.ledger.facts`: ``CustomerRegistered``,
``CustomerChanged``, ``PayerAccountLinked`` / ``PayerAccountUnlinked``, ``CustomerAliasAdded`` /
``CustomerAliasRemoved``), so every change is audited with who and why, and the master "as of D,
known at T" is a projection like the open items: :meth:`o2c.ledger.History.customer_master`
(from ``Ledger.read(as_of, known_at=...)``) gives a :class:`CustomerMaster`:

- per customer its :class:`CustomerRecord` (name, aliases, tax ids, addresses, contacts,
  locale, terms, credit limit and group, collection preferences, payer accounts);
- per payer account a :class:`KnownAccount`: the customers it pays for, how each link was learnt
  (master data, or a confirmed payment) and when it was first seen;
- names and aliases to customers.

:func:`learn_from_confirmation` gives the facts a confirmed payment teaches (a new payer
account, a new alias); cash application appends them with the payment's allocation, so the next
run knows them.

>>> import datetime as dt
>>> from o2c.ledger import Ledger
>>> from o2c.ledger.facts import CustomerDetails, CustomerRegistered
>>> at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
>>> ledger = Ledger()
>>> _ = ledger.append([CustomerRegistered(fact_id="reg:C1", customer_id="C1",
...     effective=dt.date(2026, 3, 2), recorded_at=at,
...     details=CustomerDetails(name="Acme GmbH", country="DE"))])
>>> seen = Seen(payment_id="B7", value_date=dt.date(2026, 3, 5), payer_name="ACME GMBH BERLIN",
...             payer_account="DE89 3704 0044 0532 0130 00")
>>> master = ledger.read().customer_master()
>>> learnt = learn_from_confirmation(master, seen, customer_id="C1",
...     recorded_at=at.replace(day=5), recorded_by="alice")
>>> [(f.kind.value, getattr(f, "account", None) or f.alias) for f in learnt]
[('payer_account_linked', 'DE89370400440532013000'), ('customer_alias_added', 'ACME GMBH BERLIN')]
>>> _ = ledger.append(learnt)
>>> master = ledger.read().customer_master()
>>> master.customers_of_account("de89370400440532013000")
('C1',)
>>> master.customers_named("acme gmbh berlin"), master.customer("C1").aliases
(('C1',), ('ACME GMBH BERLIN',))
>>> learn_from_confirmation(master, seen, customer_id="C1", recorded_at=at.replace(day=6))
[]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

import attrs
from moneyed import Money

from o2c.ledger.facts import (
    CollectionPreferences,
    CustomerAddress,
    CustomerAliasAdded,
    CustomerContact,
    Fact,
    MasterSource,
    PayerAccountLinked,
    account_key,
    alias_key,
)
from o2c.ledger.ids import CustomerId, FactId, PaymentId

__all__ = [
    "CustomerMaster",
    "CustomerRecord",
    "KnownAccount",
    "PayerAccount",
    "PayerSeen",
    "Seen",
    "learn_from_confirmation",
]


def _first_seen(self: PayerAccount) -> dt.date:
    return self.first_seen


@attrs.frozen(kw_only=True)
class PayerAccount:
    """A payer account of one customer: how the master learnt it and since when.

    The one type of a payer account on file (the master's, and what pre-validation checks
    payments against).  ``account`` is kept as :func:`~o2c.ledger.facts.account_key` gives it.
    ``first_seen`` is the effective date of the account's first link to the customer (the
    payment's value date for an account learnt from a payment), ``linked_on`` that of its
    current link (later when it was unlinked and linked again, or its holder changed; default
    ``first_seen``); ``source``, ``payment_id``, ``holder_name`` and ``bic`` are the current
    link's.
    """

    account: str = attrs.field(converter=account_key)
    customer_id: CustomerId
    first_seen: dt.date
    linked_on: dt.date = attrs.field(default=attrs.Factory(_first_seen, takes_self=True))
    source: MasterSource = MasterSource.MASTER_DATA
    #: When the ledger first learnt the link (``None`` for an account kept outside a ledger).
    recorded_at: dt.datetime | None = None
    recorded_by: str = ""
    holder_name: str = ""
    bic: str = ""
    #: The confirmed payment it was learnt from (``None`` for master data).
    payment_id: PaymentId | None = None


@attrs.frozen(kw_only=True)
class KnownAccount:
    """A payer account and every customer it pays for (``links``, by first seen)."""

    account: str
    links: tuple[PayerAccount, ...]

    @property
    def customers(self) -> tuple[CustomerId, ...]:
        """The customers the account pays for."""
        return tuple(link.customer_id for link in self.links)

    @property
    def shared(self) -> bool:
        """Whether the account pays for more than one customer."""
        return len(self.links) > 1

    @property
    def first_seen(self) -> dt.date:
        """The earliest effective date the account was linked to any of its customers."""
        return min(link.first_seen for link in self.links)

    @property
    def holder_names(self) -> tuple[str, ...]:
        """The holder names on file for it (each once, in link order)."""
        return tuple(dict.fromkeys(link.holder_name for link in self.links if link.holder_name))

    @property
    def customer_ids(self) -> frozenset[str]:
        """The customers the account pays for, as a set."""
        return frozenset(link.customer_id for link in self.links)

    @property
    def holder_name(self) -> str:
        """The holder's name on file (the first link's that has one; ``""`` when none has)."""
        return next(iter(self.holder_names), "")

    def link(self, customer_id: str) -> PayerAccount | None:
        """The account's link to ``customer_id``, or ``None`` when it does not pay for it."""
        return next((link for link in self.links if link.customer_id == customer_id), None)

    @classmethod
    def group(cls, links: Iterable[PayerAccount]) -> dict[str, KnownAccount]:
        """The links by account, each account's by first seen then customer.

        >>> day = dt.date(2026, 1, 5)
        >>> known = KnownAccount.group([
        ...     PayerAccount(account="at61 1904", customer_id="C2", first_seen=day),
        ...     PayerAccount(account="AT611904", customer_id="C1", first_seen=day)])
        >>> known["AT611904"].customers, known["AT611904"].shared
        (('C1', 'C2'), True)
        """
        found: dict[str, list[PayerAccount]] = {}
        for link in links:
            found.setdefault(link.account, []).append(link)
        return {
            account: cls(
                account=account,
                links=tuple(sorted(group, key=lambda a: (a.first_seen, a.customer_id))),
            )
            for account, group in sorted(found.items())
        }


@attrs.frozen(kw_only=True)
class CustomerRecord:
    """One customer's record in the master, as of a date and known at a time.

    ``registered_on`` is ``None`` for a customer the master knows only by a payer account or
    an alias (its record was never registered: a ledger kept before the master, say).
    ``changed_on`` is the effective date of the latest registration or change in view.
    """

    customer_id: CustomerId
    name: str = ""
    registered_on: dt.date | None = None
    changed_on: dt.date | None = None
    country: str | None = None
    segment: str | None = None
    currency: str | None = None
    terms: str | None = None
    credit_limit: Money | None = None
    credit_group: str | None = None
    tax_ids: tuple[str, ...] = ()
    addresses: tuple[CustomerAddress, ...] = ()
    contacts: tuple[CustomerContact, ...] = ()
    locale: str | None = None
    collection: CollectionPreferences = attrs.field(factory=CollectionPreferences)
    #: Other names it goes by, in the order they were added.
    aliases: tuple[str, ...] = ()
    #: Its payer accounts, by first seen.
    accounts: tuple[PayerAccount, ...] = ()
    #: Accounts it no longer has, with the effective date each was unlinked.
    unlinked_accounts: tuple[tuple[str, dt.date], ...] = ()
    #: Aliases it no longer has (as :func:`~o2c.ledger.facts.alias_key` gives them), with the
    #: effective date each was removed.
    removed_aliases: tuple[tuple[str, dt.date], ...] = ()

    @property
    def registered(self) -> bool:
        """Whether the customer's record was registered (as of the view's date)."""
        return self.registered_on is not None

    def names(self) -> tuple[str, ...]:
        """Its name (when it has one) and its aliases."""
        return ((self.name,) if self.name else ()) + self.aliases


def _mapping(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return dict(value)


@attrs.frozen(kw_only=True)
class CustomerMaster:
    """The customer master: records by customer, payer accounts, and names to customers.

    Build it with :meth:`o2c.ledger.History.customer_master`.
    """

    customers: Mapping[CustomerId, CustomerRecord] = attrs.field(
        factory=dict, converter=_mapping, hash=False
    )
    #: Payer account (as :func:`~o2c.ledger.facts.account_key` gives it) -> its customers.
    accounts: Mapping[str, KnownAccount] = attrs.field(factory=dict, converter=_mapping, hash=False)
    #: Name or alias (as :func:`~o2c.ledger.facts.alias_key` gives it) -> its customers.
    names: Mapping[str, tuple[CustomerId, ...]] = attrs.field(
        factory=dict, converter=_mapping, hash=False
    )
    #: Name indexes under other keys (:meth:`customers_named` with ``key``), built when asked.
    _indexes: dict[Callable[[str], str], dict[str, tuple[CustomerId, ...]]] = attrs.field(
        factory=dict, init=False, eq=False, hash=False, repr=False
    )

    def customer(self, customer_id: str) -> CustomerRecord | None:
        """The customer's record, or ``None`` when the master does not know it."""
        return self.customers.get(CustomerId(customer_id))

    def account(self, account: str) -> KnownAccount | None:
        """What the master knows of a payer account (written any way), or ``None``."""
        return self.accounts.get(account_key(account))

    def customers_of_account(self, account: str) -> tuple[CustomerId, ...]:
        """The customers a payer account pays for (none when it is not on file)."""
        known = self.account(account)
        return known.customers if known is not None else ()

    def customers_named(
        self, name: str, *, key: Callable[[str], str] | None = None
    ) -> tuple[CustomerId, ...]:
        """The customers whose name or alias is ``name`` (case and spacing aside).

        With ``key``, names are compared as ``key`` gives them instead (pre-validation and
        matching compare names with accents, punctuation and legal forms dropped, which the
        ledger does not know); the index for a key is built once, on the first call with it.

        >>> master = CustomerMaster(
        ...     customers={"C1": CustomerRecord(customer_id="C1", name="Müller GmbH")},
        ...     names={alias_key("Müller GmbH"): ("C1",)})
        >>> master.customers_named("MÜLLER  gmbh"), master.customers_named("Muller")
        (('C1',), ())
        >>> master.customers_named("Muller", key=lambda n: n.casefold().replace("ü", "u")[:6])
        ('C1',)
        """
        if key is None:
            return self.names.get(alias_key(name), ())
        index = self._indexes.get(key)
        if index is None:
            found: dict[str, list[CustomerId]] = {}
            for cid, record in self.customers.items():
                for written in dict.fromkeys(k for n in record.names() if (k := key(n))):
                    found.setdefault(written, []).append(cid)
            index = self._indexes[key] = {k: tuple(v) for k, v in found.items()}
        return index.get(key(name), ())

    def credit_limits(self) -> dict[CustomerId, Money]:
        """The customers' own credit limits (those that have one)."""
        return {
            cid: r.credit_limit for cid, r in self.customers.items() if r.credit_limit is not None
        }

    def credit_groups(self) -> dict[CustomerId, str]:
        """The customers' credit groups (those that have one)."""
        return {
            cid: r.credit_group for cid, r in self.customers.items() if r.credit_group is not None
        }

    def dunning_blocked(self) -> frozenset[CustomerId]:
        """The customers with a dunning block."""
        return frozenset(cid for cid, r in self.customers.items() if r.collection.dunning_blocked)


class PayerSeen(Protocol):
    """What :func:`learn_from_confirmation` reads of a payment.

    :class:`o2c.statement.Payment` and :class:`~o2c.ledger.facts.PaymentReceived` have these.
    """

    @property
    def payment_id(self) -> str: ...
    @property
    def value_date(self) -> dt.date: ...
    @property
    def payer_name(self) -> str: ...
    @property
    def payer_account(self) -> str: ...


@attrs.frozen(kw_only=True)
class Seen:
    """A plain :class:`PayerSeen`: a payment's id, value date, payer name and account."""

    payment_id: str
    value_date: dt.date
    payer_name: str = ""
    payer_account: str = ""


def learn_from_confirmation(
    master: CustomerMaster,
    payment: PayerSeen,
    *,
    customer_id: str,
    recorded_at: dt.datetime,
    recorded_by: str = "",
    reason: str = "",
    holder_name: str | None = None,
    bic: str = "",
    learn_alias: bool = True,
) -> list[Fact]:
    """The facts a payment confirmed for ``customer_id`` teaches the master.

    A payer account the customer does not have yet is linked (``CONFIRMED_PAYMENT``, first seen
    on the payment's value date; an account another customer has too becomes shared); a payer
    name that is neither the customer's name nor one of its aliases becomes an alias.  Nothing
    already on file is recorded again, so confirming a similar payment later teaches nothing.
    A payment confirmed across several customers is taught to each of them, one call each.

    An account or alias the master removed from the customer on or after the payment's value
    date is not learnt again (the removal is the newer knowledge).  Fact ids are
    ``learnt:<payment_id>:<customer_id>:account`` and ``...:alias``: recording the same
    confirmation twice is a no-op.

    Args:
        master: the master as the caller read it (``Ledger.read().customer_master()``).
        payment: the confirmed payment (a statement's ``Payment`` or a ``PaymentReceived``).
        recorded_at: when it is recorded (timezone-aware).
        recorded_by, reason: for the audit trail (who confirmed it, and why).
        holder_name: the account holder's name (default: the payer name).
        bic: the payer's bank, when the file gives it.
        learn_alias: also learn the payer name as an alias.

    Returns:
        The facts to append (empty when the master knew everything already).
    """
    record = master.customer(customer_id)
    stamp = _Stamp(
        customer_id=CustomerId(customer_id),
        payment_id=PaymentId(payment.payment_id),
        effective=payment.value_date,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        reason=reason or f"confirmed payment {payment.payment_id}",
    )
    out: list[Fact] = []
    account = _account_to_learn(master, record, payment, customer_id)
    if account:
        holder = payment.payer_name if holder_name is None else holder_name
        out.append(stamp.account_linked(account, holder, bic))
    if learn_alias and _alias_to_learn(record, payment):
        out.append(stamp.alias_added(payment.payer_name))
    return out


@attrs.frozen
class _Stamp:
    """What every fact learnt from one confirmation carries; its fact ids make the same
    confirmation recorded twice a no-op."""

    customer_id: CustomerId
    payment_id: PaymentId
    effective: dt.date
    recorded_at: dt.datetime
    recorded_by: str
    reason: str

    def account_linked(self, account: str, holder_name: str, bic: str) -> PayerAccountLinked:
        return self._learnt(
            PayerAccountLinked, "account", account=account, holder_name=holder_name, bic=bic
        )

    def alias_added(self, alias: str) -> CustomerAliasAdded:
        return self._learnt(CustomerAliasAdded, "alias", alias=alias)

    def _learnt(self, kind: type[_LearntFact], what: str, **fields: Any) -> _LearntFact:
        return kind(
            fact_id=FactId(f"learnt:{self.payment_id}:{self.customer_id}:{what}"),
            source=MasterSource.CONFIRMED_PAYMENT,
            payment_id=self.payment_id,
            customer_id=self.customer_id,
            effective=self.effective,
            recorded_at=self.recorded_at,
            recorded_by=self.recorded_by,
            reason=self.reason,
            **fields,
        )


_LearntFact = TypeVar("_LearntFact", PayerAccountLinked, CustomerAliasAdded)


def _account_to_learn(
    master: CustomerMaster,
    record: CustomerRecord | None,
    payment: PayerSeen,
    customer_id: str,
) -> str:
    """The payer account to link: one new to the customer and not removed since ("": none)."""
    account = account_key(payment.payer_account)
    unlinked = dict(record.unlinked_accounts) if record is not None else {}
    if (
        account
        and customer_id not in master.customers_of_account(account)
        and not _removed_since(unlinked, account, payment.value_date)
    ):
        return account
    return ""


def _alias_to_learn(record: CustomerRecord | None, payment: PayerSeen) -> bool:
    """Whether the payer name is none of the customer's names and was not removed since."""
    name = alias_key(payment.payer_name)
    known = {alias_key(n) for n in record.names()} if record is not None else set()
    removed = dict(record.removed_aliases) if record is not None else {}
    return bool(
        name and name not in known and not _removed_since(removed, name, payment.value_date)
    )


def _removed_since(removed: Mapping[str, dt.date], key: str, day: dt.date) -> bool:
    """Whether ``key`` was removed on or after ``day``."""
    when = removed.get(key)
    return when is not None and when >= day
