"""Invoices as JSON: every input of an :class:`~o2c.invoice.Invoice`, lossless; the derived
amounts are computed again on reading and checked against the stored ones.

This module imports nothing from :mod:`o2c.invoice.document` (which calls it): reading is
given the document's types.
"""

from __future__ import annotations

from typing import Any, TypeVar

from o2c.errors import InvalidInvoiceError

__all__ = ["invoice_from_json", "invoice_to_json"]

T = TypeVar("T")


def invoice_to_json(invoice: Any) -> str:
    """The invoice as JSON text."""
    raise InvalidInvoiceError("JSON is not written yet", field="invoice", value=None)


def invoice_from_json(
    text: str | bytes, *, invoice: type[T], line: type, references: type, kind: type
) -> T:
    """The invoice :func:`invoice_to_json` wrote."""
    raise InvalidInvoiceError("JSON is not read yet", field="text", value=None)
