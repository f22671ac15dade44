"""Factur-X / ZUGFeRD: a PDF/A-3 with the CII invoice embedded, and the CII taken back out of one.

The visible document is a one-page summary of the invoice (number, dates, parties, lines, VAT
breakdown, totals): the XML is the invoice, the page a rendering.  With the ``pdf`` extra
installed, WeasyPrint renders it from HTML as PDF/A-3b (``pdf_variant="pdf/a-3b"``: fonts embedded,
an sRGB output intent, the PDF/A identification in its XMP); ``factur-x`` then embeds the XML as
``factur-x.xml`` (its relationship, the Factur-X XMP extension schema, the XML checked against
the Factur-X XSD).  Without the ``pdf`` extra the page is drawn by o2c itself in a standard,
not embedded, PDF font with no output intent, which a strict PDF/A-3 checker (veraPDF) refuses:
:func:`pdf_renderer` says which one is in use.  A designed layout can replace the page: pass
its PDF/A-3 bytes as ``visible``.  ``factur-x`` and WeasyPrint stamp the PDF with the time it is
made, so two runs differ in those bytes only.
"""

from __future__ import annotations

import html
import io
import warnings
from typing import Any, Literal

from o2c._optional import require
from o2c.errors import EInvoiceError, MissingExtraError

__all__ = ["facturx_pdf", "pdf_renderer", "summary_html", "summary_pdf", "xml_from_pdf"]

#: WeasyPrint's PDF/A-3 level B (basic: the appearance preserved), as Factur-X asks for.
PDF_VARIANT = "pdf/a-3b"

