"""Remittance advices: parsing every style, linking to bank lines, and use as remittance."""

# ruff: noqa: E501  (advice texts are kept as they are written)

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.cash_application import CustomerProfile, MatchDecision, match_payments
from o2c.cash_application.advices import (
    AdviceLine,
    AdvicePolicy,
    AdviceStyle,
    LinkStatus,
    RemittanceAdvice,
    apply_advices,
    link_advices,
    parse_advice,
)
from o2c.errors import O2CError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.statement import Payment

D = Decimal
DAY = dt.date(2026, 3, 20)

SAP = """Payment Advice Note / Zahlungsavis

Payer: Vogel Metallbau OHG
Payment document: 1533327405   Payment date: 23.03.2026   Currency: EUR

Document    Reference             Doc. date            Gross   Deduction           Net
1921224150  2025-108021           23.12.2025          339,37        0,00        339,37
1987027878  inv/2026/010853       05.02.2026        4.472,36      100,00      4.372,36  pricing error
5182336505  CN/2026/000359        09.02.2026         -261,50        0,00       -261,50
5153123956  RF16 1587 7326 0164 8 24.02.2026        1.972,14        0,00      1.972,14
Total                                                                       6.422,37
"""

CSV_MAIL = """Please find attached our remittance advice.

--- attachment: remittance_1550678585.csv ---
invoice_no;invoice_date;amount;deduction;paid
INV202582934;2025-10-01;29826.17;0;29826.17
INV/2025/096546;2025-11-14;8591.00;515.46;8075.54
total;;;;37901.71
--- end ---
"""

PDF = """REMITTANCE ADVICE                         Page 1 of 1
MARTINEZ MAQUINARIA INTERNATIONAL OHG
EFT No: 3088356243        Date: 03/20/2026

Invoice Number     Invoice Date     Amount Paid
INV/2026/16O73     02/23/2026           1,0l0.S0
INV/2025/066185    08/06/2025
                                       18,756.77
INV/2026/
013832             02/16/2026           1,273.73
                   TOTAL             21,040.S0
"""

PROSE_DE = """Sehr geehrte Damen und Herren,

hiermit avisieren wir Ihnen unsere Zahlung vom 26.03.2026 ueber 39.481,56 EUR.
Die Zahlung betrifft folgende Rechnungen:

Rg.-Nr. INV / 2025 / 107614 vom 22.12.2025   36.494,99 EUR
Rg.-Nr. INV/25/110409 vom 31.12.2025   2.986,57 EUR  (aktionsrabatt 12,34)

Gesamtbetrag: 39.481,56 EUR
"""

PROSE_EN = """Hi,

Please be advised that we have sent a payment of USD 52,340.73 by ACH.
Invoices paid:
INV-2025/084582   $40,919.73  (incorrect discount 1,616.37)
INV.2025.092054   $11,421.00

Total: USD 52,340.73
"""

TOTAL_ONLY = """Dear Sir or Madam,

we have transferred EUR 115,386.34 for open invoices as per your statement of account.
"""


def _lines(advice: RemittanceAdvice) -> list[tuple[str, str, str, str]]:
    return [(x.reference, str(x.amount_paid), str(x.deduction), x.reason) for x in advice.lines]


# --------------------------------------------------------------------------------------------
# Parsing


def test_sap_note_with_deduction_reason_credit_note_and_creditor_reference() -> None:
    a = parse_advice(SAP, advice_id="A")
    assert a.style is AdviceStyle.SAP
    assert (a.currency, a.stated_total, a.payment_date) == (
        "EUR",
        D("6422.37"),
        dt.date(2026, 3, 23),
    )
    assert a.advice_number == "1533327405"
    assert _lines(a) == [
        ("2025-108021", "339.37", "0", ""),
        ("inv/2026/010853", "4372.36", "100.00", "pricing error"),
        ("CN/2026/000359", "-261.50", "0", ""),
        ("RF16 1587 7326 0164 8", "1972.14", "0", ""),
    ]
    assert [x.payer_document for x in a.lines][:2] == ["1921224150", "1987027878"]
    assert a.lines[2].is_credit_note
    assert a.lines_total == a.stated_total
    assert a.lines[1].gross == D("4472.36")


def test_csv_attachment_in_the_text() -> None:
    a = parse_advice(CSV_MAIL)
    assert a.style is AdviceStyle.CSV
    assert a.currency == ""  # a bare table says no currency: the payment's is taken
    assert a.stated_total == D("37901.71")
    assert _lines(a) == [
        ("INV202582934", "29826.17", "0", ""),
        ("INV/2025/096546", "8075.54", "515.46", ""),
    ]
    assert a.lines[1].document_date == dt.date(2025, 11, 14)


