"""Altman's Z (1968), Z' (private firms), Z'' and the emerging-market score (Z'' + 3.25), with
their zones and boundaries.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from o2c.credit.exposure import _ZERO, SCORE_CONTEXT, _div, _opt_dec
from o2c.errors import ValidationError
from o2c.money import Rounding, quantize_decimal, to_decimal

__all__ = [
    "AltmanModel",
    "AltmanRatios",
    "AltmanScore",
    "Boundary",
    "FinancialStatements",
    "Zone",
    "altman_ratios",
    "altman_score",
    "altman_zone",
]


_SCORE_STEP = Decimal("0.0001")


def _req_dec(value: object) -> Decimal:
    return to_decimal(value, field="value")


class AltmanModel(enum.Enum):
    """Altman's discriminant models and their published coefficients and zone cut-offs.

    - ``Z`` (1968, public manufacturers): 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4 + 1.0 X5, X4 = market
      value of equity / total liabilities; zones 1.81 / 2.99.
    - ``Z_PRIME`` (private firms): 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5, X4 = book
      equity / total liabilities; zones 1.23 / 2.90.
    - ``Z_DOUBLE_PRIME`` (non-manufacturers): 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4 (book
      equity); zones 1.10 / 2.60.
    - ``EM`` (emerging markets): Z'' + 3.25; zones 4.35 / 5.85 (the 1.10 / 2.60 cut-offs belong
      to Z'' without the constant).
    """

    Z = "z"
    Z_PRIME = "z_prime"
    Z_DOUBLE_PRIME = "z_double_prime"
    EM = "em"


_ALTMAN: dict[AltmanModel, tuple[tuple[Decimal, ...], Decimal, Decimal, Decimal]] = {
    # coefficients x1..x5, constant, distress cut-off, safe cut-off
    AltmanModel.Z: (
        tuple(map(Decimal, ("1.2", "1.4", "3.3", "0.6", "1.0"))),
        _ZERO,
        Decimal("1.81"),
        Decimal("2.99"),
    ),
    AltmanModel.Z_PRIME: (
        tuple(map(Decimal, ("0.717", "0.847", "3.107", "0.420", "0.998"))),
        _ZERO,
        Decimal("1.23"),
        Decimal("2.90"),
    ),
    AltmanModel.Z_DOUBLE_PRIME: (
        tuple(map(Decimal, ("6.56", "3.26", "6.72", "1.05", "0"))),
        _ZERO,
        Decimal("1.10"),
        Decimal("2.60"),
    ),
    AltmanModel.EM: (
        tuple(map(Decimal, ("6.56", "3.26", "6.72", "1.05", "0"))),
        Decimal("3.25"),
        Decimal("4.35"),
        Decimal("5.85"),
    ),
}


class Zone(enum.Enum):
    """Altman's discrimination zones."""

    SAFE = "safe"
    GREY = "grey"
    DISTRESS = "distress"


class Boundary(enum.Enum):
    """Which zone a score exactly on a cut-off belongs to (sources differ)."""

    #: ``distress < low <= grey <= high < safe``: the common reading (default).
    GREY_INCLUSIVE = "grey_inclusive"
    #: ``distress <= low < grey < high <= safe``.
    GREY_EXCLUSIVE = "grey_exclusive"


@attrs.frozen(kw_only=True)
class FinancialStatements:
    """Financial-statement figures for Altman's ratios (plain Decimal amounts, one currency).

    ``working_capital`` defaults to current assets minus current liabilities.
    """

    total_assets: Decimal = attrs.field(converter=_req_dec)
    total_liabilities: Decimal = attrs.field(converter=_req_dec)
    retained_earnings: Decimal = attrs.field(converter=_req_dec)
    ebit: Decimal = attrs.field(converter=_req_dec)
    working_capital: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    current_assets: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    current_liabilities: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    sales: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    market_value_equity: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    book_equity: Decimal | None = attrs.field(default=None, converter=_opt_dec)


@attrs.frozen(kw_only=True)
class AltmanRatios:
    """X1 = working capital / TA, X2 = retained earnings / TA, X3 = EBIT / TA,
    X4 = equity / total liabilities (market value for Z, book value otherwise), X5 = sales / TA
    (unused by Z'' and EM)."""

    x1: Decimal = attrs.field(converter=_req_dec)
    x2: Decimal = attrs.field(converter=_req_dec)
    x3: Decimal = attrs.field(converter=_req_dec)
    x4: Decimal = attrs.field(converter=_req_dec)
    x5: Decimal = attrs.field(default=_ZERO, converter=_req_dec)


