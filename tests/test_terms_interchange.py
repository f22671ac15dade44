"""X12 ITD and EN 16931 / UBL (XRechnung #SKONTO#) interchange of payment terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import InvalidTermsError
from o2c.money import money
from o2c.terms import (
    AddDays,
    DiscountTier,
    PaymentTerms,
    SettlementCondition,
    TermLine,
    X12Terms,
    from_ubl,
    from_x12,
    to_ubl,
    to_x12,
)

D = dt.date


# ----------------------------------------------------------------------------------- X12


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("net 30", ["ITD*01*3*****30*****net 30~"]),
        ("2/10 net 30", ["ITD*08*3*2**10**30*****2/10 net 30~"]),
        ("2/10 net 30 EOM", ["ITD*02*3*2**10**30*****2/10 net 30 EOM~"]),
        ("10th prox", ["ITD*09*3**********10th prox*10~"]),
        ("net 30 ROG", ["ITD*01*2*****30*****net 30 ROG~"]),
        ("net 30 ROI", ["ITD*01*5*****30*****net 30 ROI~"]),
        ("due on receipt", ["ITD*23*3**********due on receipt~"]),
        ("COD", ["ITD*31*3**********COD~"]),
        ("CIA", ["ITD*26*3**********CIA~"]),
        ("CWO", ["ITD*30*3**********CWO~"]),
        (
            "3/14 2/30 net 45",
            [
                "ITD*08*3*3**14**45*****3/14 2/30 net 45~",
                "ITD*08*3*2**30**45*****3/14 2/30 net 45~",
            ],
        ),
        (
            "30% advance, 70% net 60",
            [
                "ITD*04*3*****0****30*30% advance, 70% net 60~",
                "ITD*04*3*****60****70*30% advance, 70% net 60~",
            ],
        ),
    ],
)
def test_x12_segments_and_back(text: str, segments: list[str]) -> None:
    terms = PaymentTerms.parse(text)
    got = [s.segment() for s in to_x12(terms)]
    assert got == segments
    assert from_x12(got) == terms


def test_x12_description_carries_what_itd_cannot() -> None:
    terms = PaymentTerms.parse("2/10 net 30 roll=modified_following partial=pro_rata")
    assert from_x12([s.segment() for s in to_x12(terms)]) == terms
    # A description that says something else than the elements is not believed.
    assert str(from_x12(["ITD*08*3*2**10**30*****3/10 net 30~"])) == "2/10 net 30"
    assert str(from_x12(["ITD*01*3*****30*****Net 30 days from invoice~"])) == "net 30"


def test_x12_with_a_schedule_fills_dates_and_amounts() -> None:
    terms = PaymentTerms.parse("2/10 net 30 EOM")
    schedule = terms.schedule(D(2024, 6, 16), money("1000.00", "USD"))
    (seg,) = to_x12(terms, schedule)
    assert seg.discount_due_date == D(2024, 7, 10)
    assert seg.net_due_date == D(2024, 7, 30)
    assert seg.discount_amount == 2000  # N2: cents
    assert seg.segment() == "ITD*02*3*2*20240710*10*20240730*30*2000****2/10 net 30 EOM~"
    assert X12Terms.from_segment(seg.segment()) == seg


def test_x12_instalments_with_a_schedule_and_fixed_amounts() -> None:
    terms = PaymentTerms.parse("USD100.00 advance, balance net 30")
    schedule = terms.schedule(D(2024, 1, 1), money("250.00", "USD"))
    segs = to_x12(terms, schedule)
    assert [(s.deferred_due_date, s.deferred_amount, s.percent_payable) for s in segs] == [
        (D(2024, 1, 1), 10000, None),
        (D(2024, 1, 31), 15000, None),
    ]
    back = from_x12(["ITD*04*3*****0***10000~", "ITD*04*3*****30****100~"], currency_code="USD")
    assert back.lines == (
        TermLine.of_amount(money("100.00", "USD"), 0),
        TermLine.of_percent("100", 30),
    )


def test_x12_fixed_discount_needs_a_currency() -> None:
    with pytest.raises(InvalidTermsError, match="currency_code"):
        from_x12(["ITD*08*3***10**30*1500~"])
    terms = from_x12(["ITD*08*3***10**30*1500~"], currency_code="EUR")
    assert terms.discounts == (DiscountTier(amount=money("15.00", "EUR"), deadline=(AddDays(10),)),)


def test_x12_other_separators_and_terms_types() -> None:
    assert str(from_x12(["ITD|01|3|||||30~"])) == "net 30"
    assert str(from_x12(["ITD*12*3~"])) == "net 10 EOM"  # 10 days after end of month
    assert str(from_x12(["ITD*33*3***********21~"])) == "21st prox"  # net MFI
    assert from_x12(["ITD*23~"]).settlement is SettlementCondition.ON_RECEIPT


@pytest.mark.parametrize(
    "segment",
    ["ITA*01*3~", "ITD*01*3*x~", "ITD*01*3*2*2024-01-01~", "ITD*01*3*2**ten~", "ITD*08*3*2~"],
)
def test_x12_malformed_segments_are_refused(segment: str) -> None:
    with pytest.raises(InvalidTermsError):
        from_x12([segment])


@pytest.mark.parametrize(
    "text",
    [
        "net 1m+eom",
        "2/10 net 30 base=untaxed",
        "10% net 2 with 10/1, balance net 8",
        "2/10 30% advance, balance net 60",
        "net 30 baseline=cut25+eom",
        "2/1m net 60",
    ],
)
def test_x12_refuses_terms_it_cannot_carry(text: str) -> None:
    with pytest.raises(InvalidTermsError, match="X12 ITD"):
        to_x12(PaymentTerms.parse(text))


def test_x12_refuses_an_instalment_of_the_untaxed_amount_naming_it() -> None:
    # ITD07 is a percent of the invoice amount: writing 30 for "30% untaxed" would ask for 30%
    # of the total. The plain percentage of the same terms is still written.
    with pytest.raises(InvalidTermsError, match=r"line\(s\) \[1\].*untaxed") as info:
        to_x12(PaymentTerms.parse("30% untaxed advance, balance net 30"))
    assert info.value.field == "lines"
    assert (info.value.context["line"], info.value.context["lines"]) == (1, [1])
    plain = to_x12(PaymentTerms.parse("30% advance, balance net 30"))
    assert [s.percent_payable for s in plain] == [Decimal(30), Decimal(70)]


_X12_TEXTS = st.builds(
    lambda tiers, net, eom, basis: " ".join(
        [*(f"{p}/{d}" for p, d in tiers), f"net {net}", *(["EOM"] if eom else []), basis]
    ).strip(),
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=60)),
        max_size=3,
    ),
    st.integers(min_value=0, max_value=180),
    st.booleans(),
    st.sampled_from(["", "ROG", "ROI"]),
)


@given(_X12_TEXTS)
def test_x12_round_trips_every_expressible_single_term(text: str) -> None:
    terms = PaymentTerms.parse(text)
    segments = [s.segment() for s in to_x12(terms)]
    assert from_x12(segments) == terms


# ----------------------------------------------------------------------------- UBL / EN 16931


def test_ubl_note_with_skonto_lines_and_xml() -> None:
    terms = PaymentTerms.parse("3/14 2/30 net 45")
    ubl = to_ubl(terms)
    assert (
        ubl.note
        == "3/14 2/30 net 45\n#SKONTO#TAGE=14#PROZENT=3.00#\n#SKONTO#TAGE=30#PROZENT=2.00#\n"
    )
    assert ubl.discount_percent == Decimal("3")
    assert from_ubl(ubl.note) == terms
    plain = to_ubl(PaymentTerms.parse("net 30"))
    assert plain.note == "net 30"
    assert plain.xml() == "<cac:PaymentTerms><cbc:Note>net 30</cbc:Note></cac:PaymentTerms>"


def test_ubl_with_a_schedule_counts_tage_from_the_invoice_date() -> None:
    terms = PaymentTerms.parse("2/10 net 30 EOM")
    schedule = terms.schedule(D(2024, 6, 16), money("1000.00", "EUR"))
    ubl = to_ubl(terms, schedule)
    assert ubl.note == "2/10 net 30 EOM\n#SKONTO#TAGE=24#PROZENT=2.00#\n"  # 16 Jun -> 10 Jul
    assert ubl.due_date == D(2024, 7, 30)
    assert ubl.discount_deadline == D(2024, 7, 10)
    assert ubl.discount_amount == money("20.00", "EUR")
    xml = ubl.xml()
    assert xml.startswith("<cbc:DueDate>2024-07-30</cbc:DueDate><cac:PaymentTerms>")
    assert '<cbc:SettlementDiscountAmount currencyID="EUR">20.00<' in xml
    assert "<cac:SettlementPeriod><cbc:EndDate>2024-07-10</cbc:EndDate>" in xml
    # The notation's own tiers win over the restated days when the baseline is not BT-2.
    assert from_ubl(ubl.note) == terms


def test_ubl_basisbetrag_for_untaxed_base_and_instalments() -> None:
    terms = PaymentTerms.parse("2/10 net 30 base=untaxed")
    s = terms.schedule(D(2024, 1, 1), money("119.00", "EUR"), untaxed=money("100.00", "EUR"))
    assert to_ubl(terms, s).note.endswith("#SKONTO#TAGE=10#PROZENT=2.00#BASISBETRAG=100.00#\n")
    per = PaymentTerms.parse("50% net 10 with 3/5, balance net 40 with 2/20")
    s2 = per.schedule(D(2024, 1, 1), money("200.00", "EUR"))
    assert to_ubl(per, s2).note.splitlines()[1:] == [
        "#SKONTO#TAGE=5#PROZENT=3.00#BASISBETRAG=100.00#",
        "#SKONTO#TAGE=20#PROZENT=2.00#BASISBETRAG=100.00#",
    ]
    with pytest.raises(InvalidTermsError, match="schedule"):
        to_ubl(per)


def test_ubl_refuses_what_xrechnung_cannot_say() -> None:
    with pytest.raises(InvalidTermsError):
        to_ubl(PaymentTerms.parse("EUR5.00/10 net 30"))
    with pytest.raises(InvalidTermsError):
        to_ubl(PaymentTerms.parse("2/10 net 30 ROG"))
    with pytest.raises(InvalidTermsError):
        to_ubl(PaymentTerms.parse("2/1m net 60"))
    assert to_ubl(PaymentTerms.parse("EUR5.00/10 net 30"), skonto=False).note == (
        "EUR5.00/10 net 30"
    )


def test_ubl_escapes_xml() -> None:
    from o2c.terms import UblPaymentTerms

    assert "<cbc:Note>a &lt;b&gt; &amp; c</cbc:Note>" in UblPaymentTerms(note="a <b> & c").xml()


def test_from_ubl_free_text_dates_and_errors() -> None:
    text = "Zahlbar innerhalb 30 Tagen\n#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=100.00#\n"
    terms = from_ubl(text, issue_date=D(2024, 1, 10), due_date=D(2024, 2, 9))
    assert str(terms) == "2/14 net 30"
    assert from_ubl("2/10 net 30\n#SKONTO#TAGE=7#PROZENT=3.00#\n") == PaymentTerms.parse(
        "3/7 net 30"
    )  # the #SKONTO# lines are the structured truth
    with pytest.raises(InvalidTermsError, match="issue_date"):
        from_ubl("Zahlbar sofort")
    with pytest.raises(InvalidTermsError, match="Skonto syntax"):
        from_ubl("net 30\n#SKONTO#TAGE=14#PROZENT=2#\n")  # PROZENT needs two decimals
    with pytest.raises(InvalidTermsError):
        from_ubl("30% advance, 70% net 60\n#SKONTO#TAGE=14#PROZENT=2.00#\n")
    with pytest.raises(InvalidTermsError):
        from_ubl("net 30 EOM\n#SKONTO#TAGE=14#PROZENT=2.00#\n")


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=9999).map(lambda u: Decimal(u).scaleb(-2)),
            st.integers(min_value=0, max_value=120),
        ),
        min_size=1,
        max_size=3,
    ),
    st.integers(min_value=0, max_value=180),
)
def test_skonto_lines_round_trip(tiers: list[tuple[Decimal, int]], net: int) -> None:
    terms = PaymentTerms.net(
        net, discounts=[DiscountTier(percent=p, deadline=(AddDays(d),)) for p, d in tiers]
    )
    assert from_ubl(to_ubl(terms).note) == terms


def _refused_or_terms(call: object) -> None:
    """Run ``call``; anything but terms or an InvalidTermsError is a bug."""
    try:
        result = call()  # type: ignore[operator]
    except InvalidTermsError:
        return
    assert isinstance(result, PaymentTerms)


@given(
    st.lists(
        st.sampled_from(["ITD", "*", "01", "02", "04", "09", "23", "3", "2", "10", "30", "", "x"]),
        max_size=16,
    ).map("".join)
)
def test_junk_itd_segments_are_refused_as_terms_errors(text: str) -> None:
    _refused_or_terms(lambda: from_x12([text], currency_code="USD"))


@given(st.text(alphabet="#SKONTOTAGEPRZ=0123456789.\nnet /%", max_size=60))
def test_junk_notes_are_refused_as_terms_errors(note: str) -> None:
    _refused_or_terms(lambda: from_ubl(note, issue_date=D(2024, 1, 1), due_date=D(2024, 1, 31)))
