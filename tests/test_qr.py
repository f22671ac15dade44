"""Pay by scanning (o2c.invoice.qr): EPC QR code and Swiss QR-bill payloads, checked field by field
against the specifications' examples, and their rendering (segno: version, level M, the cross)."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.errors import ValidationError
from o2c.invoice import Address, Customer, Invoice, InvoiceLine, references
from o2c.invoice.parties import BankAccount, Party, PaymentInstructions
from o2c.invoice.qr import (
    EPC_MAX_BYTES,
    EPC_MAX_VERSION,
    SWISS_MAX_CHARACTERS,
    SWISS_MAX_VERSION,
    QRCodeError,
    SwissAddress,
    epc_for_invoice,
    epc_payload,
    is_qr_iban,
    qr_symbol,
    render_png,
    render_svg,
    swiss_for_invoice,
    swiss_payload,
    swiss_qr_reference,
)
from o2c.money import money
from o2c.tax import Tax

segno = pytest.importorskip("segno")

# ----------------------------------------------------------------------------- EPC QR code

#: EPC069-12, section 5.4 (the sample: the Belgian Red Cross, version 001).
EPC_SAMPLE = [
    "BCD",  # service tag
    "001",  # version
    "1",  # character set: UTF-8
    "SCT",  # identification: SEPA credit transfer
    "BPOTBEB1",  # BIC
    "Red Cross of Belgium",  # beneficiary
    "BE72000000001616",  # IBAN
    "EUR1",  # amount
    "CHAR",  # purpose
    "",  # structured remittance (creditor reference)
    "Urgency fund",  # unstructured remittance
    "Sample EPC QR code",  # beneficiary to originator information
]


def test_epc_sample_of_the_specification_field_by_field() -> None:
    payload = epc_payload(
        name="Red Cross of Belgium",
        iban="BE72000000001616",
        bic="BPOTBEB1",
        amount=money("1", "EUR"),
        purpose="CHAR",
        text="Urgency fund",
        information="Sample EPC QR code",
        version="001",
    )
    assert payload.split("\n") == EPC_SAMPLE
    assert not payload.endswith("\n")


def test_epc_amounts_are_written_as_the_specification_shows() -> None:
    def amount(value: str) -> str:
        return epc_payload(name="A", iban="BE72000000001616", amount=money(value, "EUR")).split(
            "\n"
        )[7]

    assert amount("12.34") == "EUR12.34"
    assert amount("12.30") == "EUR12.3"
    assert amount("100") == "EUR100"
    assert amount("0.01") == "EUR0.01"
    assert amount("999999999.99") == "EUR999999999.99"


def test_epc_trailing_empty_fields_are_left_out() -> None:
    payload = epc_payload(name="A", iban="BE72000000001616")
    assert payload == "BCD\n002\n1\nSCT\n\nA\nBE72000000001616"
    with_reference = epc_payload(name="A", iban="BE72000000001616", reference="rf18 5390 0754 7034")
    assert with_reference.split("\n")[7:] == ["", "", "RF18539007547034"]


def _invoice(*, currency: str = "EUR", iban: str = "DE89370400440532013000") -> Invoice:
    return Invoice.create(
        number="INV-2026-0042",
        customer=Customer(
            id="C-42",
            name="Muster GmbH",
            address=Address(
                lines=("Hauptstr. 1",), city="Berlin", postal_code="10115", country="DE"
            ),
        ),
        issue_date=dt.date(2026, 3, 2),
        currency=currency,
        lines=[
            InvoiceLine(
                description="Widget",
                quantity=3,
                unit_price=money("19.99", currency),
                taxes=[Tax.vat("S19", "19")],
            )
        ],
        seller=Party(
            name="Seller AG",
            address=Address(
                lines=("Bahnhofstrasse 7",), city="Zürich", postal_code="8001", country="CH"
            ),
        ),
        payment=PaymentInstructions(account=BankAccount(iban=iban, bic="COBADEFFXXX")),
    )


def test_epc_for_an_invoice_takes_account_amount_due_and_its_rf_reference() -> None:
    inv = _invoice()
    fields = epc_for_invoice(inv).split("\n")
    assert fields[4:] == [
        "COBADEFFXXX",
        "Seller AG",
        "DE89370400440532013000",
        "EUR71.36",
        "",
        inv.references.payment_reference,
    ]
    assert references.is_valid(fields[9])


def test_epc_for_an_invoice_refuses_what_it_cannot_pay() -> None:
    with pytest.raises(QRCodeError, match="amount") as err:
        epc_for_invoice(_invoice(currency="CHF", iban="CH9300762011623852957"))
    assert err.value.field == "amount"
    no_account = Invoice.create(
        number="X-1",
        customer=Customer(id="C", name="C"),
        issue_date=dt.date(2026, 1, 1),
        currency="EUR",
        lines=[InvoiceLine(description="x", quantity=1, unit_price=money("1", "EUR"))],
    )
    with pytest.raises(QRCodeError) as err:
        epc_for_invoice(no_account)
    assert err.value.field == "payment.account"


_LONG = "x" * 71


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": _LONG}, "name"),
        ({"name": "Red\nCross"}, "name"),
        ({"iban": "BE72000000001617"}, "iban"),
        ({"iban": "not an iban"}, "iban"),
        ({"bic": "BPOT"}, "bic"),
        ({"bic": None, "version": "001"}, "bic"),
        ({"version": "003"}, "version"),
        ({"amount": money("1", "USD")}, "amount"),
        ({"amount": money("0", "EUR")}, "amount"),
        ({"amount": money("1000000000", "EUR")}, "amount"),
        ({"amount": money("1.001", "EUR")}, "amount"),
        ({"amount": Decimal("1")}, "amount"),
        ({"purpose": "CHARITY"}, "purpose"),
        ({"purpose": "ch-r"}, "purpose"),
        ({"reference": "RF18539007547035"}, "reference"),
        ({"reference": "RF18539007547034"}, "text"),
        ({"text": "x" * 141}, "text"),
        ({"information": _LONG}, "information"),
        ({"charset": 9}, "charset"),
        ({"charset": 2, "name": "Łódź sp. z o.o."}, "charset"),
        ({"name": "é" * 70, "text": "é" * 140, "information": "é" * 70}, "payload"),
    ],
)
def test_epc_every_field_is_checked_and_named(changes: dict[str, object], field: str) -> None:
    kwargs: dict[str, object] = {
        "name": "Red Cross of Belgium",
        "iban": "BE72000000001616",
        "bic": "BPOTBEB1",
        "amount": money("1", "EUR"),
        "text": "Urgency fund",
    }
    kwargs.update(changes)
    with pytest.raises(QRCodeError) as err:
        epc_payload(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
    assert isinstance(err.value, ValidationError)
    assert field in str(err.value)


_SEPA_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    max_size=140,
).map(str.strip)


@settings(max_examples=60, deadline=None)
@given(
    name=_SEPA_TEXT.filter(bool).map(lambda s: s[:70].strip()).filter(bool),
    cents=st.integers(min_value=1, max_value=99_999_999_999) | st.none(),
    text=_SEPA_TEXT,
    information=_SEPA_TEXT.map(lambda s: s[:70].strip()),
)
def test_epc_payloads_keep_their_fields_on_their_lines(
    name: str, cents: int | None, text: str, information: str
) -> None:
    amount = None if cents is None else money(Decimal(cents).scaleb(-2), "EUR")
    size = len("\n".join([name, text, information]).encode())
    if size > EPC_MAX_BYTES - 60:  # only the byte limit can refuse these fields
        try:
            epc_payload(
                name=name,
                iban="BE72000000001616",
                amount=amount,
                text=text,
                information=information,
            )
        except QRCodeError as err:
            refused = err.field
        else:
            refused = ""
        assert refused in ("", "payload")
        assert refused or size <= EPC_MAX_BYTES
        return
    payload = epc_payload(
        name=name, iban="BE72000000001616", amount=amount, text=text, information=information
    )
    lines = payload.split("\n")
    assert len(lines) <= 12
    assert lines[5] == name
    assert len(payload.encode()) <= EPC_MAX_BYTES
    if amount is not None:
        assert Decimal(lines[7].removeprefix("EUR")) == amount.amount
    if text:
        assert lines[10] == text
    symbol = qr_symbol(payload)
    assert symbol.error == "M"
    assert symbol.version <= EPC_MAX_VERSION


# ----------------------------------------------------------------------------- Swiss QR-bill

#: Swiss Implementation Guidelines QR-bill, example 1 (QR-IBAN with a QR reference), in order.
SWISS_SAMPLE = [
    "SPC",
    "0200",
    "1",
    "CH4431999123000889012",
    "S",
    "Robert Schneider AG",
    "Rue du Lac",
    "1268",
    "2501",
    "Biel",
    "CH",
    *[""] * 7,
    "1949.75",
    "CHF",
    "S",
    "Pia-Maria Rutschmann-Schnyder",
    "Grosse Marktgasse",
    "28",
    "9400",
    "Rorschach",
    "CH",
    "QRR",
    "210000000003139471430009017",
    "Order of 15 June 2020",
    "EPD",
    "//S1/10/10201409/11/200701/20/140.000-53/30/102673831/31/200615/32/7.7/33/7.7:139.40/40/0:30",
    "Name AV1: UV;UltraPay005;12345",
    "Name AV2: XY;XYService;54321",
]
CREDITOR = SwissAddress(
    name="Robert Schneider AG",
    street="Rue du Lac",
    building="1268",
    postal_code="2501",
    town="Biel",
    country="CH",
)
DEBTOR = SwissAddress(
    name="Pia-Maria Rutschmann-Schnyder",
    street="Grosse Marktgasse",
    building="28",
    postal_code="9400",
    town="Rorschach",
    country="CH",
)


def _swiss_sample() -> str:
    return swiss_payload(
        account="CH44 3199 9123 0008 8901 2",
        creditor=CREDITOR,
        amount=money("1949.75", "CHF"),
        debtor=DEBTOR,
        reference="21 00000 00003 13947 14300 09017",
        message="Order of 15 June 2020",
        billing_information=SWISS_SAMPLE[31],
        alternative_procedures=SWISS_SAMPLE[32:],
    )


def test_swiss_sample_of_the_guidelines_field_by_field() -> None:
    fields = _swiss_sample().split("\n")
    assert len(fields) == len(SWISS_SAMPLE) == 34
    for i, (got, want) in enumerate(zip(fields, SWISS_SAMPLE, strict=True)):
        assert got == want, (i, got, want)


def test_swiss_qr_reference_check_digit() -> None:
    assert swiss_qr_reference("21000000000313947143000901") == SWISS_SAMPLE[28]
    # recursive mod 10: zeros keep the carry at 0, then 1 gives table[1] = 9, check 10 - 9
    assert swiss_qr_reference("1") == "0" * 25 + "1" + "1"
    for wrong in ("", "12a", "1" * 27):
        with pytest.raises(QRCodeError):
            swiss_qr_reference(wrong)


def test_swiss_scor_non_and_the_least_payload() -> None:
    scor = swiss_payload(
        account="CH93 0076 2011 6238 5295 7",
        creditor=CREDITOR,
        amount=money("50", "EUR"),
        reference="RF18 5390 0754 7034",
    ).split("\n")
    assert scor[18:20] == ["50.00", "EUR"]
    assert scor[20:27] == [""] * 7  # no debtor
    assert scor[27:] == ["SCOR", "RF18539007547034", "", "EPD"]
    least = swiss_payload(account="CH9300762011623852957", creditor=CREDITOR, currency="CHF")
    assert least.split("\n")[18:] == ["", "CHF", *[""] * 7, "NON", "", "", "EPD"]
    assert len(least.split("\n")) == 31


def test_swiss_for_an_invoice_uses_the_rf_reference_or_a_qr_reference() -> None:
    plain = swiss_for_invoice(_invoice(currency="CHF", iban="CH9300762011623852957"))
    fields = plain.split("\n")
    assert fields[3:11] == [
        "CH9300762011623852957",
        "S",
        "Seller AG",
        "Bahnhofstrasse 7",
        "",
        "8001",
        "Zürich",
        "CH",
    ]
    assert fields[18:20] == ["71.36", "CHF"]
    assert fields[27:29] == ["SCOR", "RF73INV20260042"]
    qr = _invoice(currency="CHF", iban="CH4431999123000889012")
    with pytest.raises(QRCodeError, match="QR-IBAN"):
        swiss_for_invoice(qr)
    ref = swiss_qr_reference("20260042")
    assert swiss_for_invoice(qr, qr_reference=ref).split("\n")[27:29] == ["QRR", ref]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"account": "DE89370400440532013000"}, "account"),
        ({"account": "CH4431999123000889013"}, "account"),
        ({"reference": "RF18539007547034"}, "reference"),  # QR-IBAN needs QRR
        ({"reference": "210000000003139471430009018"}, "reference"),  # check digit
        ({"reference": None}, "reference"),
        (
            {"account": "CH9300762011623852957", "reference": "210000000003139471430009017"},
            "reference",
        ),  # QRR needs a QR-IBAN
        ({"amount": money("1", "USD")}, "amount"),
        ({"amount": money("0.005", "CHF")}, "amount"),
        ({"amount": None, "currency": None}, "currency"),
        ({"amount": money("1", "CHF"), "currency": "EUR"}, "currency"),
        ({"message": "x" * 100, "billing_information": "y" * 41}, "billing_information"),
        ({"message": "Bestellung 東京"}, "message"),
        ({"message": "two\nlines"}, "message"),
        ({"alternative_procedures": ["a", "b", "c"]}, "alternative_procedures"),
        ({"alternative_procedures": ["x" * 101]}, "alternative_procedures[0]"),
        ({"alternative_procedures": "one line"}, "alternative_procedures"),
        ({"creditor": "Robert Schneider AG"}, "creditor"),
    ],
)
def test_swiss_every_field_is_checked_and_named(changes: dict[str, object], field: str) -> None:
    kwargs: dict[str, object] = {
        "account": "CH4431999123000889012",
        "creditor": CREDITOR,
        "amount": money("1949.75", "CHF"),
        "reference": "210000000003139471430009017",
    }
    kwargs.update(changes)
    with pytest.raises(QRCodeError) as err:
        swiss_payload(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 71}, "name"),
        ({"building": "x" * 17}, "building"),
        ({"postal_code": "x" * 17}, "postal_code"),
        ({"town": "x" * 36}, "town"),
        ({"country": "CHE"}, "country"),
        ({"street": "x" * 71}, "street"),
    ],
)
def test_swiss_address_fields_are_checked(changes: dict[str, object], field: str) -> None:
    kwargs: dict[str, object] = {"name": "A", "postal_code": "1", "town": "B", "country": "ch"}
    kwargs.update(changes)
    with pytest.raises(QRCodeError) as err:
        SwissAddress(**kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
    assert SwissAddress(name="A", postal_code="1", town="B", country="ch").country == "CH"


def test_qr_ibans_are_recognised() -> None:
    assert is_qr_iban("CH4431999123000889012")
    assert is_qr_iban("LI21 3000 0000 0000 0000 0")
    assert not is_qr_iban("CH9300762011623852957")
    assert not is_qr_iban("DE89370400440532013000")


@settings(max_examples=40, deadline=None)
@given(
    message=st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüéèàÄÖÜ 0123456789-/"))
    .map(str.strip)
    .filter(lambda s: len(s) <= 140),
    cents=st.integers(min_value=1, max_value=99_999_999_999),
)
def test_swiss_payloads_keep_their_order_and_fit_version_25(message: str, cents: int) -> None:
    payload = swiss_payload(
        account="CH4431999123000889012",
        creditor=CREDITOR,
        debtor=DEBTOR,
        amount=money(Decimal(cents).scaleb(-2), "CHF"),
        reference=swiss_qr_reference(str(cents)),
        message=message,
    )
    fields = payload.split("\n")
    assert fields[:4] == ["SPC", "0200", "1", "CH4431999123000889012"]
    assert Decimal(fields[18]) == Decimal(cents).scaleb(-2)
    assert re.fullmatch(r"[0-9]+\.[0-9]{2}", fields[18])
    assert fields[27] == "QRR"
    assert fields[29] == message
    assert fields[30] == "EPD"
    assert len(payload) <= SWISS_MAX_CHARACTERS
    symbol = qr_symbol(payload)
    assert symbol.error == "M"
    assert symbol.version <= SWISS_MAX_VERSION


# ----------------------------------------------------------------------------- rendering


def _png_pixels(data: bytes) -> tuple[int, list[bytes]]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert (
            zlib.crc32(kind + body)
            == struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        )
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (width, depth, colour) == (height, 8, 0)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = [raw[i * (width + 1) + 1 : (i + 1) * (width + 1)] for i in range(width)]
    return width, rows


def test_epc_png_is_the_symbol_with_its_quiet_zone() -> None:
    payload = epc_payload(name="A", iban="BE72000000001616", amount=money("1", "EUR"))
    symbol = qr_symbol(payload)
    n = symbol.symbol_size(border=0)[0]
    width, rows = _png_pixels(render_png(payload, scale=3, border=4))
    assert width == (n + 8) * 3
    assert set(rows[0]) == {0xFF}  # quiet zone
    # the finder pattern's dark corner module sits at (4, 4) modules
    assert rows[12][12] == 0
    for y, row in enumerate(symbol.matrix):
        for x, dark in enumerate(row):
            assert rows[(y + 4) * 3 + 1][(x + 4) * 3 + 1] == (0 if dark else 0xFF)


def test_swiss_png_has_the_cross_in_the_middle() -> None:
    payload = _swiss_sample()
    symbol = qr_symbol(payload)
    n = symbol.symbol_size(border=0)[0]
    scale = 10
    width, rows = _png_pixels(render_png(payload, scale=scale, border=0))
    assert width == n * scale
    centre = width // 2
    cross = round(n * scale * 7 / 46)  # pixels of the 7 mm cross on the 46 mm symbol
    assert rows[centre][centre] == 0xFF  # the white cross
    inset = cross // 2 - cross // 14 - 2  # just inside the black square's corner
    assert rows[centre - inset][centre - inset] == 0
    assert rows[centre + inset][centre + inset] == 0
    # the white border of the cross: a ring just inside the 7 mm square
    edge = cross // 2 - 1
    assert rows[centre - edge][centre] == 0xFF
    assert rows[centre][centre + edge] == 0xFF


def test_swiss_svg_is_46_mm_with_a_7_mm_cross() -> None:
    payload = _swiss_sample()
    n = qr_symbol(payload).symbol_size(border=0)[0]
    svg = render_svg(payload, border=0).decode()
    assert 'width="46mm"' in svg
    assert f'viewBox="0 0 {n} {n}"' in svg
    cross = re.search(
        r'<g class="swiss-cross"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', svg
    )
    assert cross is not None
    x, y, w = (Decimal(v) for v in cross.groups())
    assert abs(w - Decimal(7 * n) / 46) < Decimal("0.001")
    assert abs(x + w / 2 - Decimal(n) / 2) < Decimal("0.001")
    assert x == y
    bordered = render_svg(payload).decode()
    assert f'viewBox="0 0 {n + 8} {n + 8}"' in bordered


def test_epc_svg_has_no_cross_and_level_m() -> None:
    payload = epc_payload(name="A", iban="BE72000000001616")
    svg = render_svg(payload).decode()
    assert "swiss-cross" not in svg
    assert svg.startswith("<svg")
    assert 'width="' in svg
    assert qr_symbol(payload).error == "M"


@pytest.mark.parametrize(
    ("payload", "field"),
    [("hello", "payload"), ("BCD\n002\nx\nSCT", "payload"), (b"BCD", "payload")],
)
def test_only_payment_payloads_are_drawn(payload: object, field: str) -> None:
    with pytest.raises(QRCodeError) as err:
        qr_symbol(payload)  # type: ignore[arg-type]
    assert err.value.field == field


def test_render_arguments_are_checked() -> None:
    payload = epc_payload(name="A", iban="BE72000000001616")
    with pytest.raises(QRCodeError):
        render_png(payload, scale=0)
    with pytest.raises(QRCodeError):
        render_png(payload, border=-1)
