"""The policy of cash application: thresholds and tolerances that decide postings."""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from o2c.money import minor_units

if TYPE_CHECKING:
    pass

from o2c.cash_application.calibration import DEFAULT_CONFIDENCE, ConfidenceMap
from o2c.cash_application.model import MatchDecision
from o2c.cash_application.reasons import DEFAULT_REASONS, ReasonTable
from o2c.cash_application.weights import ScoreWeights

__all__ = ["FeeChannel", "MatchPolicy"]


def _default_fee_bands() -> dict[str, Decimal]:
    # Charges deducted on the way (correspondent and receiving banks, SHA/BEN transfers): in EUR
    # and USD two or three banks at 15-25 each; 50 EUR / 60 USD cover the charges seen on the
    # public bank-file set (a tail of 45-50) while 60 and more stay deductions.
    return {
        "EUR": Decimal("50"),
        "USD": Decimal("60"),
        "GBP": Decimal("40"),
        "CHF": Decimal("50"),
        "JPY": Decimal("6000"),
        "SEK": Decimal("400"),
        "NOK": Decimal("400"),
        "DKK": Decimal("300"),
        "CAD": Decimal("60"),
        "AUD": Decimal("60"),
    }


class FeeChannel(enum.Enum):
    """Whether the way a payment came can have had bank charges taken off on the way.

    Read by :func:`~o2c.cash_application.amounts.fee_channel` from the payment alone: the
    charges the bank file states, its currency against the item's, the payer account's country
    against the creditor's (:attr:`MatchPolicy.creditor_countries`) and the bank's transaction
    code.
    """

    #: The bank file states charges taken from this payment (camt ``Chrgs``, ...).
    STATED = "stated"
    #: Paid in another currency than the item (or instructed in another): converted by banks.
    FOREIGN_CURRENCY = "foreign_currency"
    #: From an account in another country than the creditor's, or a cross-border transfer by
    #: the bank's code (camt ``XBCT``): correspondent banks may take their share.
    CROSS_BORDER = "cross_border"
    #: From an account in the creditor's own country, or a scheme that credits the full
    #: amount (ACH): nothing is taken on the way.
    DOMESTIC = "domestic"
    #: The payment says neither (no account, no code): a London wire's free text, a BAI2 wire.
    UNKNOWN = "unknown"


def _default_fee_absorbed() -> dict[FeeChannel, bool]:
    # Issue 18: bank fees are absorbed only where the channel carries charges (cross-border,
    # another currency, stated charges), never to close a domestic short payment: a short
    # domestic credit is a deduction for the collector to chase.  A channel that says nothing
    # keeps the band (the public bank-file set's wires and London MT940 lines, whose fees are
    # charges; set it False to be strict).
    return {
        FeeChannel.STATED: True,
        FeeChannel.FOREIGN_CURRENCY: True,
        FeeChannel.CROSS_BORDER: True,
        FeeChannel.DOMESTIC: False,
        FeeChannel.UNKNOWN: True,
    }