def test_pdf_text_with_ocr_noise_and_broken_lines() -> None:
    a = parse_advice(PDF)
    assert a.style is AdviceStyle.PDF
    assert a.stated_total == D("21040.50")
    assert _lines(a) == [
        ("INV/2026/16073", "1010.50", "0", ""),
        ("INV/2025/066185", "18756.77", "0", ""),
        ("INV/2026/013832", "1273.73", "0", ""),
    ]
    assert a.lines[0].document_date == dt.date(2026, 2, 23)  # US month/day
    assert a.advice_number == "3088356243"


def test_german_prose() -> None:
    a = parse_advice(PROSE_DE)
    assert a.style is AdviceStyle.PROSE_DE
    assert (a.stated_total, a.payment_date) == (D("39481.56"), dt.date(2026, 3, 26))
    assert _lines(a) == [
        ("INV 2025 107614", "36494.99", "0", ""),
        ("INV/25/110409", "2986.57", "12.34", "aktionsrabatt"),
    ]


def test_english_prose_with_a_dollar_sign() -> None:
    a = parse_advice(PROSE_EN)
    assert (a.style, a.currency, a.stated_total) == (AdviceStyle.PROSE_EN, "USD", D("52340.73"))
    assert _lines(a)[0] == ("INV-2025/084582", "40919.73", "1616.37", "incorrect discount")


def test_total_only_and_nothing_readable() -> None:
    a = parse_advice(TOTAL_ONLY)
    assert (a.style, a.stated_total, a.lines) == (AdviceStyle.TOTAL_ONLY, D("115386.34"), ())
    empty = parse_advice("Thank you for your business.")
    assert (empty.style, empty.total, empty.lines) == (AdviceStyle.UNKNOWN, None, ())


def test_a_text_too_long_is_refused() -> None:
    with pytest.raises(ValidationError, match="more than the 100 an advice may have"):
        parse_advice("x" * 101, advice_id="A9", policy=AdvicePolicy(max_text_chars=100))


def test_lines_are_bounded() -> None:
    text = "\n".join(f"INV-{1000 + i}   EUR 1.00" for i in range(50))
    assert len(parse_advice(text, policy=AdvicePolicy(max_lines=10)).lines) == 10


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_parse_never_raises_but_o2c_errors_on_junk(text: str) -> None:
    try:
        a = parse_advice(text, policy=AdvicePolicy(max_text_chars=300))
    except O2CError:
        return
    assert all(isinstance(x.amount_paid, Decimal) for x in a.lines)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "INV/2026/",
                "0l23",
                "4.567,89",
                "1,234.56",
                "Total",
                "EUR",
                "(rabatt 1,00)",
                "\n",
                " ",
                ";",
                "Rg.-Nr.",
                "03/20/2026",
                "CN",
                "-",
                "S8",
                "Document Reference Net",
            ]
        ),
        max_size=60,
    )
)
def test_parse_never_raises_on_advice_like_junk(parts: list[str]) -> None:
    parse_advice("".join(parts))


# --------------------------------------------------------------------------------------------
# Linking


def _pay(
    pid: str, amount: str, name: str = "", *, day: dt.date = DAY, text: str = "", code: str = "EUR"
) -> Payment:
    return Payment(
        payment_id=pid,
        value_date=day,
        amount=money(amount, code),
        payer_name=name,
        remittance_info=text,
    )


def _advice(
    aid: str,
    total: str | None,
    lines: list[tuple[str, str]] = (),
    *,  # type: ignore[assignment]
    sender: str = "Acme GmbH",
    day: dt.date = DAY,
    number: str = "",
) -> RemittanceAdvice:
    return RemittanceAdvice(
        advice_id=aid,
        sender_name=sender,
        sent=day,
        stated_total=None if total is None else D(total),
        currency="EUR",
        lines=tuple(AdviceLine(reference=r, amount_paid=D(v)) for r, v in lines),
        advice_number=number,
    )


def _item(iid: str, cid: str, number: str, amount: str) -> OpenItem:
    return OpenItem(
        item_id=ItemId(iid),
        customer_id=CustomerId(cid),
        kind=ItemKind.INVOICE,
        document_number=number,
        document_date=dt.date(2026, 2, 1),
        due_date=dt.date(2026, 3, 1),
        original_amount=money(amount, "EUR"),
        open_amount=money(amount, "EUR"),
    )


def _ids(links: object) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(k.advice_id, k.status.value, k.payment_ids) for k in links]  # type: ignore[attr-defined]


def test_exact_total_from_the_sender_links() -> None:
    links = link_advices(
        [_advice("A1", "1500.00", [("INV-1", "1000.00"), ("INV-2", "500.00")])],
        [_pay("P1", "1500.00", "ACME GMBH"), _pay("P2", "1499.00", "ACME GMBH")],
    )
    assert _ids(links) == [("A1", "linked", ("P1",))]
    assert [x.reference for x in links[0].covered["P1"]] == ["INV-1", "INV-2"]


