"""Reminders and statements of account: rendering per locale, escaping, overrides, notifier."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest

from o2c.collecting import (
    GERMANY_COMPENSATION,
    DunningAction,
    DunningLevel,
    DunningNotice,
    DunningPolicy,
    InterestRule,
    PromiseFollowUp,
    propose_dunning,
    reminders,
)
from o2c.collecting.reminders import (
    InMemoryNotifier,
    available_languages,
    render_follow_up,
    render_reminder,
    render_statement,
    send_reminders,
)
from o2c.credit import EarlyWarning, WarningKind
from o2c.errors import MissingExtraError, ValidationError
from o2c.invoice.parties import Contact
from o2c.ledger import (
    CollectionPreferences,
    ContactChannel,
    CustomerContact,
    CustomerDetails,
    CustomerId,
    CustomerMaster,
    CustomerRegistered,
    ItemId,
    ItemKind,
    Ledger,
    OpenItem,
)
from o2c.money import format_money, money

AS_OF = dt.date(2026, 3, 31)


def _item(
    n: str,
    due: dt.date,
    amount: str,
    kind: ItemKind = ItemKind.INVOICE,
    disputed: str | None = None,
) -> OpenItem:
    return OpenItem(
        item_id=ItemId(n),
        customer_id=CustomerId("C1"),
        kind=kind,
        document_number=n,
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        original_amount=money(amount, "EUR"),
        open_amount=money(amount, "EUR"),
        disputed_amount=money(disputed, "EUR") if disputed else None,
    )


def _notice(level_days: int = 30) -> DunningNotice:
    items = [
        _item("INV-1", dt.date(2026, 2, 9), "1500.00", disputed="100.00"),
        _item("CM-1", dt.date(2026, 2, 9), "-20.00", kind=ItemKind.CREDIT_MEMO),
    ]
    policy = DunningPolicy(
        levels=[
            DunningLevel(level=1, days_after_due=1),
            DunningLevel(
                level=2,
                days_after_due=level_days,
                fee=money("5.00", "EUR"),
                actions={
                    DunningAction.LETTER,
                    DunningAction.CHARGE_INTEREST,
                    DunningAction.CLAIM_COMPENSATION,
                },
            ),
        ],
        interest=InterestRule.fixed(Decimal("0.1127")),
        compensation=GERMANY_COMPENSATION,
    )
    return propose_dunning(items, AS_OF, policy).notices[0]


def test_reminder_in_english_and_german() -> None:
    notice = _notice()
    # 1400 x 11.27 % x 50 / 365 = 21.61; + 40 compensation + 5 fee
    assert notice.total == money("1466.61", "EUR")
    en = render_reminder(notice, locale="en_GB", customer="Muster GmbH", company="Demo AG")
    assert en.subject == "Second reminder: €1,466.61 overdue – Demo AG"
    assert "INV-1  dated 10 Jan 2026  due 9 Feb 2026  50 days overdue  €1,400.00" in en.text
    assert "(disputed €100.00 not included)" in en.text
    assert "Interest:           €21.61" in en.text
    assert "Credits on account: -€20.00" in en.text
    assert "<td>€1,400.00</td>" in en.html
    de = render_reminder(notice, locale="de_DE", customer="Muster GmbH", company="Demo AG")
    assert de.subject == "2. Mahnung: 1.466,61\xa0€ überfällig – Demo AG"
    assert "fällig 09.02.2026" in de.text
    assert "Verzugszinsen:      21,61\xa0€" in de.text
    assert de.locale == "de_DE"


def test_level_picks_the_wording() -> None:
    first = render_reminder(_notice(level_days=90), locale="en_US")
    assert first.subject.startswith("Payment reminder: $") is False  # amounts stay in EUR
    assert first.subject.startswith("Payment reminder: €1,400.00")
    assert "escaped your" in first.text


def test_other_locales_format_amounts_with_english_templates() -> None:
    fr = render_reminder(_notice(), locale="fr_FR")
    # fr grouping changed between CLDR versions: expect whatever babel's data says
    assert fr.subject.startswith(
        "Second reminder: " + format_money(money("1466.61", "EUR"), "fr_FR")
    )
    assert "10 janv. 2026" in fr.text
    assert available_languages() == ("de", "en")


def test_html_is_escaped_and_text_is_not() -> None:
    doc = render_reminder(_notice(), locale="en_GB", customer="<script>x</script> & Co")
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Co" in doc.html
    assert "<script>" not in doc.html
    assert "Dear <script>x</script> & Co," in doc.text


def test_templates_can_be_overridden_by_name() -> None:
    doc = render_reminder(
        _notice(),
        locale="en_GB",
        templates={"en/reminder_subject.txt.j2": "Pay {{ total|money }} now"},
    )
    assert doc.subject == "Pay €1,466.61 now"
    nl = render_reminder(
        _notice(),
        locale="nl_NL",
        templates={
            "nl/reminder_subject.txt.j2": "Herinnering {{ total|money }}",
            "nl/reminder.txt.j2": "Totaal {{ total|money }}",
            "nl/reminder.html.j2": "<p>{{ subject }}</p>",
        },
    )
    assert nl.subject == "Herinnering €\xa01.466,61"
    assert nl.text == "Totaal €\xa01.466,61"
    assert nl.html == "<p>Herinnering €\xa01.466,61</p>"


def test_statement_of_account_with_aging() -> None:
    items = [
        _item("INV-1", dt.date(2026, 2, 9), "1500.00"),
        _item("INV-2", dt.date(2026, 4, 30), "250.00"),
        _item("CM-1", dt.date(2026, 2, 9), "-20.00", kind=ItemKind.CREDIT_MEMO),
    ]
    doc = render_statement(items, AS_OF, locale="en_GB", customer="Muster GmbH", company="Demo AG")
    assert doc.subject == "Statement of account as of 31 Mar 2026 – Demo AG"
    assert "INV-1  invoice  dated 10 Jan 2026  due 9 Feb 2026  €1,500.00  (50 days overdue)" in (
        doc.text
    )
    assert "CM-1  credit memo" in doc.text
    assert "  not due: €250.00" in doc.text
    assert "  31-60: €1,500.00" in doc.text
    assert "  credits: -€20.00" in doc.text
    assert "  Balance: €1,730.00" in doc.text
    assert "<caption>Aging (EUR)</caption>" in doc.html
    de = render_statement(items, AS_OF, locale="de_DE")
    assert "Gutschrift" in de.text
    assert "Saldo: 1.730,00\xa0€" in de.text


def test_bad_locale_and_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError):
        render_reminder(_notice(), locale="xx_NOPE")
    reminders._environment.cache_clear()
    monkeypatch.setitem(sys.modules, "jinja2", None)
    try:
        with pytest.raises(MissingExtraError, match=r"o2c\[notify\]"):
            render_reminder(_notice(), locale="en_GB")
    finally:
        reminders._environment.cache_clear()


def test_send_reminders_through_the_in_memory_notifier() -> None:
    notifier = InMemoryNotifier()
    results = send_reminders(
        [_notice()],
        notifier,
        contacts={"C1": ["ap@muster.example"]},
        sender="ar@demo.example",
        company="Demo AG",
        customer_names={"C1": "Muster GmbH"},
    )
    assert [r.message_id for r in results] == ["memory-1"]
    [sent] = notifier.outbox
    assert sent.recipients == ("ap@muster.example",)
    assert sent.sender == "ar@demo.example"
    assert "Dear Muster GmbH," in sent.text
    assert dict(sent.headers)["X-O2C-Dunning-Level"] == "2"


def test_html_names_the_disputed_part() -> None:
    en = render_reminder(_notice(), locale="en_GB")
    assert "<small>(disputed €100.00 not included)</small>" in en.html
    de = render_reminder(_notice(), locale="de_DE")
    assert "<small>(strittig 100,00\xa0€ nicht enthalten)</small>" in de.html


def test_a_partial_override_falls_back_to_english_per_template() -> None:
    doc = render_reminder(
        _notice(), locale="nl_NL", templates={"nl/reminder_subject.txt.j2": "Herinnering"}
    )
    assert doc.subject == "Herinnering"
    assert "Dear C1," in doc.text  # English body, Dutch number formatting
    assert "€\xa01.400,00" in doc.text


# -- what the customer master says (issue 18) and promise follow-ups (issue 22) ------------------


def _master_of(details: dict[str, CustomerDetails]) -> CustomerMaster:
    ledger = Ledger()
    ledger.append(
        [
            CustomerRegistered(
                fact_id=f"reg:{cid}",
                customer_id=cid,
                effective=dt.date(2025, 1, 1),
                recorded_at=dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC),
                details=d,
            )
            for cid, d in details.items()
        ]
    )
    return ledger.read(AS_OF).customer_master()


def test_contacts_locale_and_name_come_from_the_master_when_not_given() -> None:
    master = _master_of(
        {
            "C1": CustomerDetails(
                name="Muster GmbH",
                locale="de-DE",
                contacts=(
                    CustomerContact(
                        contact=Contact(email="ap@muster.example"), role="accounts payable"
                    ),
                    CustomerContact(contact=Contact(name="Desk", phone="+49 30 1234567")),
                    CustomerContact(contact=Contact(name="Kim", email="kim@muster.example")),
                ),
            )
        }
    )
    notifier = InMemoryNotifier()
    [result] = send_reminders([_notice()], notifier, master=master, company="Demo AG")
    assert result.message_id == "memory-1"
    [sent] = notifier.outbox
    assert sent.recipients == ("ap@muster.example", "kim@muster.example")
    assert "Muster GmbH" in sent.text
    assert sent.subject.startswith("2. Mahnung")  # the master's locale, de-DE
    # what the caller gives wins over the master
    send_reminders(
        [_notice()],
        notifier,
        master=master,
        contacts={"C1": ["boss@muster.example"]},
        locale="en_GB",
        customer_names={"C1": "Herr Muster"},
    )
    assert notifier.outbox[1].recipients == ("boss@muster.example",)
    assert "Dear Herr Muster," in notifier.outbox[1].text
    # a customer the master does not know and nobody gives contacts for: a result, not a raise
    assert send_reminders([_notice()], notifier, master=_master_of({}))[0].error == "no contact"


def test_the_masters_block_and_channel_are_obeyed() -> None:
    contacts = (CustomerContact(contact=Contact(email="ap@muster.example")),)
    blocked = _master_of(
        {
            "C1": CustomerDetails(
                contacts=contacts,
                collection=CollectionPreferences(dunning_blocked=True, block_reason="legal"),
            )
        }
    )
    by_letter = _master_of(
        {
            "C1": CustomerDetails(
                contacts=contacts,
                collection=CollectionPreferences(channel=ContactChannel.LETTER),
            )
        }
    )
    by_email = _master_of(
        {
            "C1": CustomerDetails(
                contacts=contacts, collection=CollectionPreferences(channel=ContactChannel.EMAIL)
            )
        }
    )
    notifier = InMemoryNotifier()
    assert (
        send_reminders([_notice()], notifier, master=blocked)[0].error == "dunning blocked: legal"
    )
    assert (
        send_reminders([_notice()], notifier, master=by_letter)[0].error
        == "prefers letter: not sent by e-mail"
    )
    assert notifier.outbox == []
    assert send_reminders([_notice()], notifier, master=by_email)[0].message_id == "memory-1"


def _follow_up(promised: dt.date | None = dt.date(2026, 4, 15)) -> PromiseFollowUp:
    item = _item("INV-9", dt.date(2026, 4, 10), "800.00")
    return PromiseFollowUp(
        customer_id=CustomerId("C1"),
        item=item,
        warning=EarlyWarning(
            kind=WarningKind.PROMISE_AT_RISK,
            customer_id=CustomerId("C1"),
            item_id=item.item_id,
            observed=Decimal("0.75"),
            threshold=Decimal("0.5"),
            message="INV-9 promised for 2026-04-15, predicted 2026-04-24",
            promised_date=promised,
        ),
        actions=frozenset({DunningAction.EMAIL}),
    )


def test_a_promise_follow_up_is_rendered_and_sent() -> None:
    en = render_follow_up(_follow_up(), customer="Muster GmbH", company="Demo AG")
    assert "INV-9" in en.subject
    assert "15 Apr 2026" in en.subject
    assert "800.00" in en.text
    assert "confirm" in en.text
    assert "<strong>INV-9</strong>" in en.html
    de = render_follow_up(_follow_up(), locale="de_DE", company="Demo AG")
    assert "15.04.2026" in de.subject
    assert "bestätigen" in de.text
    notifier = InMemoryNotifier()
    results = send_reminders(
        [_notice()], notifier, contacts={"C1": ["ap@muster.example"]}, follow_ups=[_follow_up()]
    )
    assert [(r.kind, r.message_id) for r in results] == [
        ("reminder", "memory-1"),
        ("promise_follow_up", "memory-2"),
    ]
    assert dict(notifier.outbox[1].headers)["X-O2C-Follow-Up"] == "INV-9"
    with pytest.raises(ValidationError) as err:
        render_follow_up(_follow_up(None))
    assert err.value.field == "warning"
