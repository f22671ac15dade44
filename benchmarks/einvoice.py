"""E-invoice validation time per invoice, by rule set and format (issue 20).

Run: ``.venv/bin/python benchmarks/einvoice.py [--rounds 3]``.

The documents are the e-invoice corpus of the tests (``tests/einvoice_corpus.py``: every invoice
and credit memo of the tax and terms vectors and the demo), written in each format once.  Each
rule pack is compiled before timing (its compile time is printed apart), then every document is
checked ``--rounds`` times; the figures are CPU seconds (``time.process_time``, this process
only: the machine is shared) per document, the best round, with the ratio to the UBL EN 16931
check measured in the same run.  Printed:

- ``rules``: the official rules alone (:func:`o2c.invoice.einvoice.schematron.validate_xml`):
  EN 16931 on UBL, Peppol BIS 3 on the Peppol UBL, the Factur-X profile on CII;
- ``validate_einvoice``: the whole check of a document as its format wants it (parse, the
  EN 16931 sums, the invoice built again and o2c's rules, and the official rule sets of
  ``RULE_SETS``: ``ubl`` EN 16931, ``peppol`` EN 16931 + Peppol, ``cii`` Factur-X);
- ``facturx``: writing a Factur-X PDF with the PDF/A-3 page WeasyPrint renders and with o2c's
  plain page.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.einvoice_corpus import invoices  # noqa: E402

from o2c.invoice import Invoice  # noqa: E402
from o2c.invoice.einvoice import pdf as pdf_module  # noqa: E402
from o2c.invoice.einvoice import validate_einvoice, write_einvoice  # noqa: E402
from o2c.invoice.einvoice.rulepacks import EN16931, FACTURX, PEPPOL  # noqa: E402
from o2c.invoice.einvoice.schematron import validate_xml  # noqa: E402


def _best(rounds: int, run: Callable[[], object], count: int) -> float:
    """The best round's CPU seconds per document."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best / count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    corpus: list[Invoice] = [inv for _name, inv in invoices()]
    docs = {fmt: [write_einvoice(inv, fmt) for inv in corpus] for fmt in ("ubl", "peppol", "cii")}
    n = len(corpus)
    checks = {
        "EN 16931 (ubl)": ("ubl", "ubl", (EN16931,)),
        "Peppol BIS 3 (peppol)": ("peppol", "ubl", (PEPPOL,)),
        "Factur-X (cii)": ("cii", "cii", (FACTURX,)),
    }
    print(f"{n} documents, {args.rounds} rounds, CPU seconds per document (best round)")
    for label, (fmt, syntax, rules) in checks.items():
        start = time.process_time()
        validate_xml(docs[fmt][0], syntax=syntax, rules=rules)  # type: ignore[arg-type]
        print(f"compile {label}: {time.process_time() - start:.2f} s (once per process)")
    figures: dict[str, float] = {}
    for label, (fmt, syntax, rules) in checks.items():
        figures[f"rules {label}"] = _best(
            args.rounds,
            lambda fmt=fmt, syntax=syntax, rules=rules: [  # type: ignore[misc]
                validate_xml(d, syntax=syntax, rules=rules) for d in docs[fmt]
            ],
            n,
        )
    for fmt in ("ubl", "peppol", "cii"):
        figures[f"validate_einvoice {fmt}"] = _best(
            args.rounds,
            lambda fmt=fmt: [validate_einvoice(d) for d in docs[fmt]],  # type: ignore[misc]
            n,
        )
    sample = corpus[: min(n, 20)]
    figures["facturx PDF/A-3 (weasyprint)"] = _best(
        args.rounds, lambda: [write_einvoice(inv, "facturx") for inv in sample], len(sample)
    )
    real = pdf_module.pdf_renderer
    pdf_module.pdf_renderer = lambda: "plain"  # type: ignore[assignment]
    try:
        figures["facturx plain page"] = _best(
            args.rounds, lambda: [write_einvoice(inv, "facturx") for inv in sample], len(sample)
        )
    finally:
        pdf_module.pdf_renderer = real  # type: ignore[assignment]
    base = figures["rules EN 16931 (ubl)"]
    for label, seconds in figures.items():
        print(f"{label:36} {seconds * 1000:8.1f} ms   x{seconds / base:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
