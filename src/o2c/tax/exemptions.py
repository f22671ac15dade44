"""Customer exemption certificates: the taxes a certificate covers replaced by zero-rate
stand-ins of the same id, and the result told what they would have been.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from o2c.errors import InvalidTaxError
from o2c.tax.inputs import AllowanceCharge, ExemptionCertificate, Taxable, TaxableLine
from o2c.tax.kinds import ZERO, TaxId, TaxKind
from o2c.tax.model import Tax
from o2c.tax.result import AppliedExemption, LineColumns, LineRow, TaxColumns, TaxTotal, line_rows

__all__ = ["covered_taxes", "exempt_inputs", "exemption_changes"]


def covered_taxes(
    taxes: tuple[TaxTotal, ...], exemptions: Sequence[ExemptionCertificate], on: dt.date
) -> dict[TaxId, str]:
    """The certificate that covers each of a document's ``taxes`` on ``on`` (the first that
    does), by tax id.

    Raises:
        InvalidTaxError: for a covered tax with an item-level rate override.
    """
    covered: dict[TaxId, str] = {}
    for t in taxes:
        for cert in exemptions:
            if cert.covers(t.tax, on):
                covered[t.tax.id] = cert.certificate_id
                break
    for t in taxes:
        if t.tax.overridden and t.tax.id in covered:
            raise InvalidTaxError(
                f"tax {t.tax.id} has an item-level rate override and is covered by certificate "
                f"{covered[t.tax.id]}: o2c does not combine the two; remove the override",
                field="exemptions",
                value=t.tax.id,
            )
    return covered


def exempt_inputs(
    lines: Sequence[Taxable], charges: Sequence[AllowanceCharge], covered: Mapping[TaxId, str]
) -> tuple[list[Taxable], list[AllowanceCharge]]:
    """The lines and charges with the ``covered`` taxes replaced (:func:`_without`)."""
    exempt_lines: list[Taxable] = [
        TaxableLine(
            quantity=line.quantity,
            unit_price=line.unit_price,
            taxes=_without(line.taxes, covered),
            discount_percent=line.discount_percent,
        )
        for line in lines
    ]
    exempt_charges = [
        c if c.taxes is None else attrs.evolve(c, taxes=_without(c.taxes, covered)) for c in charges
    ]
    return exempt_lines, exempt_charges


def _without(taxes: tuple[Tax, ...], covered: Mapping[TaxId, str]) -> tuple[Tax, ...]:
    """``taxes`` with each ``covered`` one replaced by a zero-rate stand-in of the same id."""
    return tuple(
        attrs.evolve(
            t,
            kind=TaxKind.PERCENT,
            percent=ZERO,
            amount_per_unit=ZERO,
            category=None,
            self_assessed_percent=None,
        )
        if t.id in covered
        else t
        for t in taxes
    )


def exemption_changes(
    rows: tuple[LineRow, ...] | LineColumns,
    tax_columns: TaxColumns,
    notes: tuple[str, ...],
    full: tuple[TaxTotal, ...],
    covered: Mapping[TaxId, str],
) -> dict[str, Any]:
    """What a result computed without the ``covered`` taxes (its ``rows``, ``tax_columns`` and
    ``notes``) takes to show the exemptions applied: their forgone amounts from the ``full``
    result's taxes, and the original tax definitions at zero amounts (``attrs.evolve``
    keywords)."""
    applied = []
    by_cert: dict[str, Decimal] = {}
    for t in full:
        if t.tax.id in covered:
            cert_id = covered[t.tax.id]
            applied.append(
                AppliedExemption(certificate_id=cert_id, tax_id=t.tax.id, forgone=t.amount)
            )
            by_cert[cert_id] = by_cert.get(cert_id, ZERO) + t.amount.amount
    added = tuple(
        f"exempt by certificate; tax that would have applied: {amount}"
        for amount in by_cert.values()
    )
    # Report the original tax definitions (zero amounts), not the stripped stand-ins.
    originals = {t.tax.id: t.tax for t in full}
    return {
        "rows": tuple(
            row._replace(taxes=tuple(originals.get(t.id, t) for t in row.taxes))
            for row in line_rows(rows)
        ),
        "tax_columns": tax_columns._replace(
            taxes=tuple(originals.get(t.id, t) for t in tax_columns.taxes)
        ),
        "exemptions": tuple(applied),
        "notes": notes + added,
    }