def _need(value: Decimal | None, field: str, model: AltmanModel) -> Decimal:
    if value is None:
        raise ValidationError(
            f"{field} is required for Altman {model.value}: add it to the statements",
            field=field,
            value=None,
        )
    return value


def altman_ratios(statements: FinancialStatements, model: AltmanModel) -> AltmanRatios:
    """Form Altman's ratios from raw statement figures, at full precision.

    Raises:
        ValidationError: for a missing figure the model needs, or non-positive total assets
            or total liabilities.
    """
    s = statements
    for name in ("total_assets", "total_liabilities"):
        if getattr(s, name) <= 0:
            raise ValidationError(
                f"{name}={getattr(s, name)} must be positive to form Altman's ratios",
                field=name,
                value=getattr(s, name),
            )
    if s.working_capital is not None:
        wc = s.working_capital
    else:
        wc = _need(s.current_assets, "current_assets", model) - _need(
            s.current_liabilities, "current_liabilities", model
        )
    ta, tl = s.total_assets, s.total_liabilities
    if model is AltmanModel.Z:
        equity = _need(s.market_value_equity, "market_value_equity", model)
    else:
        equity = _need(s.book_equity, "book_equity", model)
    uses_sales = model in (AltmanModel.Z, AltmanModel.Z_PRIME)
    sales = _need(s.sales, "sales", model) if uses_sales else _ZERO
    return AltmanRatios(
        x1=_div(wc, ta),
        x2=_div(s.retained_earnings, ta),
        x3=_div(s.ebit, ta),
        x4=_div(equity, tl),
        x5=_div(sales, ta),
    )


@attrs.frozen(kw_only=True)
class AltmanScore:
    """An Altman score: ``score`` (4 decimals, half-up), ``exact``, the zone and why."""

    model: AltmanModel
    ratios: AltmanRatios
    exact: Decimal
    score: Decimal
    zone: Zone
    distress_below: Decimal
    safe_above: Decimal
    explanation: str


def altman_zone(
    model: AltmanModel, value: Decimal, *, boundary: Boundary = Boundary.GREY_INCLUSIVE
) -> Zone:
    """The zone of a score ``value`` under ``model``'s cut-offs.

    >>> [altman_zone(AltmanModel.Z, Decimal(v)).value for v in ("1.80", "1.81", "2.99", "3")]
    ['distress', 'grey', 'grey', 'safe']
    >>> altman_zone(AltmanModel.EM, Decimal("2.7")).value  # 1.10/2.60 are Z'' cut-offs, not EM's
    'distress'
    """
    _, _, low, high = _ALTMAN[model]
    if boundary is Boundary.GREY_INCLUSIVE:
        return Zone.DISTRESS if value < low else Zone.SAFE if value > high else Zone.GREY
    return Zone.DISTRESS if value <= low else Zone.SAFE if value >= high else Zone.GREY


def altman_score(
    model: AltmanModel,
    ratios: AltmanRatios | FinancialStatements,
    *,
    boundary: Boundary = Boundary.GREY_INCLUSIVE,
) -> AltmanScore:
    """Altman's score for ``model`` with its zone.

    >>> s = altman_score(AltmanModel.Z, AltmanRatios(x1="0.2", x2="0", x3="-0.2", x4="0.1", x5="2"))
    >>> s.score, s.zone.value
    (Decimal('1.6400'), 'distress')
    """
    r = ratios if isinstance(ratios, AltmanRatios) else altman_ratios(ratios, model)
    coefficients, constant, low, high = _ALTMAN[model]
    xs = (r.x1, r.x2, r.x3, r.x4, r.x5)
    exact = constant + sum(
        (SCORE_CONTEXT.multiply(c, x) for c, x in zip(coefficients, xs, strict=True)), _ZERO
    )
    zone = altman_zone(model, exact, boundary=boundary)
    score = quantize_decimal(exact, _SCORE_STEP, Rounding.HALF_UP)
    meaning = {
        Zone.SAFE: "financially sound",
        Zone.GREY: "grey zone: neither clearly sound nor distressed",
        Zone.DISTRESS: "distress zone: elevated risk of failure",
    }[zone]
    return AltmanScore(
        model=model,
        ratios=r,
        exact=exact,
        score=score,
        zone=zone,
        distress_below=low,
        safe_above=high,
        explanation=f"Altman {model.value} = {score} ({meaning}; cut-offs {low} / {high})",
    )
