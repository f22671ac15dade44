"""The parts of a :class:`o2c.tax.TaxResult`: its lines, taxes, VAT breakdown and exemptions,
and the compact rows it keeps them in (exact Decimals, made into Money when read)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import attrs
from moneyed import Money

from o2c.tax.kinds import ChargeKind, TaxCategory, TaxId
from o2c.tax.model import Tax

if TYPE_CHECKING:
    from o2c.tax.plan import _Plan

__all__ = [
    "AppliedExemption",
    "DocumentAmounts",
    "LineColumns",
    "LineRow",
    "LineTaxResult",
    "SelfAssessedTax",
    "TaxAmount",
    "TaxBreakdown",
    "TaxColumns",
    "TaxTotal",
    "line_rows",
]


# --------------------------------------------------------------------------------------------
# Results


@attrs.frozen(kw_only=True)
class DocumentAmounts:
    """A document's amounts after tax as exact Decimals in its currency (EN 16931 BG-22).

    What :class:`o2c.tax.TaxResult` gives out as :class:`~moneyed.Money`, for code that goes on
    computing with them (an invoice's totals) without building Money first.
    """

    #: The sum of the line nets (BT-106).
    line_total: Decimal
    #: The document-level allowances (BT-107).
    allowance_total: Decimal
    #: The document-level charges (BT-108).
    charge_total: Decimal
    #: ``line_total - allowance_total + charge_total`` (BT-109).
    untaxed: Decimal
    #: Every tax but withholding (BT-110).
    tax_total: Decimal
    #: The withholding taxes (negative).
    withholding_total: Decimal
    #: The difference left by rounding price-included taxes and net independently.
    rounding_adjustment: Decimal
    #: The nets of lines that carry no tax.
    exempt_sales: Decimal


@attrs.frozen(kw_only=True)
class TaxAmount:
    """One tax on one line: its base and amount."""

    tax: Tax
    base: Money
    amount: Money


@attrs.frozen(kw_only=True)
class LineTaxResult:
    """One line (or document allowance/charge) after tax: its net (BT-131) and its taxes.

    Under global rounding a line's taxes are the document's rounded tax spread back over the
    lines (largest remainder), so the lines always sum to the document.
    """

    index: int
    gross: Money
    net: Money
    taxes: tuple[TaxAmount, ...]
    rounding_adjustment: Money
    charge: ChargeKind | None = None


@attrs.frozen(kw_only=True)
class TaxTotal:
    """One tax over the document: base, rounded amount, and the exact unrounded amount."""

    tax: Tax
    base: Money
    amount: Money
    raw_amount: Decimal


@attrs.frozen(kw_only=True)
class TaxBreakdown:
    """One VAT breakdown group (EN 16931 BG-23): category and rate, base, amount."""

    category: TaxCategory | None
    percent: Decimal | None
    base: Money
    amount: Money
    exemption_reason: str | None = None
    exemption_reason_code: str | None = None
    tax_ids: tuple[TaxId, ...] = ()


@attrs.frozen(kw_only=True)
class SelfAssessedTax:
    """The tax a reverse-charge buyer self-assesses, per category and rate: reported beside the
    invoice (which shows 0 tax for it, EN 16931 category AE), never added to its totals.

    ``raw_amount`` is ``base x percent / 100`` exactly; ``amount`` is that rounded under the
    document's policy (the buyer's own return may round otherwise).
    """

    category: TaxCategory
    percent: Decimal
    base: Money
    amount: Money
    raw_amount: Decimal
    tax_ids: tuple[TaxId, ...] = ()


@attrs.frozen(kw_only=True)
class AppliedExemption:
    """A tax removed by an exemption certificate, with the amount that would have applied."""

    certificate_id: str
    tax_id: TaxId
    forgone: Money


class LineRow(NamedTuple):
    """One computed line (or allowance/charge) as a result keeps it (internal to o2c.tax).

    ``amounts`` is ``None`` under global rounding (each tax's document amount is spread over its
    lines when they are read); ``bases`` and ``raws`` are ``None`` for a line of a linear plan
    (every base is the net, every exact amount is factor x net).
    """

    line_index: int
    charge: ChargeKind | None
    gross: Decimal
    net: Decimal
    adjustment: Decimal
    taxes: tuple[Tax, ...]
    bases: tuple[Decimal, ...] | None
    raws: tuple[Decimal, ...] | None
    amounts: tuple[Decimal, ...] | None


class TaxColumns(NamedTuple):
    """The taxes over a document as a result keeps them (internal to o2c.tax): per tax, in the
    order the taxes first appear, its definition, rounded base, rounded amount and exact
    amount, as four columns of one length."""

    taxes: tuple[Tax, ...]
    bases: tuple[Decimal, ...]
    amounts: tuple[Decimal, ...]
    raws: tuple[Decimal, ...]


#: ``TaxColumns`` from one tuple of its fields in their order, built in C (``tuple.__new__``,
#: as ``_make`` does): the NamedTuple's own constructor is a Python function, and every
#: document builds one.
_new_tax_columns: Callable[[tuple[object, ...]], TaxColumns] = partial(tuple.__new__, TaxColumns)


class LineColumns(NamedTuple):
    """A document's lines as the engine reads them, as columns (internal to o2c.tax).

    Per line its exact amount (``quantity x unit_price`` less its discount), its gross (that
    rounded under the policy, where every line starts) and the position of its plan; the plans
    of the lines' tax sets, each once in order of first appearance, with the sum of their
    lines' grosses.  Under global rounding of rounded nets a line of a linear plan needs
    nothing else: its net is its gross, every base its net, every exact amount factor x net
    and its amounts its share of the document's.  A result whose lines are all such keeps the
    columns as its lines, and :meth:`rows` makes the :class:`LineRow` of each when they are
    read (a document never read line by line builds none).  Nothing changes the columns once
    read.
    """

    amounts: Sequence[Decimal]
    grosses: Sequence[Decimal]
    of_line: Sequence[int]
    plans: tuple[_Plan, ...]
    plan_grosses: Sequence[Decimal]
    #: Zero with the rounding step's exponent (0.00 in EUR): a linear line's adjustment.
    zero: Decimal

    def rows(self) -> tuple[LineRow, ...]:
        """The lines as :class:`LineRow` values, in input order, each as a line of a linear plan
        under global rounding of rounded nets (the engine replaces the rows of the others)."""
        zero = self.zero
        plans = self.plans
        return tuple(
            LineRow(
                line_index=index,
                charge=None,
                gross=net,
                net=net,
                adjustment=zero,
                taxes=plans[k].taxes,
                bases=None,
                raws=None,
                amounts=None,
            )
            for index, (net, k) in enumerate(zip(self.grosses, self.of_line, strict=True))
        )


#: ``LineColumns`` from one tuple of its fields in their order, built in C (as
#: :data:`_new_tax_columns`).
_new_line_columns: Callable[[tuple[object, ...]], LineColumns] = partial(tuple.__new__, LineColumns)


def line_rows(stored: tuple[LineRow, ...] | LineColumns) -> tuple[LineRow, ...]:
    """The rows a result keeps, whichever way it keeps them."""
    return stored.rows() if isinstance(stored, LineColumns) else stored
