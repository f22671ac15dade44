"""Demo section: the money core."""

from __future__ import annotations

from decimal import Decimal

from o2c.cli.demos import DemoContext
from o2c.money import (
    RemainderPolicy,
    allocate,
    cash_round,
    format_money,
    money,
    to_minor,
)


def run(ctx: DemoContext) -> None:
    """Show exact construction, allocation, cash rounding and formatting."""
    ctx.heading("Money: exact amounts, allocation, rounding, formatting")
    fee = money("100.00", "EUR")
    parts = allocate(fee, [1, 1, 1])
    ctx.say(f"EUR 100.00 over three equal weights: {', '.join(str(p.amount) for p in parts)}")
    ctx.say(f"  (largest remainder; sum = {sum(p.amount for p in parts)})")
    last = allocate(fee, [1, 1, 1], policy=RemainderPolicy.LAST)
    ctx.say(f"  remainder to the last part: {', '.join(str(p.amount) for p in last)}")
    ctx.say(f"CHF 10.03 cash-rounded (CLDR step 0.05): {cash_round(money('10.03', 'CHF')).amount}")
    ctx.say(f"KWD 12.345 in minor units: {to_minor(money('12.345', 'KWD'))}")
    amount = money(Decimal("1234567.891"), "EUR")
    for locale in ("de_DE", "en_US", "fr_CH", "en_IN", "ja_JP"):
        ctx.say(f"  {locale:6} {format_money(amount, locale)}")
    try:
        money(0.1, "EUR")  # type: ignore[arg-type]
    except TypeError as exc:
        ctx.say(f"a float is refused: {exc}")
