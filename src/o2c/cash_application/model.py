"""Result types of cash application: decisions, allocations, residuals, proposals."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from o2c.cash_application.evidence import Evidence
from o2c.statement import Payment

if TYPE_CHECKING:
    pass


__all__ = [
    "Allocation",
    "CustomerProfile",
    "MatchDecision",
    "MatchResult",
    "Proposal",
    "Residual",
    "ResidualKind",
]


class ResidualKind(enum.Enum):
    """Why an item's applied amount differs from the cash it received, or cash left over."""

    #: An early-payment discount earned (paid within the deadline).
    DISCOUNT = "discount"
    #: A short payment the payer deducted (with a reason when one is known), including a
    #: discount taken after its deadline.
    DEDUCTION = "deduction"
    #: Charges the banks deducted on the way.
    BANK_FEE = "bank_fee"
    #: The difference between the item's amount and the cash converted at the day's rate.
    FX_DIFFERENCE = "fx_difference"
    #: A small difference written off under the tolerance policy.
    WRITE_OFF = "write_off"
    #: Cash not applied to an item: kept on the customer's account.
    ON_ACCOUNT = "on_account"


class MatchDecision(enum.Enum):
    """What to do with a result: post it, show it to a person, or leave the payment alone."""

    AUTO = "auto"
    SUGGEST = "suggest"
    LEAVE = "leave"


@attrs.frozen
class CustomerProfile:
    """A customer as cash application knows it: its name, payer accounts seen, and aliases."""

    customer_id: str
    name: str
    accounts: frozenset[str] = frozenset()
    aliases: tuple[str, ...] = ()


@attrs.frozen
class Residual:
    """One residual of an allocation (item currency) or of a payment (on account)."""

    kind: ResidualKind
    amount: Money
    reason: str = ""


@attrs.frozen(kw_only=True)
class Allocation:
    """Cash applied to one item.

    ``applied`` (item currency) is what the item's open amount goes down by; ``paid`` (payment
    currency) is the cash it received; ``applied`` equals ``paid`` (converted at ``rate`` when
    the currencies differ) plus the residuals.
    """

    item_id: str
    customer_id: str
    applied: Money
    paid: Money
    residuals: tuple[Residual, ...] = ()
    rate: Decimal | None = None
    #: True when the item stays open after this allocation (a partial payment).
    partial: bool = False


@attrs.frozen(kw_only=True)
class Proposal:
    """A hypothesis: allocations, the rest on account, its confidence and its evidence."""

    allocations: tuple[Allocation, ...]
    on_account: Money
    #: The expected precision of this proposal (the policy's calibrated confidence of ``score``).
    confidence: float
    explanation: tuple[str, ...]
    #: The raw score of the scoring rules (orders hypotheses; not a probability).
    score: float = 0.0
    #: The evidence the explanation is rendered from (typed: kind, weight, sentence).
    evidence: tuple[Evidence, ...] = ()

    @property
    def item_ids(self) -> frozenset[str]:
        """The items this proposal applies cash to."""
        return frozenset(a.item_id for a in self.allocations)


@attrs.frozen(kw_only=True)
class MatchResult:
    """The outcome for one payment: the decision, the allocations and why."""

    payment: Payment
    decision: MatchDecision
    #: The expected precision of the best proposal: the share of matches with its raw score
    #: that were right in the labelled history the policy's confidence map was fitted on
    #: (a lower bound; see :mod:`o2c.cash_application.calibration`).
    confidence: float
    allocations: tuple[Allocation, ...]
    #: Cash kept on account (payment currency): an overpayment's rest, a duplicate payment,
    #: or the whole payment when nothing is applied.
    on_account: Money
    explanation: tuple[str, ...]
    #: The best alternatives (for a person to pick from), best first.
    suggestions: tuple[Proposal, ...] = ()
    #: The raw score of the best proposal (orders hypotheses and the batch; not a probability).
    score: float = 0.0
    #: The best proposal's evidence, typed (the explanation is rendered from it, plus why it
    #: was not posted when it was not).
    evidence: tuple[Evidence, ...] = ()

    @property
    def payment_id(self) -> str:
        """The payment's id."""
        return self.payment.payment_id

    @property
    def customer_id(self) -> str | None:
        """The customer the allocations belong to (``None`` when nothing is allocated)."""
        return self.allocations[0].customer_id if self.allocations else None