def test_bank_fees_within_the_band_are_tolerated() -> None:
    [link] = link_advices([_advice("A1", "1500.00")], [_pay("P1", "1475.00", "Acme GmbH")])
    assert (link.payment_ids, link.fee) == (("P1",), D("25.00"))
    [far] = link_advices([_advice("A1", "1500.00")], [_pay("P1", "1400.00", "Acme GmbH")])
    assert far.status is LinkStatus.UNLINKED


def test_outside_the_date_window_is_not_linked() -> None:
    late = DAY + dt.timedelta(days=AdvicePolicy().days_after + 1)
    [link] = link_advices([_advice("A1", "1500.00")], [_pay("P1", "1500.00", "Acme", day=late)])
    assert link.status is LinkStatus.UNLINKED


def test_another_payer_with_the_same_amount_is_not_the_advice() -> None:
    [link] = link_advices([_advice("A1", "1500.00")], [_pay("P1", "1500.00", "Zenith Logistik")])
    assert link.status is LinkStatus.UNLINKED


def test_two_payments_that_fit_equally_are_never_linked() -> None:
    [link] = link_advices(
        [_advice("A1", "1500.00")],
        [
            _pay("P1", "1500.00", "Acme GmbH"),
            _pay("P2", "1500.00", "ACME GMBH", day=DAY + dt.timedelta(days=1)),
        ],
    )
    assert link.status is LinkStatus.AMBIGUOUS
    assert link.payment_ids == ()
    assert "ambiguous" in link.explanation[0]


def test_an_advice_listing_more_than_was_paid_keeps_the_rest_as_explanation() -> None:
    advice = _advice(
        "A1", "1800.00", [("INV-1", "1000.00"), ("INV-2", "500.00"), ("INV-9", "300.00")]
    )
    items = [_item("I1", "C1", "INV-1", "1000.00"), _item("I2", "C1", "INV-2", "500.00")]
    [link] = link_advices([advice], [_pay("P1", "1500.00", "Acme GmbH")], open_items=items)
    assert (link.status, link.payment_ids) == (LinkStatus.LINKED, ("P1",))
    assert [x.reference for x in link.uncovered] == ["INV-9"]
    assert "not covered" in link.explanation[-1]
    [p] = apply_advices([_pay("P1", "1500.00", "Acme GmbH")], [link])
    assert [d.number for d in p.documents] == ["INV-1", "INV-2"]
    assert "INV-9" not in p.remittance_info


def test_some_lines_paid_while_the_others_are_open_is_not_linked() -> None:
    advice = _advice(
        "A1", "1800.00", [("INV-1", "1000.00"), ("INV-2", "500.00"), ("INV-9", "300.00")]
    )
    items = [
        _item(f"I{n}", "C1", f"INV-{n}", v)
        for n, v in ((1, "1000.00"), (2, "500.00"), (9, "300.00"))
    ]
    [link] = link_advices([advice], [_pay("P1", "1500.00", "Acme GmbH")], open_items=items)
    assert link.status is LinkStatus.UNLINKED


def test_an_advice_split_across_two_payments() -> None:
    advice = _advice(
        "A1", "1800.00", [("INV-1", "1000.00"), ("INV-2", "500.00"), ("INV-3", "300.00")]
    )
    pays = [
        _pay("P1", "1300.00", "Acme GmbH"),
        _pay("P2", "500.00", "Acme GmbH", day=DAY + dt.timedelta(days=2)),
    ]
    [link] = link_advices([advice], pays)
    assert (link.status, link.payment_ids) == (LinkStatus.LINKED, ("P1", "P2"))
    assert {pid: [x.reference for x in v] for pid, v in link.covered.items()} == {
        "P1": ["INV-1", "INV-3"],
        "P2": ["INV-2"],
    }


def test_the_same_advice_sent_twice_is_used_once() -> None:
    first = _advice("A1", "1500.00", [("INV-1", "1500.00")], number="4711")
    again = _advice(
        "A1D", "1500.00", [("INV-1", "1500.00")], number="4711", day=DAY + dt.timedelta(days=1)
    )
    links = link_advices([again, first], [_pay("P1", "1500.00", "Acme GmbH")])
    assert _ids(links) == [("A1", "linked", ("P1",)), ("A1D", "duplicate", ("P1",))]
    assert links[1].duplicate_of == "A1"
    [p] = apply_advices([_pay("P1", "1500.00", "Acme GmbH")], links)
    assert p.remittance_info == "INV-1"  # once, not twice


