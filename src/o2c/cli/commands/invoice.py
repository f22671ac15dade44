"""``o2c invoice``: e-invoices out and in.

- ``o2c invoice export --format FORMAT FILE.json --out FILE`` writes the invoice of an o2c
  invoice JSON file (:meth:`o2c.invoice.Invoice.to_json`) as an e-invoice: ``ubl``, ``peppol``,
  ``xrechnung-ubl``, ``cii``, ``xrechnung-cii`` (XML) or ``facturx`` (PDF).  The master data is
  checked first (VAT ids, company ids, IBANs, what the format requires); ``--no-check`` skips it.
- ``o2c invoice validate FILE`` checks an e-invoice (UBL, CII or Factur-X PDF: o2c's own rules
  and the official rules of its format: EN 16931, Factur-X, Peppol BIS 3) or an o2c invoice JSON
  file (o2c's rules) and prints each violation as ``CODE field: message``; exit status 0 when
  there is none, 1 when there are.  ``--format`` checks the document as that format,
  ``--warnings`` lists the official rules' warnings too (they do not change the exit status),
  ``--rules DIR`` adds rules of your own: a directory with a ``rulepacks.json`` manifest
  (:func:`o2c.invoice.einvoice.rulepacks.packs_from_manifest`) or of XSLTs named with ``UBL`` /
  ``CII`` (one rule set named after the directory, in force on every date:
  :func:`~o2c.invoice.einvoice.rulepacks.packs_from_directory`), such as XRechnung's KoSIT rules.
- ``o2c invoice import FILE --out FILE.json`` reads an e-invoice into an o2c invoice JSON file.

Bad input (a file that is not JSON or XML, an unknown format, an invoice EN 16931 cannot express,
master data that fails its checks) ends with exit status 2 and one line naming the problem.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from o2c.cli.commands import input_file, output_file

__all__ = ["register"]

#: The exit status of ``validate`` when the document breaks rules (as linters do).
EXIT_VIOLATIONS = 1


def register(subparsers: Any) -> None:
    """Add the ``invoice`` sub-command (``export``, ``validate``, ``import``) to ``o2c``."""
    from o2c.invoice.einvoice.formats import FORMATS

    parser = subparsers.add_parser(
        "invoice",
        help="e-invoices: export (UBL, Peppol, XRechnung, CII, Factur-X), validate, import",
        description="E-invoices out and in: export an o2c invoice JSON file as UBL / CII / "
        "Factur-X, validate an e-invoice against o2c's rules and the official EN 16931 rules, "
        "import an e-invoice as o2c invoice JSON.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write an o2c invoice JSON file as an e-invoice",
        description="Write the invoice of an o2c invoice JSON file as an e-invoice.",
    )
    export.add_argument("--format", required=True, choices=FORMATS, help="the e-invoice format")
    export.add_argument("file", metavar="FILE.json", type=input_file, help="o2c invoice JSON")
    export.add_argument("--out", required=True, type=output_file, help="the e-invoice to write")
    export.add_argument(
        "--no-check",
        dest="check",
        action="store_false",
        help="skip the master-data checks (VAT ids, IBANs, what the format requires)",
    )
    export.set_defaults(func=_export)
    validate = actions.add_parser(
        "validate",
        help="check an e-invoice (or o2c invoice JSON) and list the rules it breaks",
        description="Check an e-invoice (UBL, CII, Factur-X PDF) or an o2c invoice JSON file; "
        "print each broken rule as 'CODE field: message'; exit 1 when there is one.",
    )
    validate.add_argument("file", metavar="FILE", type=input_file, help="the file to check")
    validate.add_argument(
        "--format", choices=FORMATS, help="check it as this format (default: its own BT-24)"
    )
    validate.add_argument(
        "--rules",
        metavar="DIR",
        action="append",
        default=[],
        help="rules of your own: a directory of XSLTs (or with rulepacks.json); repeatable",
    )
    validate.add_argument(
        "--warnings", action="store_true", help="list the official rules' warnings too"
    )
    validate.set_defaults(func=_validate)
    load = actions.add_parser(
        "import",
        help="read an e-invoice into an o2c invoice JSON file",
        description="Read an e-invoice (UBL, CII, Factur-X PDF) into an o2c invoice JSON file.",
    )
    load.add_argument("file", metavar="FILE", type=input_file, help="the e-invoice")
    load.add_argument("--out", required=True, type=output_file, help="the JSON file to write")
    load.set_defaults(func=_import)


def _export(args: argparse.Namespace) -> int:
    from o2c.invoice import Invoice
    from o2c.invoice.einvoice import write_einvoice

    invoice = Invoice.from_json(Path(args.file).read_bytes())
    data = write_einvoice(invoice, args.format, check=args.check)
    Path(args.out).write_bytes(data)
    print(f"{args.out}: {invoice.number} as {args.format} ({len(data):,} bytes)")
    return 0


def _is_json(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{"


def _packs(directory: str) -> tuple[Any, ...]:
    """The rule packs of a directory: its ``rulepacks.json`` manifest, or its XSLTs as one rule
    set named after the directory (in force on every date)."""
    from o2c.errors import ValidationError
    from o2c.invoice.einvoice.rulepacks import packs_from_directory, packs_from_manifest

    path = Path(directory)
    if not path.is_dir():
        raise ValidationError(f"--rules {directory!r} is not a directory", field="--rules")
    manifest = path / "rulepacks.json"
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValidationError(f"{manifest}: not JSON ({exc})", field="--rules") from None
        return packs_from_manifest(entries, base=path)
    return packs_from_directory(
        path,
        [f.name for f in path.iterdir() if f.is_file()],
        name=path.resolve().name,
        version="local",
        valid_from="0001-01-01",
    )


def _validate(args: argparse.Namespace) -> int:
    from o2c.invoice import Invoice, validate
    from o2c.invoice.einvoice import validate_einvoice

    data = Path(args.file).read_bytes()
    if _is_json(data):
        found = validate(Invoice.from_json(data))
    else:
        packs = tuple(p for directory in args.rules for p in _packs(directory))
        found = validate_einvoice(data, format=args.format, packs=packs, warnings=args.warnings)
    failing = 0
    for v in found:
        severity = getattr(v, "severity", "fatal")
        failing += severity == "fatal"
        tag = "" if severity == "fatal" else f" ({severity})"
        sys.stdout.write(f"{v.code}{tag} {v.field}: {' '.join(v.message.split())}\n")
    if not failing:
        sys.stdout.write(f"{args.file}: no violations\n")
        return 0
    return EXIT_VIOLATIONS


def _import(args: argparse.Namespace) -> int:
    from o2c.invoice.einvoice import read_einvoice

    invoice = read_einvoice(Path(args.file).read_bytes())
    Path(args.out).write_text(invoice.to_json() + "\n", encoding="utf-8")
    print(f"{args.out}: {invoice.number} ({len(invoice.lines)} lines)")
    return 0
