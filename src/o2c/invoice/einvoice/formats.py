"""Writing and reading e-invoices: the formats, their syntax and specification ids.

====================  ======  ==============================================================
format                syntax  specification (BT-24)
====================  ======  ==============================================================
``ubl``               UBL     EN 16931 (``urn:cen.eu:en16931:2017``)
``peppol``            UBL     Peppol BIS Billing 3.0
``xrechnung-ubl``     UBL     XRechnung 3.0 (UBL)
``cii``               CII     EN 16931 (the Factur-X / ZUGFeRD EN 16931 profile)
``xrechnung-cii``     CII     XRechnung 3.0 (CII)
``facturx``           PDF     Factur-X EN 16931: a PDF/A-3 with the CII invoice embedded
====================  ======  ==============================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from o2c._optional import require
from o2c.errors import EInvoiceError, MissingExtraError
from o2c.invoice.document import Invoice, Violation, validate
from o2c.invoice.einvoice import cii, table, ubl
from o2c.invoice.einvoice.checks import check_invoice
from o2c.invoice.einvoice.fields import Fields, check_sums, from_fields, to_fields
from o2c.invoice.einvoice.rulepacks import EN16931, FACTURX, PEPPOL, RulePack, require_installed
from o2c.tax import TaxPolicy

__all__ = [
    "FORMATS",
    "Format",
    "PROFILES",
    "Profile",
    "READ_ONLY",
    "RULE_SETS",
    "UNAVAILABLE",
    "business_terms",
    "detect_format",
    "read_einvoice",
    "validate_einvoice",
    "write_einvoice",
]

Format = Literal["ubl", "peppol", "xrechnung-ubl", "cii", "xrechnung-cii", "facturx"]

_PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
_EN16931 = "urn:cen.eu:en16931:2017"
_XRECHNUNG = f"{_EN16931}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"


@attrs.frozen
class Profile:
    """A format: its syntax (``ubl`` or ``cii``), specification id (BT-24) and business
    process (BT-23)."""

    name: str
    syntax: Literal["ubl", "cii"]
    customization: str
    process: str | None
    pdf: bool = False


#: The formats o2c writes, by name.
PROFILES: dict[str, Profile] = {
    "ubl": Profile("ubl", "ubl", _EN16931, None),
    "peppol": Profile(
        "peppol",
        "ubl",
        f"{_EN16931}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        _PEPPOL_PROCESS,
    ),
    "xrechnung-ubl": Profile("xrechnung-ubl", "ubl", _XRECHNUNG, _PEPPOL_PROCESS),
    "cii": Profile("cii", "cii", _EN16931, None),
    "xrechnung-cii": Profile("xrechnung-cii", "cii", _XRECHNUNG, _PEPPOL_PROCESS),
    "facturx": Profile("facturx", "cii", _EN16931, None, pdf=True),
}
FORMATS: tuple[str, ...] = tuple(PROFILES)


def _etree() -> Any:
    return require("lxml.etree", extra="einvoice", feature="e-invoices", package="lxml")


def _profile(format: str) -> Profile:
    profile = PROFILES.get(format) if isinstance(format, str) else None
    if profile is None:
        raise EInvoiceError(
            f"unknown e-invoice format {format!r}; choose one of {', '.join(FORMATS)}",
            location="format",
            field="format",
            value=format,
        )
    return profile


def _xml(fields: Fields, profile: Profile) -> bytes:
    etree = _etree()
    f = dict(fields)
    f["BT-24"] = profile.customization
    f["BT-23"] = profile.process
    if profile.syntax == "ubl":
        credit = f["BT-3"] == "381"
        ns = ubl.CREDIT_NOTE if credit else ubl.INVOICE
        if f.get("BT-14") and not f.get("BT-13"):
            f["BT-13"] = "NA"  # UBL's OrderReference needs an ID (Peppol's convention)
        root = etree.Element(
            f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}",
            nsmap={None: ns, "cac": ubl.CAC, "cbc": ubl.CBC},
        )
        table.write_table(ubl.table(credit), root, f, ubl.NAMESPACES)
    else:
        for key in ("BT-29", "BT-60"):
            if f.get(f"{key}-1") and f.get(key):
                f[f"{key}-G"] = f.pop(key)
        root = etree.Element(f"{{{cii.RSM}}}CrossIndustryInvoice", nsmap=cii.NAMESPACES)
        table.write_table(cii.TABLE, root, f, cii.NAMESPACES)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def write_einvoice(
    invoice: Invoice, format: str, *, check: bool = True, visible: bytes | None = None
) -> bytes:
    """The invoice as an e-invoice in ``format`` (see :data:`FORMATS`): XML, or PDF bytes for
    ``facturx``.

    Amounts are written exactly as o2c computed them.  With ``check`` (the default) the master
    data is checked first (:func:`~o2c.invoice.einvoice.check_invoice`: VAT ids, company ids and
    IBANs by their check digits, the addresses and references the format requires).
    ``visible`` is the PDF a ``facturx`` document shows (a one-page summary by default).

    Raises:
        EInvoiceError: for an unknown format, an invoice EN 16931 cannot express, or master data
            that fails the checks (``violations`` in its context lists them all).
        MissingExtraError: without the ``einvoice`` extra (lxml, factur-x ...).
    """
    profile = _profile(format)
    if not isinstance(invoice, Invoice):
        raise EInvoiceError(
            f"expected an Invoice, got {type(invoice).__name__}", location="invoice"
        )
    fields = to_fields(invoice)
    if check:
        found = check_invoice(invoice, profile.name)
        if found:
            raise EInvoiceError(
                f"{len(found)} problem(s) in the master data for {profile.name}: "
                + "; ".join(f"{v.code} {v.field}: {v.message}" for v in found),
                location=found[0].code,
                field=found[0].field,
                violations=found,
            )
    xml = _xml(fields, profile)
    if profile.pdf:
        from o2c.invoice.einvoice.pdf import facturx_pdf

        return facturx_pdf(xml, invoice, visible=visible)
    return xml


def _parse(data: bytes) -> Any:
    etree = _etree()
    if not isinstance(data, bytes | bytearray):
        raise EInvoiceError(
            f"an e-invoice is bytes, got {type(data).__name__}", location="/", field="data"
        )
    if bytes(data[:5]) == b"%PDF-":
        from o2c.invoice.einvoice.pdf import xml_from_pdf

        data = xml_from_pdf(bytes(data))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )
    try:
        return etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        raise EInvoiceError(f"not well-formed XML: {exc}", location="/", field="data") from None


def detect_format(data: bytes) -> str:
    """The format of an e-invoice (one of :data:`FORMATS`) from its root and BT-24.

    Raises:
        EInvoiceError: for a document that is none of them.
    """
    root = _parse(data)
    pdf = bytes(data[:5]) == b"%PDF-"
    return _format_of(root, pdf)


def _customization(root: Any) -> str:
    """The document's specification identifier (BT-24)."""
    if root.tag == f"{{{cii.RSM}}}CrossIndustryInvoice":
        path = (
            f"{{{cii.RSM}}}ExchangedDocumentContext/"
            f"{{{cii.RAM}}}GuidelineSpecifiedDocumentContextParameter/{{{cii.RAM}}}ID"
        )
    else:
        path = f"{{{ubl.CBC}}}CustomizationID"
    return (root.findtext(path) or "").strip()


