"""E-invoices: UBL 2.1 (Peppol BIS Billing 3.0, XRechnung) and UN/CEFACT CII D16B (EN 16931,
Factur-X, XRechnung) writers and readers for :class:`o2c.invoice.Invoice`, and validation with
o2c's own rules and the official EN 16931 schematron (:mod:`o2c.invoice.einvoice.schematron`)."""

from __future__ import annotations

__all__: list[str] = []