def test_the_advice_number_quoted_by_the_bank_line_names_the_sender() -> None:
    advice = _advice("A1", "900.00", sender="Orion Trading Ltd", number="2069479967")
    pays = [
        _pay("P1", "900.00", "", text="SWIFT IN AVIS 2069479967"),
        _pay("P2", "900.00", "Orion Trading"),
    ]
    [link] = link_advices([advice], pays)
    # P2 names the sender too, but P1 quotes the advice itself
    assert link.payment_ids == ("P1",)
    assert "quoting the advice's number" in link.explanation[0]
    [link] = link_advices([advice], [*pays, _pay("P3", "900.00", "", text="AVIS 2069479967")])
    assert link.status is LinkStatus.AMBIGUOUS


def test_master_data_relates_a_payer_to_the_sender() -> None:
    customers = [CustomerProfile("C1", "Acme GmbH", aliases=("Zenith Treasury",))]
    [link] = link_advices(
        [_advice("A1", "1500.00")], [_pay("P1", "1500.00", "Zenith Treasury")], customers=customers
    )
    assert link.payment_ids == ("P1",)


def test_a_payment_claimed_by_two_advices_goes_to_neither_on_a_tie() -> None:
    links = link_advices(
        [_advice("A1", "1500.00"), _advice("A2", "1500.00", [("INV-7", "1500.00")])],
        [_pay("P1", "1500.00", "Acme GmbH")],
    )
    assert [k.status for k in links] == [LinkStatus.AMBIGUOUS, LinkStatus.AMBIGUOUS]


amounts = st.decimals(min_value=1, max_value=5000, places=2)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(amounts, min_size=1, max_size=5),
    noise=st.lists(amounts, max_size=12),
    names=st.lists(
        st.sampled_from(["Acme GmbH", "ACME", "Other AG", ""]), min_size=12, max_size=12
    ),
    seed=st.integers(0, 2**16),
)
def test_linking_is_independent_of_order_and_explains_every_amount(
    lines: list[Decimal], noise: list[Decimal], names: list[str], seed: int
) -> None:
    total = sum(lines, D(0))
    advices = [
        _advice("A1", str(total), [(f"INV-{i}", str(v)) for i, v in enumerate(lines)]),
        _advice("A2", str(lines[0]), sender="Other AG"),
    ]
    pays = [
        _pay(f"P{i}", str(v), names[i], day=DAY + dt.timedelta(days=i % 5))
        for i, v in enumerate(noise)
    ]
    pays.append(_pay("PX", str(total - D("12.00") if total > 100 else total), "Acme GmbH"))
    links = link_advices(advices, pays)
    shuffled = list(pays)
    random.Random(seed).shuffle(shuffled)
    assert _ids(link_advices(list(reversed(advices)), shuffled)) == _ids(links)
    by_id = {p.payment_id: p for p in pays}
    fees = AdvicePolicy().match_policy
    for link in links:
        advice = link.advice
        values = [x.amount_paid for x in advice.lines]
        sums = {advice.stated_total, advice.lines_total} | {
            sum((values[i] for i in range(len(values)) if mask >> i & 1), D(0))
            for mask in range(1, 2 ** len(values))
        }
        for pid in link.payment_ids:
            paid = by_id[pid].amount.amount
            explained = link.explained[pid]
            assert explained in sums, (link, paid)
            assert 0 <= (explained - paid) * 100 <= fees.fee_limit("EUR", int(explained * 100))


# --------------------------------------------------------------------------------------------
# As remittance for the matcher


def test_the_matcher_posts_what_the_advice_says() -> None:
    items = [
        _item("I1", "C1", "INV-2026-000101", "300.00"),
        _item("I2", "C1", "INV-2026-000102", "200.00"),
        _item("I3", "C1", "INV-2026-000103", "250.00"),
        _item("I4", "C1", "INV-2026-000104", "250.00"),
    ]
    customers = [CustomerProfile("C1", "Acme GmbH")]
    pay = _pay("P1", "500.00", "ACME GMBH", text="Zahlung")
    [before] = match_payments([pay], items, customers=customers)
    assert before.decision is not MatchDecision.AUTO  # two subsets add up
    advice = parse_advice(
        "Payment of EUR 500.00\nINV-2026-000101   EUR 300.00\nINV-2026-000102   EUR 200.00\n"
        "Total: EUR 500.00",
        advice_id="A1",
        sender_name="Acme GmbH",
        sent=DAY,
    )
    links = link_advices([advice], [pay], customers=customers, open_items=items)
    [advised] = apply_advices([pay], links, open_items=items)
    assert advised.ultimate_payer_name == "Acme GmbH"
    [after] = match_payments([advised], items, customers=customers)
    assert after.decision is MatchDecision.AUTO
    assert sorted(a.item_id for a in after.allocations) == ["I1", "I2"]


def test_apply_keeps_payments_without_an_advice_as_they_are() -> None:
    pays = [_pay("P1", "10.00", "X"), _pay("P2", "20.00", "Y")]
    assert apply_advices(pays, []) == tuple(pays)