def _format_of(root: Any, pdf: bool) -> str:
    tag = root.tag
    if tag in (f"{{{ubl.INVOICE}}}Invoice", f"{{{ubl.CREDIT_NOTE}}}CreditNote"):
        syntax = "ubl"
    elif tag == f"{{{cii.RSM}}}CrossIndustryInvoice":
        syntax = "cii"
    else:
        raise EInvoiceError(
            f"root element {tag} is neither a UBL Invoice/CreditNote nor a CII "
            "CrossIndustryInvoice",
            location="/",
            field="data",
        )
    found = _customization(root)
    for profile in PROFILES.values():
        if profile.syntax == syntax and profile.customization == found and profile.pdf == pdf:
            return profile.name
    if not found.startswith(_EN16931):
        raise EInvoiceError(
            f"specification {found!r} (BT-24) is not EN 16931 or a CIUS of it",
            location="BT-24",
            field="BT-24",
            value=found,
        )
    return "facturx" if pdf else syntax  # another CIUS of EN 16931: read as the core


def _fields(root: Any) -> tuple[Fields, Literal["ubl", "cii"]]:
    if root.tag == f"{{{cii.RSM}}}CrossIndustryInvoice":
        f = table.read_table(cii.TABLE, root, cii.NAMESPACES)
        for key in ("BT-29", "BT-60"):
            if f.get(f"{key}-G"):
                f[key] = f.pop(f"{key}-G")
        return f, "cii"
    credit = root.tag == f"{{{ubl.CREDIT_NOTE}}}CreditNote"
    f = table.read_table(ubl.table(credit), root, ubl.NAMESPACES)
    if f.get("BT-13") == "NA" and f.get("BT-14"):
        del f["BT-13"]
    return f, "ubl"