_PAGE_HEIGHT = 842  # A4 in points
_LEFT = 50
_TOP = 800
_LEADING = 13


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def summary_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` of text (Helvetica 10 pt, as many as fit)."""
    shown = lines[: (_TOP - 40) // _LEADING]
    ops = [f"BT /F1 10 Tf {_LEADING} TL {_LEFT} {_TOP} Td"]
    ops += [f"({_escape(text)}) '" for text in shown]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 {_PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _summary(invoice: Any) -> list[str]:
    kind = "Credit note" if invoice.kind.value == "381" else "Invoice"
    seller = invoice.seller
    out = [
        f"{kind} {invoice.number}   issued {invoice.issue_date.isoformat()}",
        f"From: {seller.name if seller is not None else ''}",
        f"To: {invoice.customer.name} ({invoice.customer.id})",
        "",
    ]
    for line, result in zip(invoice.lines, invoice.tax.lines, strict=True):
        out.append(
            f"{line.description[:60]}  {line.quantity} x {line.unit_price.amount}  "
            f"= {result.net.amount}"
        )
    out.append("")
    for b in invoice.tax.breakdown:
        category = b.category.value if b.category is not None else "-"
        out.append(f"VAT {category} {b.percent}%: base {b.base.amount}, tax {b.amount.amount}")
    t = invoice.totals
    code = invoice.currency.code
    out.append(f"Total without VAT {t.untaxed.amount} {code}, VAT {t.tax_total.amount} {code}")
    out.append(f"Amount due {t.amount_due.amount} {code}")
    if invoice.references.payment_reference:
        out.append(f"Payment reference {invoice.references.payment_reference}")
    out.append("")
    out.append("The embedded factur-x.xml (EN 16931) is the invoice.")
    return out


_CSS = """@page { size: A4; margin: 18mm }
body { font-family: sans-serif; font-size: 9.5pt; color: #222 }
h1 { font-size: 15pt; margin: 0 0 4mm }
table { border-collapse: collapse; width: 100% }
td, th { padding: 1mm 2mm; border-bottom: 0.3pt solid #999; text-align: left }
td.n, th.n { text-align: right }
p.note { font-size: 8pt; color: #555; margin-top: 8mm }"""


def summary_html(invoice: Any) -> str:
    """The summary page of ``invoice`` as one self-contained HTML page (what WeasyPrint
    renders): the same lines as the plain page, the invoice lines and VAT as tables."""
    e = html.escape
    text = _summary(invoice)
    head = "".join(f"<p>{e(line)}</p>" for line in text[1:3])
    rows = "".join(
        f"<tr><td>{e(line.description)}</td><td class='n'>{e(str(line.quantity))}</td>"
        f"<td class='n'>{e(str(line.unit_price.amount))}</td>"
        f"<td class='n'>{e(str(result.net.amount))}</td></tr>"
        for line, result in zip(invoice.lines, invoice.tax.lines, strict=True)
    )
    first_after_lines = 4 + len(invoice.lines) + 1
    tail = "".join(f"<p>{e(line)}</p>" for line in text[first_after_lines:-1] if line)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(text[0])}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(text[0])}</h1>{head}"
        "<table><tr><th>Item</th><th class='n'>Quantity</th><th class='n'>Price</th>"
        f"<th class='n'>Net</th></tr>{rows}</table>{tail}"
        f"<p class='note'>{e(text[-1])}</p></body></html>"
    )


def pdf_renderer() -> Literal["weasyprint", "plain"]:
    """Which page :func:`facturx_pdf` draws: ``weasyprint`` (PDF/A-3b, the ``pdf`` extra) or
    ``plain`` (o2c's own page, not strictly PDF/A-3)."""
    try:
        require("weasyprint", extra="pdf", feature="PDF/A-3 invoice pages")
    except (MissingExtraError, OSError):  # OSError: WeasyPrint without its Pango libraries
        return "plain"
    return "weasyprint"


def _visible(invoice: Any) -> bytes:
    if pdf_renderer() == "plain":
        return summary_pdf(_summary(invoice))
    weasyprint = require("weasyprint", extra="pdf", feature="PDF/A-3 invoice pages")
    page = weasyprint.HTML(string=summary_html(invoice))
    with warnings.catch_warnings():
        # WeasyPrint (70) reads its sRGB profile through a file it leaves to be closed when
        # it is dropped, inside write_pdf: the ResourceWarning says nothing about the PDF.
        warnings.simplefilter("ignore", ResourceWarning)
        return bytes(page.write_pdf(pdf_variant=PDF_VARIANT))


def facturx_pdf(xml: bytes, invoice: Any, *, visible: bytes | None = None) -> bytes:
    """A Factur-X PDF/A-3: ``visible`` (a summary page of ``invoice`` by default, rendered as
    PDF/A-3b by WeasyPrint when the ``pdf`` extra is installed) with the CII ``xml`` embedded as
    ``factur-x.xml`` (checked against the Factur-X XSD by ``factur-x``, which writes the XMP)."""
    facturx = require("facturx", extra="einvoice", feature="Factur-X PDFs", package="factur-x")
    pdf = visible if visible is not None else _visible(invoice)
    try:
        result: bytes = facturx.generate_from_binary(
            pdf, xml, flavor="factur-x", level="en16931", check_xsd=True, lang="en-GB"
        )
    except Exception as exc:  # factur-x raises plain exceptions for XSD failures
        raise EInvoiceError(
            f"factur-x refused the document: {exc}", location="factur-x.xml", field="facturx"
        ) from exc
    return result


def xml_from_pdf(data: bytes) -> bytes:
    """The Factur-X / ZUGFeRD XML embedded in a PDF.

    Raises:
        EInvoiceError: for a PDF without one.
    """
    facturx = require("facturx", extra="einvoice", feature="Factur-X PDFs", package="factur-x")
    try:
        _name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
    except Exception as exc:
        raise EInvoiceError(f"cannot read the PDF: {exc}", location="PDF", field="data") from exc
    if not xml:
        raise EInvoiceError(
            "the PDF has no embedded factur-x.xml / zugferd-invoice.xml / xrechnung.xml",
            location="PDF",
            field="data",
        )
    return bytes(xml)
