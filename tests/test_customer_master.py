"""The customer master in the ledger: its facts, invariants, read model, learning and migration."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.errors import InvalidFactError
from o2c.invoice.parties import Address, Contact
from o2c.ledger import (
    AddressPurpose,
    CollectionPreferences,
    ContactChannel,
    CustomerAddress,
    CustomerAliasAdded,
    CustomerAliasRemoved,
    CustomerChanged,
    CustomerContact,
    CustomerDetails,
    CustomerField,
    CustomerMaster,
    CustomerRegistered,
    Fact,
    Ledger,
    MasterSource,
    PayerAccountLinked,
    PayerAccountUnlinked,
    account_key,
    alias_key,
    learn_from_confirmation,
    read,
)
from o2c.ledger.customers import Seen
from o2c.ledger.facts import fact_from_dict, fact_from_json, fact_to_dict, fact_to_json
from o2c.ledger.migration import plan_migration, post_migration
from o2c.money import money
from tests.conftest import BENCH
from tests.test_ledger import invoice

T0 = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
D0 = dt.date(2026, 3, 1)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def registered(
    cid: str = "C1", name: str = "Acme GmbH", *, effective: int = 0, recorded: int = 0, **kw: Any
) -> CustomerRegistered:
    return CustomerRegistered(
        fact_id=f"reg:{cid}",
        customer_id=cid,
        effective=day(effective),
        recorded_at=at(recorded),
        recorded_by="master-data",
        reason="new customer",
        details=CustomerDetails(name=name, **kw),
    )


def changed(
    fact_id: str,
    cid: str = "C1",
    *,
    effective: int = 0,
    recorded: int = 0,
    cleared: tuple[CustomerField, ...] = (),
    **kw: Any,
) -> CustomerChanged:
    return CustomerChanged(
        fact_id=fact_id,
        customer_id=cid,
        effective=day(effective),
        recorded_at=at(recorded),
        recorded_by="credit",
        reason="review",
        details=CustomerDetails(**kw),
        cleared=cleared,
    )


def linked(
    fact_id: str,
    account: str,
    cid: str = "C1",
    *,
    effective: int = 0,
    recorded: int = 0,
    **kw: Any,
) -> PayerAccountLinked:
    return PayerAccountLinked(
        fact_id=fact_id,
        customer_id=cid,
        effective=day(effective),
        recorded_at=at(recorded),
        account=account,
        **kw,
    )


def unlinked(
    fact_id: str, account: str, cid: str = "C1", *, effective: int = 0, recorded: int = 0
) -> PayerAccountUnlinked:
    return PayerAccountUnlinked(
        fact_id=fact_id,
        customer_id=cid,
        effective=day(effective),
        recorded_at=at(recorded),
        account=account,
    )


def alias(
    fact_id: str, name: str, cid: str = "C1", *, effective: int = 0, recorded: int = 0
) -> CustomerAliasAdded:
    return CustomerAliasAdded(
        fact_id=fact_id, customer_id=cid, effective=day(effective), recorded_at=at(recorded),
        alias=name,
    )  # fmt: skip


IBAN = "DE89370400440532013000"
IBAN2 = "GB29NWBK60161331926819"

FULL = CustomerDetails(
    name="  Acme   GmbH ",
    country="de",
    segment="key",
    currency="eur",
    terms="2/10 NET30",
    credit_limit=money("50000.00", "EUR"),
    credit_group="retail",
    tax_ids=["DE123456789"],
    addresses=[
        CustomerAddress(
            address=Address(
                lines=("Hauptstr. 1",), postal_code="10115", city="Berlin", country="DE"
            )
        ),
        CustomerAddress(
            address=Address(lines=("Lager 7",), city="Potsdam"),
            purpose=AddressPurpose.SHIPPING,
        ),
    ],
    contacts=[
        CustomerContact(
            contact=Contact(name="A. P.", email="ap@acme.example"), role="accounts payable"
        )
    ],
    locale="de_DE",
    collection=CollectionPreferences(
        channel=ContactChannel.EMAIL, dunning_blocked=True, block_reason="in insolvency"
    ),
)


# ------------------------------------------------------------------------------------ facts


def test_a_full_record_is_normalised_and_round_trips_through_json() -> None:
    fact = CustomerRegistered(
        fact_id="reg:C1", customer_id="C1", effective=D0, recorded_at=T0, details=FULL
    )
    assert (fact.details.name, fact.details.country, fact.details.currency) == (
        "Acme GmbH",
        "DE",
        "EUR",
    )
    assert isinstance(fact.details.addresses, tuple)
    assert isinstance(fact.details.tax_ids, tuple)
    assert fact_from_json(fact_to_json(fact)) == fact
    assert fact_from_json(fact_to_json(fact), validate=False) == fact
    link = linked("l", " gb29 nwbk 6016 1331 9268 19", bic="nwbkgb2l", holder_name="Acme  Ltd")
    assert (link.account, link.bic, link.holder_name) == (IBAN2, "NWBKGB2L", "Acme Ltd")
    assert fact_from_json(fact_to_json(link)) == link
    change = changed("c", cleared=(CustomerField.CREDIT_LIMIT,), terms="NET60")
    assert fact_from_json(fact_to_json(change)) == change


def test_addresses_and_contacts_stored_in_the_ledgers_old_shape_still_read() -> None:
    # before the master took o2c.invoice.parties' Address and Contact, the ledger had its own:
    # ``postcode`` (not ``postal_code``), "" for empty, purpose and role beside the fields
    fact = CustomerRegistered(
        fact_id="reg:C1", customer_id="C1", effective=D0, recorded_at=T0, details=FULL
    )
    stored = fact_to_dict(fact)
    assert stored["details"]["addresses"][0] == {
        "lines": ["Hauptstr. 1"],
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    stored["details"]["addresses"] = [
        {"lines": ["Hauptstr. 1"], "postcode": "10115", "city": "Berlin", "country": "DE"},
        {"lines": ["Lager 7"], "postcode": "", "city": "Potsdam", "purpose": "shipping"},
    ]
    stored["details"]["contacts"] = [
        {"name": "A. P.", "role": "accounts payable", "email": "ap@acme.example", "phone": ""}
    ]
    for validate in (True, False):
        assert fact_from_dict(stored, validate=validate) == fact
    stored["details"]["addresses"][0]["street"] = "Hauptstr. 1"
    with pytest.raises(InvalidFactError, match="street"):
        fact_from_dict(stored)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: CustomerDetails(country="Germany"), "country"),
        (lambda: CustomerDetails(currency="EURO"), "currency"),
        (lambda: CustomerDetails(locale="german!"), "locale"),
        (lambda: CustomerDetails(name="  "), "name"),
        (lambda: CustomerDetails(credit_limit=money("-1.00", "EUR")), "credit_limit"),
        (lambda: CustomerDetails(tax_ids=("DE1", "")), "tax_ids"),
        (lambda: CustomerContact(contact=Contact(email="not an address")), "email"),
        (lambda: CustomerContact(contact=Contact(phone="call me")), "phone"),
        (lambda: CustomerContact(contact=Contact(name="nobody")), "contact"),
        (lambda: CustomerAddress(address=Address(country="DE")), "address"),
        (lambda: CustomerAddress(address=Address(city="Berlin", country="Germany")), "country"),
        (lambda: CollectionPreferences(dunning_blocked=True), "block_reason"),
        (lambda: changed("c"), "details"),
        (lambda: changed("c", country="DE", cleared=(CustomerField.COUNTRY,)), "cleared"),
        (lambda: linked("l", "   "), "account"),
        (lambda: linked("l", IBAN, source=MasterSource.CONFIRMED_PAYMENT), "payment_id"),
        (lambda: alias("a", " "), "alias"),
    ],
)
def test_a_malformed_record_is_refused_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidFactError) as caught:
        build()
    assert caught.value.field == field


# ------------------------------------------------------------------------------- invariants


@pytest.mark.parametrize(
    ("later", "message"),
    [
        (attrs.evolve(registered(effective=3, recorded=1), fact_id="r2"), "already registered"),
        (changed("c", effective=-1, recorded=1, segment="mid"), "before customer 'C1' was reg"),
        (linked("l2", IBAN.lower(), effective=2, recorded=1), "already on the record"),
        (unlinked("u", IBAN2, recorded=1), "not on the record"),
        (unlinked("u", IBAN, effective=-1, recorded=1), "before the payer account's last"),
        (alias("a2", "ACME  berlin", recorded=1), "already on the record"),
        (
            CustomerAliasRemoved(
                fact_id="r", customer_id="C1", effective=D0, recorded_at=at(1), alias="Other"
            ),
            "not on the record",
        ),
    ],
)
def test_the_master_keeps_its_invariants(later: Fact, message: str) -> None:
    ledger = Ledger()
    ledger.append([registered(), linked("l1", IBAN), alias("a1", "Acme Berlin")])
    with pytest.raises(InvalidFactError, match=message):
        ledger.append([later])


def test_a_change_needs_a_registered_customer_but_accounts_and_aliases_do_not() -> None:
    ledger = Ledger()
    with pytest.raises(InvalidFactError, match="is not registered"):
        ledger.append([changed("c", segment="mid")])
    # a ledger kept before the master: cash application can still teach it
    ledger.append([linked("l", IBAN, cid="C9"), alias("a", "Nine Ltd", cid="C9")])
    record = ledger.read().customer_master().customer("C9")
    assert record is not None
    assert not record.registered
    assert (record.name, record.aliases, [a.account for a in record.accounts]) == (
        "",
        ("Nine Ltd",),
        [IBAN],
    )


# ------------------------------------------------------------------------------- read model


def test_the_record_as_of_a_date_and_as_known_at_a_time() -> None:
    ledger = Ledger()
    ledger.append([registered(credit_limit=money("1000.00", "EUR"), country="DE", recorded=0)])
    ledger.append([changed("c1", effective=10, recorded=1, credit_limit=money("5000.00", "EUR"))])
    # recorded later, effective earlier: the later-effective limit still wins from day 10
    ledger.append(
        [
            changed(
                "c2",
                effective=5,
                recorded=2,
                credit_limit=money("2000.00", "EUR"),
                cleared=(CustomerField.COUNTRY,),
            )
        ]
    )

    def limit(as_of: int | None = None, known: int | None = None) -> object:
        master = ledger.read(
            None if as_of is None else day(as_of), known_at=None if known is None else at(known)
        ).customer_master()
        record = master.customer("C1")
        return None if record is None else (record.credit_limit.amount, record.country)  # type: ignore[union-attr]

    assert limit(-1) is None  # not registered yet on that date
    assert limit(0) == (Decimal("1000.00"), "DE")
    assert limit(7) == (Decimal("2000.00"), None)
    assert limit(7, known=1) == (Decimal("1000.00"), "DE")  # before c2 was recorded
    assert limit(12) == (Decimal("5000.00"), None)
    assert limit() == (Decimal("5000.00"), None)
    record = ledger.read().customer_master().customer("C1")
    assert record is not None
    assert (record.registered_on, record.changed_on) == (day(0), day(10))


def test_payer_accounts_shared_learnt_unlinked_and_linked_again() -> None:
    ledger = Ledger()
    ledger.append(
        [
            registered("C1", "Acme GmbH"),
            registered("C2", "Acme Logistics GmbH"),
            linked("l1", IBAN, "C1", effective=1, holder_name="Acme Holding"),
            linked("l2", IBAN, "C2", effective=3, holder_name="Acme Holding"),
            linked(
                "l3",
                IBAN2,
                "C1",
                effective=4,
                source=MasterSource.CONFIRMED_PAYMENT,
                payment_id="B7",
                recorded_by="alice",
            ),
        ]
    )
    master = ledger.read().customer_master()
    shared = master.account(IBAN.lower())
    assert shared is not None
    assert shared.shared
    assert shared.customers == ("C1", "C2")
    assert (shared.first_seen, shared.holder_names) == (day(1), ("Acme Holding",))
    learnt = master.account(IBAN2)
    assert learnt is not None
    assert not learnt.shared
    link = learnt.links[0]
    assert (link.source, link.payment_id, link.first_seen, link.recorded_by) == (
        MasterSource.CONFIRMED_PAYMENT,
        "B7",
        day(4),
        "alice",
    )
    assert master.customers_of_account("XX00") == ()
    ledger.append([unlinked("u1", IBAN, "C1", effective=6, recorded=1)])
    master = ledger.read().customer_master()
    assert master.customers_of_account(IBAN) == ("C2",)
    assert master.customer("C1").unlinked_accounts == ((IBAN, day(6)),)  # type: ignore[union-attr]
    assert ledger.read(day(5)).customer_master().customers_of_account(IBAN) == ("C1", "C2")
    ledger.append([linked("l4", IBAN, "C1", effective=9, recorded=2)])
    again = ledger.read().customer_master().account(IBAN)
    assert again is not None
    first = next(a for a in again.links if a.customer_id == "C1")
    assert (first.first_seen, first.linked_on) == (day(1), day(9))
    # the audit trail of an account: every link and unlink, whichever customer
    assert [f.fact_id for f in ledger.history(IBAN)] == ["l1", "l2", "u1", "l4"]


def test_names_and_aliases_find_customers_and_the_views_for_credit_and_dunning() -> None:
    ledger = Ledger()
    ledger.append(
        [
            registered("C1", "Acme GmbH", credit_limit=money("100.00", "EUR")),
            registered("C2", "ACME gmbh", credit_group="retail", collection=FULL.collection),
            alias("a1", "Acme Berlin", "C1", effective=1),
        ]
    )
    master = ledger.read().customer_master()
    assert master.customers_named(" acme   GMBH") == ("C1", "C2")
    assert master.customers_named("acme berlin") == ("C1",)
    assert master.customer("C1").names() == ("Acme GmbH", "Acme Berlin")  # type: ignore[union-attr]
    assert master.credit_limits() == {"C1": money("100.00", "EUR")}
    assert master.credit_groups() == {"C2": "retail"}
    assert master.dunning_blocked() == {"C2"}
    # the master's facts move no balance and show in no other part of the read model
    history = ledger.read()
    assert (history.open_items(), history.movements, history.settlement_trails()) == ([], [], ())


# ------------------------------------------------------------------- as of / known at, property

_CUSTOMERS = ("C1", "C2")
_ACCOUNTS = (IBAN, IBAN2, "CH9300762011623852957")
_ALIASES = ("Acme", "ACME Berlin", "acme berlin", "Globex")
_VALUES = {
    "segment": st.sampled_from(["key", "mid", "small"]),
    "country": st.sampled_from(["DE", "AT", "CH"]),
    "credit_limit": st.integers(0, 10**6).map(lambda n: money(Decimal(n) / 100, "EUR")),
    "terms": st.sampled_from(["NET30", "2/10 NET30"]),
}
_CLEARABLE = {
    "segment": CustomerField.SEGMENT,
    "country": CustomerField.COUNTRY,
    "credit_limit": CustomerField.CREDIT_LIMIT,
    "terms": CustomerField.TERMS,
}


_CUSTOMER = st.sampled_from(_CUSTOMERS)
_DAY = st.integers(0, 15)
_WHAT = st.sampled_from(["change", "change", "link", "unlink", "alias", "unalias"])
_FIELDS = st.lists(st.sampled_from(sorted(_VALUES)), unique=True, max_size=3)
_NAME = st.sampled_from(["Acme", "Acme GmbH", "Globex"])
_CLEAR = st.lists(st.sampled_from(sorted(_VALUES)), max_size=2)
_ACCOUNT = st.sampled_from(_ACCOUNTS)
_ALIAS = st.sampled_from(_ALIASES)


def _operation(draw: st.DrawFn, n: int, what: str | None = None) -> Fact:
    """One master fact (strategies built once above: drawing is what costs)."""
    common: dict[str, Any] = {
        "fact_id": f"f{n}",
        "customer_id": draw(_CUSTOMER),
        "effective": day(draw(_DAY)),
        "recorded_at": at(n),
    }
    what = what or draw(_WHAT)
    if what in ("register", "change"):
        values = {name: draw(_VALUES[name]) for name in draw(_FIELDS)}
        if draw(st.booleans()):
            values["name"] = draw(_NAME)
        if what == "register":
            return CustomerRegistered(details=CustomerDetails(**values), **common)
        clear = [c for c in draw(_CLEAR) if c not in values]
        if not values and not clear:
            values["segment"] = "mid"
        return CustomerChanged(
            details=CustomerDetails(**values),
            cleared=tuple(dict.fromkeys(_CLEARABLE[c] for c in clear)),
            **common,
        )
    if what == "link":
        return PayerAccountLinked(account=draw(_ACCOUNT), **common)
    if what == "unlink":
        return PayerAccountUnlinked(account=draw(_ACCOUNT), **common)
    if what == "alias":
        return CustomerAliasAdded(alias=draw(_ALIAS), **common)
    return CustomerAliasRemoved(alias=draw(_ALIAS), **common)


@st.composite
def _histories(draw: st.DrawFn) -> tuple[Ledger, list[Fact]]:
    """A ledger fed random master facts one at a time; the ones it accepted, in order."""
    ledger = Ledger()
    accepted: list[Fact] = []
    for n in range(draw(st.integers(1, 30))):
        # mostly registered customers, so that changes are accepted (and back-dated ones too)
        fact = _operation(draw, n, "register" if n < 2 and draw(st.integers(0, 4)) else None)
        try:
            ledger.append([fact])
        except InvalidFactError:
            continue
        accepted.append(fact)
    return ledger, accepted


def _oracle(facts: list[Fact], cid: str) -> dict[str, object] | None:
    """What the record should say, from first principles: per field the value of the latest
    effective fact that sets or clears it (facts of one date: the later recorded wins)."""
    mine = [(f.effective, n, f) for n, f in enumerate(facts) if f.customer_id == cid]
    if not mine:
        return None
    fields: dict[str, tuple[tuple[dt.date, int], object]] = {}
    accounts: dict[str, list[tuple[dt.date, int, bool]]] = {}
    aliases: dict[str, tuple[tuple[dt.date, int], str | None]] = {}
    registered_on = None
    for effective, n, f in mine:
        key = (effective, n)
        if isinstance(f, CustomerRegistered | CustomerChanged):
            if isinstance(f, CustomerRegistered):
                registered_on = effective
            for name in ("name", *_VALUES):
                value = getattr(f.details, name)
                if value is not None and (name not in fields or fields[name][0] < key):
                    fields[name] = (key, value)
            for cleared in getattr(f, "cleared", ()):
                if cleared.value not in fields or fields[cleared.value][0] < key:
                    fields[cleared.value] = (key, None)
        elif isinstance(f, PayerAccountLinked | PayerAccountUnlinked):
            accounts.setdefault(f.account, []).append(
                (effective, n, isinstance(f, PayerAccountLinked))
            )
        elif isinstance(f, CustomerAliasAdded | CustomerAliasRemoved):
            k = alias_key(f.alias)
            if k not in aliases or aliases[k][0] < key:
                added = f.alias if isinstance(f, CustomerAliasAdded) else None
                aliases[k] = (key, added)
    current = {}
    for account, events in accounts.items():
        events.sort()
        if events[-1][2]:
            current[account] = (min(e[0] for e in events if e[2]), events[-1][0])
    return {
        "registered_on": registered_on,
        **{name: value for name, (_, value) in fields.items()},
        "accounts": current,
        "aliases": {v for _, v in aliases.values() if v is not None},
    }


def _seen(master: CustomerMaster, cid: str) -> dict[str, object] | None:
    record = master.customer(cid)
    if record is None:
        return None
    out: dict[str, object] = {
        "registered_on": record.registered_on,
        "accounts": {a.account: (a.first_seen, a.linked_on) for a in record.accounts},
        "aliases": set(record.aliases),
    }
    for name in ("name", *_VALUES):
        value = getattr(record, name)
        if value not in (None, ""):
            out[name] = value
    return out


def _without_empty(found: dict[str, object] | None) -> dict[str, object] | None:
    return None if found is None else {k: v for k, v in found.items() if v is not None}


#: Each example appends up to 30 facts one at a time: 400 examples (not the CI profile's 1,000)
#: keep the two properties below under 20 s together in CI.
_LEDGER_EXAMPLES = settings(max_examples=400)


@_LEDGER_EXAMPLES
@given(_histories(), st.integers(-1, 16), st.data())
def test_as_of_and_known_at_equal_replaying_the_facts_then_known(
    history: tuple[Ledger, list[Fact]], as_of: int, data: st.DataObject
) -> None:
    ledger, accepted = history
    cut = data.draw(st.integers(0, len(accepted)))
    for count in (cut, len(accepted)):
        # known at T: what the ledger reads equals the master of the facts recorded by then
        known_at = at(-1) if count == 0 else accepted[count - 1].recorded_at
        prefix = accepted[:count]
        assert ledger.read(known_at=known_at).customer_master() == read(prefix).customer_master()
        for when in (as_of, 16):
            # as of D: the record each customer had on D, from first principles
            selected = [f for f in prefix if f.effective <= day(when)]
            master = ledger.read(day(when), known_at=known_at).customer_master()
            for cid in _CUSTOMERS:
                expected = _without_empty(_oracle(selected, cid))
                assert _without_empty(_seen(master, cid)) == expected


@_LEDGER_EXAMPLES
@given(_histories())
def test_master_facts_round_trip_and_appending_them_again_is_a_no_op(
    history: tuple[Ledger, list[Fact]],
) -> None:
    ledger, accepted = history
    for fact in accepted:
        assert fact_from_json(fact_to_json(fact)) == fact
        assert fact_from_json(fact_to_json(fact), validate=False) == fact
    before = ledger.read().customer_master()
    again = [attrs.evolve(f, recorded_at=at(100)) for f in accepted]
    result = ledger.append(again)
    assert result.appended == ()
    assert len(result.unchanged) == len(accepted)
    assert ledger.read().customer_master() == before


# ------------------------------------------------------------------------- learning


def test_a_confirmed_payment_teaches_its_account_and_alias_once() -> None:
    ledger = Ledger()
    ledger.append([registered("C1", "Acme GmbH"), registered("C2", "Acme Logistics")])
    ledger.append([linked("l1", IBAN, "C2", holder_name="Acme Holding")])
    payment = Seen(
        payment_id="B7", value_date=day(4), payer_name="ACME HOLDING", payer_account=IBAN
    )
    master = ledger.read().customer_master()
    learnt = learn_from_confirmation(
        master, payment, customer_id="C1", recorded_at=at(5), recorded_by="alice"
    )
    assert [(type(f).__name__, f.fact_id) for f in learnt] == [
        ("PayerAccountLinked", "learnt:B7:C1:account"),
        ("CustomerAliasAdded", "learnt:B7:C1:alias"),
    ]
    assert all(f.recorded_by == "alice" and f.effective == day(4) for f in learnt)
    ledger.append(learnt)
    assert ledger.append(learnt).appended == ()  # the same confirmation again: a no-op
    master = ledger.read().customer_master()
    known = master.account(IBAN)
    assert known is not None
    assert known.customers == ("C2", "C1")
    assert known.shared
    assert master.customers_named("acme holding") == ("C1",)
    # a similar payment later teaches nothing
    later = attrs.evolve(payment, payment_id="B9", value_date=day(20))
    assert learn_from_confirmation(master, later, customer_id="C1", recorded_at=at(9)) == []
    # a payment without account or name teaches nothing either
    bare = Seen(payment_id="B10", value_date=day(21))
    assert learn_from_confirmation(master, bare, customer_id="C1", recorded_at=at(9)) == []


def test_what_the_master_removed_since_the_payment_is_not_learnt_again() -> None:
    ledger = Ledger()
    ledger.append([registered("C1", "Acme GmbH"), linked("l1", IBAN, effective=1)])
    ledger.append([unlinked("u1", IBAN, effective=10, recorded=1)])
    master = ledger.read().customer_master()
    old = Seen(payment_id="B1", value_date=day(8), payer_name="Acme GmbH", payer_account=IBAN)
    assert learn_from_confirmation(master, old, customer_id="C1", recorded_at=at(2)) == []
    new = attrs.evolve(old, payment_id="B2", value_date=day(12))
    learnt = learn_from_confirmation(master, new, customer_id="C1", recorded_at=at(2))
    assert [f.fact_id for f in learnt] == ["learnt:B2:C1:account"]
    ledger.append(learnt)
    assert ledger.read().customer_master().customers_of_account(IBAN) == ("C1",)


def test_a_posted_payment_fact_can_teach_too() -> None:
    from o2c.ledger import PaymentReceived

    ledger = Ledger()
    paid = PaymentReceived(
        fact_id="payment:B1", customer_id="C1", effective=day(2), recorded_at=at(1),
        payment_id="B1", amount=money("10.00", "EUR"), value_date=day(2),
        payer_name="Acme", payer_account=IBAN,
    )  # fmt: skip
    ledger.append([paid])
    learnt = learn_from_confirmation(
        ledger.read().customer_master(), paid, customer_id="C1", recorded_at=at(2)
    )
    ledger.append(learnt)
    record = ledger.read().customer_master().customer("C1")
    assert record is not None
    assert record.aliases == ("Acme",)
    assert record.accounts[0].payment_id == "B1"


# ------------------------------------------------------------------------------- migration

CUTOVER = dt.date(2026, 3, 2)


def _csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(n, row) for n, row in enumerate(csv.DictReader(handle), start=2)]


def test_migration_of_the_public_customers_and_payer_accounts_loads_every_row() -> None:
    bench = BENCH / "cashapp2"
    if not (bench / "customers.csv").exists():
        pytest.fail(f"{bench} is missing: the bench must be beside the repository")
    customers = _csv(bench / "customers.csv")
    accounts = _csv(bench / "payer_accounts.csv")
    plan = plan_migration(
        customers=customers,
        payer_accounts=accounts,
        open_items=[],
        payments=[],
        cutover=CUTOVER,
        recorded_at=at(0),
    )
    assert plan.rejected == ()
    assert dict(plan.accepted)["customers"] == len(customers) == 2000
    assert dict(plan.accepted)["payer_accounts"] == len(accounts)
    ledger = Ledger()
    post_migration(plan, ledger)
    master = ledger.read().customer_master()
    assert len(master.customers) == len(customers)
    for _, row in customers:
        record = master.customer(row["customer_id"])
        assert record is not None
        assert (record.name, record.country, record.segment, record.currency, record.terms) == (
            row["name"],
            row["country"],
            row["segment"],
            row["currency"],
            row["terms"],
        )
        assert record.registered_on == CUTOVER
    for _, row in accounts:
        assert row["customer_id"] in master.customers_of_account(row["account"])
    assert sum(len(a.links) for a in master.accounts.values()) == len(accounts)
    # a second run appends nothing
    assert post_migration(plan, ledger).appended == ()


def test_migration_keeps_names_limits_and_the_rest_of_the_record() -> None:
    plan = plan_migration(
        customers=[
            {
                "customer_id": "C1",
                "name": "Acme GmbH",
                "currency": "EUR",
                "credit_limit": "50000.00",
                "payment_terms": "net 30",
                "country": "de",
                "credit_group": "retail",
                "tax_id": "DE123456789; ATU12345678",
                "email": "ap@acme.example",
                "phone": "+49 30 123456",
                "locale": "de_DE",
                "street": "Hauptstr. 1",
                "postcode": "10115",
                "city": "Berlin",
                "aliases": "Acme Berlin; ACME GMBH",
            },
        ],
        payer_accounts=[
            {
                "customer_id": "C1",
                "account": "de89 3704 0044 0532 0130 00",
                "holder_name": "Acme GmbH",
                "bic": "COBADEFFXXX",
            }
        ],
        open_items=[],
        payments=[],
        cutover=CUTOVER,
        recorded_at=at(0),
    )
    assert plan.rejected == ()
    assert plan.customers[0].credit_limit == money("50000.00", "EUR")
    ledger = Ledger()
    post_migration(plan, ledger)
    record = ledger.read().customer_master().customer("C1")
    assert record is not None
    assert (record.name, record.credit_limit, record.terms, record.credit_group) == (
        "Acme GmbH",
        money("50000.00", "EUR"),
        "net 30",
        "retail",
    )
    assert record.tax_ids == ("DE123456789", "ATU12345678")
    assert record.addresses == (
        CustomerAddress(
            address=Address(
                lines=("Hauptstr. 1",), postal_code="10115", city="Berlin", country="DE"
            )
        ),
    )
    assert record.contacts == (
        CustomerContact(contact=Contact(email="ap@acme.example", phone="+49 30 123456")),
    )
    assert (record.locale, record.aliases) == ("de_DE", ("Acme Berlin",))  # the name is no alias
    assert [(a.account, a.bic, a.source) for a in record.accounts] == [
        (IBAN, "COBADEFFXXX", MasterSource.MASTER_DATA)
    ]
    assert ledger.read(CUTOVER - dt.timedelta(days=1)).customer_master().customer("C1") is None


BENCH_OPEN_ITEMS = (
    "item_id,customer_id,customer_name,document_number,payment_reference,document_date,"
    "due_date,currency,original_amount,open_amount,discount_date,discount_amount,customer_po\n"
    "I1,C1,Acme GmbH,INV-1,RF18539007547034,2026-01-10,2026-02-09,EUR,100.00,100.00,"
    "2026-01-20,2.00,PO-1\n"
    "I2,C1,Acme Trading,INV-2,,2026-02-01,2026-03-01,EUR,500.00,120.00,,,\n"
    "I3,C2,Globex,CN-3,,2026-02-11,2026-02-11,USD,-40.00,-40.00,,,\n"
    "I4,C2,Globex,CN-4,,2026-02-11,2026-02-11,USD,-40.00,10.00,,,\n"
    "I5,C2,Globex,CN-5,,2026-02-11,2026-02-11,USD,-40.00,-40.00,2026-02-20,1.00,\n"
    "I6,C1,Acme GmbH,INV-6,,2026-02-11,2026-02-11,EUR,40.00,40.00,2026-02-20,,\n"
)


def _rows(text: str) -> list[dict[str, str]]:
    import io

    return list(csv.DictReader(io.StringIO(text)))


def test_migration_reads_the_bench_open_items_layout() -> None:
    plan = plan_migration(
        customers=[{"customer_id": "C1", "name": "Acme GmbH"}, {"customer_id": "C2"}],
        open_items=_rows(BENCH_OPEN_ITEMS),
        payments=[],
        cutover=CUTOVER,
        recorded_at=at(0),
    )
    assert sorted((r.row, r.error.field) for r in plan.rejected) == [
        (5, "open_amount"),  # a credit memo with a positive open amount
        (6, "discount_amount"),  # a credit memo offers no discount
        (7, "discount_amount"),  # a discount date without an amount
    ]
    ledger = Ledger()
    post_migration(plan, ledger, accept_partial=True)
    items = {i.item_id: i for i in ledger.open_items(CUTOVER)}
    assert {k: i.open_amount.amount for k, i in items.items()} == {
        "I1": Decimal("100.00"),
        "I2": Decimal("120.00"),
        "I3": Decimal("-40.00"),
    }
    assert items["I1"].discounts[0].amount == money("2.00", "EUR")
    assert items["I1"].discounts[0].deadline == dt.date(2026, 1, 20)
    assert items["I1"].payment_reference == "RF18539007547034"
    master = ledger.read().customer_master()
    assert master.customer("C1").aliases == ("Acme Trading",)  # type: ignore[union-attr]
    assert master.customer("C2").aliases == ("Globex",)  # type: ignore[union-attr]


def test_without_a_customers_file_the_open_items_name_the_customers() -> None:
    plan = plan_migration(
        customers=None,
        open_items=_rows(BENCH_OPEN_ITEMS.replace("2026-02-20,1.00", ",")),
        payer_accounts=[
            {"customer_id": "C2", "account": IBAN2},
            {"customer_id": "C7", "account": IBAN},
        ],
        payments=[],
        cutover=CUTOVER,
        recorded_at=at(0),
    )
    # the rejected credit memo row comes first for C2: its customer is registered by the next
    assert [(r.source, r.row) for r in plan.rejected] == [
        ("open_items", 5),
        ("open_items", 7),
        ("payer_accounts", 3),
    ]
    assert "not in the open items" in plan.rejected[-1].error.message
    assert dict(plan.accepted)["customers"] == 2
    ledger = Ledger()
    post_migration(plan, ledger, accept_partial=True)
    master = ledger.read().customer_master()
    assert (master.customer("C1").name, master.customer("C2").name) == ("Acme GmbH", "Globex")  # type: ignore[union-attr]
    assert master.customers_of_account(IBAN2) == ("C2",)


def test_migration_rejects_bad_master_rows() -> None:
    plan = plan_migration(
        customers=[
            {"customer_id": "C1", "name": "Acme", "country": "Germany"},
            {"customer_id": "C2", "name": "Globex", "email": "nobody"},
            {"customer_id": "C3", "terms": "NET30", "payment_terms": "NET60"},
            {"customer_id": "C4", "name": "Initech"},
        ],
        payer_accounts=[
            {"customer_id": "C4", "account": IBAN},
            {"customer_id": "C4", "account": IBAN.lower()},
            {"customer_id": "C4", "account": " "},
            {"customer_id": "C1", "account": IBAN2},
        ],
        open_items=[],
        payments=[],
        cutover=CUTOVER,
        recorded_at=at(0),
    )
    assert [(r.source, r.row, r.error.field) for r in plan.rejected] == [
        ("customers", 2, "country"),
        ("customers", 3, "email"),
        ("customers", 4, "payment_terms"),
        ("payer_accounts", 3, "account"),
        ("payer_accounts", 4, "account"),
        ("payer_accounts", 5, "customer_id"),
    ]


def test_o2c_migrate_fills_the_master_from_files(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "c.csv").write_text(
        "customer_id,name,country,segment,currency,terms\nC1,Acme GmbH,DE,key,EUR,NET30\n"
        "C2,Globex,US,small,USD,2/10 NET30\n",
        encoding="utf-8",
    )
    (tmp_path / "a.csv").write_text(
        f"customer_id,account\nC1,{IBAN}\nC2,{IBAN}\n", encoding="utf-8"
    )
    (tmp_path / "o.csv").write_text(BENCH_OPEN_ITEMS.split("I3,")[0], encoding="utf-8")
    db = tmp_path / "ledger.sqlite"
    args = ["migrate", "--db", str(db), "--customers", str(tmp_path / "c.csv"),
            "--payer-accounts", str(tmp_path / "a.csv"), "--open-items", str(tmp_path / "o.csv"),
            "--cutover", CUTOVER.isoformat()]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "payer_accounts: 2 row(s) accepted" in out
    assert "open_items: 2 row(s)" in out
    with SQLiteLedgerStore(db) as store:
        master = Ledger(store).read().customer_master()
    assert master.customers_of_account(IBAN) == ("C1", "C2")
    assert master.customer("C2").terms == "2/10 NET30"  # type: ignore[union-attr]
    assert main(args) == 0
    assert "loaded 0 fact(s)" in capsys.readouterr().out


def test_the_master_beside_documents_in_one_stream() -> None:
    ledger = Ledger()
    ledger.append([invoice("i1", "INV-1", "100.00"), registered(recorded=1)])
    assert ledger.open_items(day(30))[0].item_id == "INV-1"
    assert ledger.read().customer_master().customer("C1").name == "Acme GmbH"  # type: ignore[union-attr]
    assert account_key(f" {IBAN.lower()} ") == IBAN