def read_einvoice(data: bytes, *, policy: TaxPolicy | None = None) -> Invoice:
    """The invoice of an e-invoice in any of :data:`FORMATS` (the format is recognised).

    The invoice is built again from its lines with :meth:`Invoice.create` under ``policy``
    (EN 16931's global rounding by default: give the policy the sender rounds with when it is
    another) and must come to the document's stated amounts.

    Raises:
        EInvoiceError: for a document that is not well-formed, not an EN 16931 invoice or
            credit note, breaks an EN 16931 sum (BR-CO-10 ... BR-CO-16) or states amounts its
            lines do not compute to.
    """
    root = _parse(data)
    _format_of(root, bytes(data[:5]) == b"%PDF-")
    fields, _syntax = _fields(root)
    return from_fields(fields, policy=policy)


def validate_einvoice(
    data: bytes,
    *,
    format: str | None = None,
    on: dt.date | None = None,
    policy: TaxPolicy | None = None,
    packs: Iterable[RulePack] = (),
    warnings: bool = False,
) -> tuple[Violation, ...]:
    """Every rule an e-invoice breaks: the document's own EN 16931 sums, o2c's rules on the
    invoice read from it (:func:`o2c.invoice.validate`) and, when the ``einvoice`` extra is
    installed, the official rules of its format (:data:`RULE_SETS`, run by
    :mod:`o2c.invoice.einvoice.schematron`): EN 16931 for every format, the Factur-X EN 16931
    profile's for ``cii`` and ``facturx``, Peppol BIS Billing 3.0's for ``peppol``.

    ``format`` is the document's (recognised from its BT-24 by default; a document of another
    CIUS of EN 16931 is checked with the EN 16931 rules).  ``packs`` are rule packs of your own
    (:func:`~o2c.invoice.einvoice.rulepacks.packs_from_directory`, XRechnung's KoSIT rules ...):
    those of the document's syntax run too, and one named like an installed rule set replaces
    it from its ``valid_from``.  ``on`` chooses the packs (the invoice date by default).  The
    official rules' findings are :class:`~o2c.invoice.einvoice.schematron.RuleFinding` s (rule
    id, severity): the fatal ones, and with ``warnings`` the warnings too.  A rule set whose
    extra is missing (Peppol's: ``peppol``) is reported as ``O2C-RULES-UNAVAILABLE``, never
    passed silently.  Empty when the document conforms.

    Raises:
        EInvoiceError: for data that is not an e-invoice, or a ``format`` of another syntax.
        MissingExtraError: without the ``einvoice`` extra (lxml, saxonche, factur-x).
    """
    root = _parse(data)
    found: list[Violation] = []
    fields, syntax = _fields(root)
    rules = _rule_sets(root, bytes(data[:5]) == b"%PDF-", syntax, format)
    for rule, key, message in check_sums(fields):
        found.append(Violation(rule, key, message))
    invoice = None
    try:
        _format_of(root, bytes(data[:5]) == b"%PDF-")
        invoice = from_fields(fields, policy=policy)
    except EInvoiceError as exc:
        if not found:
            found.append(Violation(exc.location, exc.field, exc.message))
    if invoice is not None:
        found.extend(validate(invoice))
    found.extend(_official(root, syntax, on or _issue_date(fields), rules, tuple(packs), warnings))
    seen: set[object] = set()
    unique = []
    for v in found:
        seen_as: object = v.code if v.code.startswith("BR-") else (v.code, v.field)
        if seen_as not in seen:
            seen.add(seen_as)
            unique.append(v)
    return tuple(unique)