@attrs.frozen(kw_only=True)
class MatchPolicy:
    """Thresholds and tolerances of cash application.

    **Auto means at least ``auto_precision`` (99.8%) expected precision**: a best hypothesis is
    posted without a person when ``confidence`` (the calibrated map of
    :mod:`~o2c.cash_application.calibration`) gives its raw score at least ``auto_precision``,
    its raw score reaches ``auto_threshold`` (the scoring rules' own bar, which they also use to
    cap doubtful hypotheses below it) and it leads the next different hypothesis by
    ``ambiguity_margin`` (raw): ambiguity is never posted.  ``suggest_threshold``: the least raw
    score shown as a suggestion.  ``deduction_tolerance``: the largest short
    payment (fraction of the item) closed as a deduction rather than left as a partial payment;
    ``fee_bands``: per currency, the largest difference read as bank charges (currencies not
    listed use ``fee_fraction`` of the item).  ``fx_tolerance``: how far a payment in another
    currency may be from the item at the day's rate.  ``max_subset_items``/``max_subset_size``
    bound the subset-sum search.
    """

    auto_threshold: float = 0.9
    #: What ``auto`` means: at least this expected precision (the share of matches of that
    #: confidence that were right in the labelled history).  99.8%: issue 17's bar, one wrong
    #: posting in 500.
    auto_precision: float = 0.998
    #: The one table of the scoring rules' weights (see :mod:`~o2c.cash_application.weights`).
    weights: ScoreWeights = attrs.field(factory=ScoreWeights)
    #: Raw score -> expected precision, fitted on a ledger's confirmed history (the default on
    #: the public set's nine months; refit with :func:`~o2c.cash_application.fit_confidence`).
    confidence: ConfidenceMap = DEFAULT_CONFIDENCE
    suggest_threshold: float = 0.5
    ambiguity_margin: float = 0.05
    deduction_tolerance: Decimal = Decimal("0.15")
    stated_deduction_tolerance: Decimal = Decimal("0.30")
    fee_max_fraction: Decimal = Decimal("0.25")
    fee_bands: Mapping[str, Decimal] = attrs.field(factory=_default_fee_bands)
    fee_fraction: Decimal = Decimal("0.005")
    #: Per :class:`FeeChannel`, whether a short payment may be read as bank charges at all
    #: (the band above then bounds it); where not, the difference is a deduction or a partial
    #: payment like any other.
    fee_absorbed: Mapping[FeeChannel, bool] = attrs.field(factory=_default_fee_absorbed)
    #: The countries (ISO 3166 alpha-2) of the accounts the payments arrive on: a payer account
    #: in one of them is domestic, one elsewhere cross-border.  Empty: not known, so the payer
    #: account's country says nothing (the readers' statements give it: the account's IBAN).
    creditor_countries: frozenset[str] = frozenset()
    #: Differences up to this (per currency, else ``write_off_default``) are written off.
    write_off_bands: Mapping[str, Decimal] = attrs.field(
        factory=lambda: {"JPY": Decimal("100"), "KRW": Decimal("1000")}
    )
    write_off_default: Decimal = Decimal("1.00")
    fx_tolerance: Decimal = Decimal("0.03")
    #: The one table of words and codes that explain a difference (deductions, credit notes,
    #: charges, partial and settling payments), read the same way in free text, camt.054
    #: reason codes and X12 820 ``ADX`` segments (see :mod:`o2c.cash_application.reasons`).
    reasons: ReasonTable = DEFAULT_REASONS
    #: A remittance field at least this long fills the bank's field (140 characters of SEPA
    #: ``Ustrd``, less the few a cut between two numbers leaves): a list of documents in it may
    #: go on beyond it, so a shortfall or surplus against the named documents is not posted
    #: as a deduction or on account without a person (issue 17: the history's wrong matches at
    #: raw 0.90-0.93 were such lists).
    full_text_field: int = 135
    #: A list of at least this many named documents paid short without a stated reason, or
    #: overpaid, is not closed with a deduction or money on account without a person: in the
    #: public set's confirmed history such lists were the wrong matches of the 0.92-0.93 raw
    #: band (a document the payer left out, a credit note not named), about one in a hundred.
    long_list: int = 6
    #: How many of the customers the payer may be have their open items searched by amount
    #: (best payer scores first): a payment service's members beyond them are not guessed at.
    max_payer_candidates: int = 6
    max_subset_items: int = 22
    #: The customer's credit memos nearest the payment's date that take part in a subset search
    #: (a payer nets a few; the rest of the pool is invoices).
    max_subset_credits: int = 4
    max_subset_size: int = 16
    max_suggestions: int = 3
    #: An amount shared by at least this many open items is "common" (round amounts): weak
    #: evidence without a reference.
    common_amount: int = 3
    #: Prior odds that a payment without reference from a known customer pays a set of its
    #: items exactly (weighs the chance that a subset sum is a coincidence).
    subset_prior_odds: float = 2.0

    def fee_limit(
        self, currency_code: str, open_units: int, channel: FeeChannel = FeeChannel.UNKNOWN
    ) -> int:
        """The largest bank fee, in minor units of ``currency_code``, for an item of that size.

        The band of the currency, and never more than ``fee_max_fraction`` of the item (charges
        do not eat most of a small invoice); 0 on a ``channel`` that carries no charges
        (:attr:`fee_absorbed`).
        """
        if not self.fee_absorbed.get(channel, True):
            return 0
        cap = int(abs(open_units) * self.fee_max_fraction)
        band = self.fee_bands.get(currency_code)
        if band is None:
            return min(cap, int(abs(open_units) * self.fee_fraction))
        return min(cap, int(band.scaleb(minor_units(currency_code))))

    def write_off_limit(self, currency_code: str) -> int:
        """The largest difference (minor units) written off without a reason."""
        band = self.write_off_bands.get(currency_code, self.write_off_default)
        return int(band.scaleb(minor_units(currency_code)))

    def deduction_limit(self, open_units: int, *, stated: bool) -> int:
        """The largest short payment (minor units) closed as a deduction, rounded up.

        ``stated``: the payer gave a reason (remittance code or text), which allows
        ``stated_deduction_tolerance`` instead of ``deduction_tolerance``.
        """
        fraction = self.stated_deduction_tolerance if stated else self.deduction_tolerance
        return int((abs(open_units) * fraction).to_integral_value(rounding=decimal.ROUND_CEILING))

    def decide(self, score: float, margin: float) -> MatchDecision:
        """The decision for a best hypothesis of raw ``score`` leading the next by ``margin``."""
        if (
            score >= self.auto_threshold
            and margin >= self.ambiguity_margin
            and self.confidence(score) >= self.auto_precision
        ):
            return MatchDecision.AUTO
        if score >= self.suggest_threshold:
            return MatchDecision.SUGGEST
        return MatchDecision.LEAVE
