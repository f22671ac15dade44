"""E-invoices: UBL 2.1 (Peppol BIS Billing 3.0, XRechnung) and UN/CEFACT CII D16B (EN 16931,
Factur-X, XRechnung) writers and readers for :class:`o2c.invoice.Invoice`, and validation with
o2c's own rules and the official rules (:mod:`o2c.invoice.einvoice.schematron`): the EN 16931
schematron, the Factur-X profile's and Peppol BIS Billing 3.0's, as dated rule packs
(:mod:`o2c.invoice.einvoice.rulepacks`).

- :func:`write_einvoice` / :func:`read_einvoice` / :func:`validate_einvoice`
  (:mod:`~o2c.invoice.einvoice.formats`);
- the business terms of an invoice and back (:mod:`~o2c.invoice.einvoice.fields`);
- one table per syntax says where each business term sits, for writing and reading
  (:mod:`~o2c.invoice.einvoice.ubl`, :mod:`~o2c.invoice.einvoice.cii`);
- the master-data checks on the way out (:mod:`~o2c.invoice.einvoice.checks`);
- Factur-X PDFs (:mod:`~o2c.invoice.einvoice.pdf`).
"""

from __future__ import annotations

from o2c.invoice.einvoice.checks import check_iban, check_invoice, check_vat_id
from o2c.invoice.einvoice.fields import vat_id
from o2c.invoice.einvoice.formats import (
    FORMATS,
    PROFILES,
    RULE_SETS,
    Profile,
    business_terms,
    detect_format,
    read_einvoice,
    validate_einvoice,
    write_einvoice,
)

__all__ = [
    "FORMATS",
    "PROFILES",
    "Profile",
    "RULE_SETS",
    "business_terms",
    "check_iban",
    "check_invoice",
    "check_vat_id",
    "detect_format",
    "read_einvoice",
    "validate_einvoice",
    "vat_id",
    "write_einvoice",
]