def _rule_sets(
    root: Any, pdf: bool, syntax: Literal["ubl", "cii"], format: str | None
) -> tuple[str, ...]:
    """The official rule sets of the document's format (given, or recognised by its BT-24)."""
    if format is not None:
        profile = _profile(format)
        if profile.syntax != syntax:
            raise EInvoiceError(
                f"format {format!r} is {profile.syntax.upper()}, the document is {syntax.upper()}",
                location="format",
                field="format",
                value=format,
            )
        return RULE_SETS[profile.name]
    try:
        profile = _profile(_format_of(root, pdf))
    except EInvoiceError:  # not EN 16931 (BT-24): reported by validate_einvoice, checked as core
        return (EN16931,)
    if profile.customization != _customization(root):
        return (EN16931,)  # another CIUS of EN 16931: its core rules
    return RULE_SETS[profile.name]


def _issue_date(fields: Fields) -> dt.date | None:
    try:
        return dt.date.fromisoformat(fields.get("BT-2") or "")
    except ValueError:
        return None


#: The official rule sets each format is checked by (:mod:`o2c.invoice.einvoice.rulepacks`):
#: EN 16931 always; the Factur-X EN 16931 profile's XSLT holds EN 16931's CII rules and its own,
#: so ``cii`` and ``facturx`` (written to its BT-24) run that one alone; XRechnung (another
#: BT-24) is checked with EN 16931 (KoSIT's rules are a pack of your own).
RULE_SETS: dict[str, tuple[str, ...]] = {
    "ubl": (EN16931,),
    "peppol": (EN16931, PEPPOL),
    "xrechnung-ubl": (EN16931,),
    "cii": (FACTURX,),
    "xrechnung-cii": (EN16931,),
    "facturx": (FACTURX,),
}
#: The code of the finding that says a rule set could not run (its extra is missing).
UNAVAILABLE = "O2C-RULES-UNAVAILABLE"


def _official(
    root: Any,
    syntax: Literal["ubl", "cii"],
    on: dt.date | None,
    rules: tuple[str, ...],
    packs: tuple[RulePack, ...],
    warnings: bool,
) -> tuple[Violation, ...]:
    """The official rules' findings (fatal; with ``warnings`` the others too), and one
    :data:`UNAVAILABLE` finding for each rule set that cannot run."""
    from o2c.invoice.einvoice import schematron

    names = list(rules)
    names += [p.name for p in packs if p.syntax == syntax and p.name not in names]
    available = schematron.available_packs(packs)
    out: list[Violation] = []
    runnable = []
    for name in names:
        try:
            require_installed(available, name, syntax)
        except MissingExtraError as exc:
            message = f"{exc}: the document was not checked against these rules"
            out.append(Violation(UNAVAILABLE, name, message))
        else:
            runnable.append(name)
    xml = _etree().tostring(root, xml_declaration=True, encoding="UTF-8")
    findings = schematron.validate_xml(xml, syntax=syntax, on=on, rules=runnable, packs=packs)
    out.extend(findings if warnings else schematron.fatal(findings))
    return tuple(out)


#: Terms the tables read from received invoices but o2c never writes: line allowances and
#: charges (folded into the line's discount) and the price base quantity.
READ_ONLY = frozenset({"BG-27", "BG-28", "BT-136", "BT-137", "BT-138", "BT-141", "BT-149"})


def business_terms(syntax: Literal["ubl", "cii"], *, read: bool = False) -> tuple[str, ...]:
    """The business terms (BT / BG codes) the table of ``syntax`` writes (with ``read``: reads
    too), sorted."""
    nodes = cii.TABLE if syntax == "cii" else ubl.table(False) + ubl.table(True)
    keys = {k.removesuffix("-G") for k in table.keys_of(nodes)}
    if not read:
        keys -= READ_ONLY

    def order(key: str) -> tuple[str, int, str]:
        head, _, rest = key.partition("-")
        number, _, sub = rest.partition("-")
        return (head, int(number), sub)

    return tuple(sorted(keys, key=order))
