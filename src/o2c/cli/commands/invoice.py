"""``o2c invoice``: e-invoices out and in.

- ``o2c invoice export --format FORMAT FILE.json --out FILE`` writes the invoice of an o2c
  invoice JSON file (:meth:`o2c.invoice.Invoice.to_json`) as an e-invoice: ``ubl``, ``peppol``,
  ``xrechnung-ubl``, ``cii``, ``xrechnung-cii`` (XML) or ``facturx`` (PDF).  The master data is
  checked first (VAT ids, company ids, IBANs, what the format requires); ``--no-check`` skips it.
- ``o2c invoice validate FILE`` checks an e-invoice (UBL, CII or Factur-X PDF: o2c's own rules
  and the official EN 16931 schematron) or an o2c invoice JSON file (o2c's rules) and prints each
  violation as ``CODE field: message``; exit status 0 when there is none, 1 when there are.
- ``o2c invoice import FILE --out FILE.json`` reads an e-invoice into an o2c invoice JSON file.

Bad input (a file that is not JSON or XML, an unknown format, an invoice EN 16931 cannot express,
master data that fails its checks) ends with exit status 2 and one line naming the problem.
"""

from __future__ import annotations

import argparse
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


def _validate(args: argparse.Namespace) -> int:
    from o2c.invoice import Invoice, validate
    from o2c.invoice.einvoice import validate_einvoice

    data = Path(args.file).read_bytes()
    found = validate(Invoice.from_json(data)) if _is_json(data) else validate_einvoice(data)
    for v in found:
        sys.stdout.write(f"{v.code} {v.field}: {' '.join(v.message.split())}\n")
    if not found:
        sys.stdout.write(f"{args.file}: no violations\n")
        return 0
    return EXIT_VIOLATIONS


def _import(args: argparse.Namespace) -> int:
    from o2c.invoice.einvoice import read_einvoice

    invoice = read_einvoice(Path(args.file).read_bytes())
    Path(args.out).write_text(invoice.to_json() + "\n", encoding="utf-8")
    print(f"{args.out}: {invoice.number} ({len(invoice.lines)} lines)")
    return 0
