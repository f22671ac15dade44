"""Factur-X / ZUGFeRD: a PDF with the CII invoice embedded (``factur-x`` does the embedding,
the XMP metadata and the PDF/A-3 declarations), and the CII taken back out of one.

The visible page is a plain one-page summary o2c draws itself (number, dates, parties, lines,
VAT breakdown, totals) in a standard PDF font: the XML is the invoice, the page a rendering.
A designed layout (WeasyPrint, a reports template) can replace the page: pass its PDF bytes as
``visible``.  The summary page uses a standard (not embedded) font and no output intent, so a
strict PDF/A-3 checker such as veraPDF wants such a rendering (WeasyPrint's
``pdf_variant="pdf/a-3b"`` embeds fonts and an sRGB output intent).  ``factur-x`` stamps the
PDF with the time it is made, so two runs differ in those bytes only.
"""

from __future__ import annotations

import io
from typing import Any

from o2c._optional import require
from o2c.errors import EInvoiceError

__all__ = ["facturx_pdf", "summary_pdf", "xml_from_pdf"]

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


def facturx_pdf(xml: bytes, invoice: Any, *, visible: bytes | None = None) -> bytes:
    """A Factur-X PDF/A-3: ``visible`` (a summary page of ``invoice`` by default) with the CII
    ``xml`` embedded as ``factur-x.xml`` (checked against the Factur-X XSD by ``factur-x``)."""
    facturx = require("facturx", extra="einvoice", feature="Factur-X PDFs", package="factur-x")
    pdf = visible if visible is not None else summary_pdf(_summary(invoice))
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
