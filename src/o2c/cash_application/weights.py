"""The one table of the scoring rules' weights: how evidence becomes a raw score.

Each field is one row: what it weighs and where its value comes from.  The raw score orders
hypotheses; what a score *means* (the precision it has shown) is the calibrated confidence of
:mod:`~o2c.cash_application.calibration`, so these weights shape the ranking and the map turns
it into a probability.  The values were tuned on the two public sets (``cashapp``: synthetic
CSV; ``cashapp2``: bank files) so that a right hypothesis outranks a wrong one, and checked
against the hidden-set figures of issue 17; change them only with both benchmarks run.
"""

from __future__ import annotations

import attrs

__all__ = ["ScoreWeights"]


@attrs.frozen(kw_only=True)
class ScoreWeights:
    """The weights of the scoring rules (raw score units, in [0, 1])."""

    # --- Documents the remittance names (scoring._ref_confidence) -------------------------
    #: A hit at least this strong (a full, digits, structured or creditor-reference hit; see
    #: ``o2c.remittance.HIT_STRENGTH``) names its document; weaker ones need confirmation.
    strong_reference: float = 0.85
    #: Score of a strongly named document whose amount fits not at all ...
    named_base: float = 0.6
    #: ... plus this times the amount fit's quality (1 exact, 0.98 discount, 0.9 deduction ...).
    named_amount: float = 0.4
    #: Taken off per unit of hit weakness (1 - strength): a tail hit scores below a full one.
    named_weakness: float = 0.3
    #: Added per unit of payer evidence for the document's customer (a tie-break, not proof).
    named_payer: float = 0.02
    #: The payer looks like another customer at least this much: a contradiction ...
    named_contradiction_from: float = 0.45
    #: ... costing this much with an exact amount (a parent paying for a subsidiary is normal),
    named_contradiction_exact: float = 0.04
    #: ... and this much without (the number may name someone else's document),
    named_contradiction_inexact: float = 0.14
    #: ... in full from this contradiction on (scaled below it).
    named_contradiction_full: float = 0.9
    #: The most a named document scores (the rest is left to structured remittance).
    named_cap: float = 0.995
    #: A weakly named document (fuzzy, tail): base score ...
    weak_base: float = 0.35
    #: ... plus this times the amount quality squared (the amount must confirm) ...
    weak_amount: float = 0.35
    #: ... plus this times the payer evidence (the customer must confirm);
    weak_payer: float = 0.25
    #: taken off when the amount fits only approximately (quality below 0.97),
    weak_inexact: float = 0.1
    #: and off when the payer is clearly another customer (contradiction 0.9 or more).
    weak_contradicted: float = 0.2

    # --- Fuzzy references (unnamed._fuzzy_hypotheses) -------------------------------------
    #: Several documents one edit away: each is less likely the one meant.
    fuzzy_several: float = 0.1
    #: One edit from the only open item of exactly this amount: worth a recognised payer.
    fuzzy_unique_amount_payer: float = 0.9

    # --- The payer's items by amount (unnamed._customer_hypotheses) -----------------------
    #: Score of an item of the payer's customer whose open amount the payment equals ...
    amount_base: float = 0.45
    #: ... plus this times the payer evidence times the fit quality;
    amount_payer: float = 0.5
    #: payer evidence added when no other open item anywhere has this amount (the amount
    #: itself identifies the item, so weak payer evidence such as initials suffices);
    amount_unique_support: float = 0.45
    #: taken off for a round amount many items share (``MatchPolicy.common_amount``),
    amount_common: float = 0.03
    #: and off when several of the customer's items fit the amount.
    amount_several: float = 0.15
    #: Several items adding up (``unnamed._subset_confidence``): the model's probability is
    #: raised to this power for the raw score (3: the exponent the scoring had on the
    #: coincidence factor alone, which the history fit of ``calibration.DEFAULT_CONFIDENCE``
    #: checked: subsets at a raw score of 0.917 and more were right at least 99.9% of the time),
    subset_exponent: float = 3.0
    #: ... at most this much (below a named document's ``named_cap``: a reference says more),
    subset_cap: float = 0.99
    #: ... with the payer evidence's share for the customer never counted above this (a known
    #: account still leaves one payment in a thousand to someone else: an account learnt from
    #: one payment, a payment service not yet known as one).
    subset_share_max: float = 0.999
    #: Taken off when another subset adds up too (in either reading: full or discounted) ...
    subset_several: float = 0.2
    #: ... and when the customer has more open items than the search looked at.
    subset_truncated: float = 0.05
    #: One item the amount fits less a bank fee (no reference): base and payer weight.
    fee_base: float = 0.35
    fee_payer: float = 0.4

    # --- Doubts and costs (evaluate, named): what keeps a hypothesis from auto ------------
    #: A doubt caps a hypothesis this far below the auto bar (``MatchPolicy.auto_threshold``):
    #: a part payment from a payer not known for the document, other numbers in the text that
    #: name no open item, a list that may be cut, credit notes that explain a shortfall.  It
    #: stays the first suggestion.  (0.01: just below, so what is shown first does not change.)
    doubt_below_auto: float = 0.01
    #: The text contradicts an amount-only hypothesis (it names other open documents, or one
    #: that is not open): capped this far below the bar, under the plain doubts (0.02).
    contradiction_below_auto: float = 0.02
    #: The text names a document of another customer while the amount is exactly an open item
    #: of the payer's: the named one still contradicts unless the payer evidence for the item's
    #: customer is at least this (a known account, an exact name or alias: 0.97 and more; a
    #: prefix of a truncated name, 0.85-0.9, is not firm enough) ...
    own_customer_payer: float = 0.95
    #: ... and that for the named document's customer at most this (a shared payer's members
    #: score 0.5: one of them is as likely the payer as anyone, so its document may be meant).
    foreign_document_payer: float = 0.3
    #: A document named exactly but paid only in part by a payer not known for it, while one a
    #: typo away fits the amount exactly and reaches the auto bar on its own: the named reading
    #: is capped this far below the bar (0.1: under the margin ``MatchPolicy.ambiguity_margin``
    #: asks of the typo reading's 0.92-0.95, so the explained-away reading makes no tie).
    explained_away_below_auto: float = 0.1
    #: A named document while the amount is exactly another open item of the same customer:
    #: taken off (and capped as a doubt); the other item is offered 0.01 below.
    conflicting_exact: float = 0.15
    #: Documents of several customers named together (a group paying for its members).
    several_customers: float = 0.03
    #: Several documents named: a single one explains the amount only exactly, so an inexact
    #: fit of one of them loses this much quality.
    single_of_several: float = 0.4
    #: A later instalment of a document named with an earlier one (the earliest due is paid
    #: first): quality taken off (a tie-break).
    later_instalment: float = 0.15
    #: Fewer than all of the named documents add up: taken off the subset.
    named_subset: float = 0.03
    #: The text describes another kind of payment (salary, refund, interest ...): the most
    #: any hypothesis then scores (a suggestion at best).
    not_receivables_cap: float = 0.6
    #: The documents named are settled already: a duplicate payment kept on account.
    duplicate_on_account: float = 0.55
    #: A named document paid short by exactly one open credit memo of its customer: the
    #: deduction reading loses this much ...
    netted_memo_doubt: float = 0.1
    #: ... and the netted reading scores this much above it, at most ``netted_memo_cap``.
    netted_memo_gain: float = 0.08
    netted_memo_cap: float = 0.99
    #: The rest of an overpayment is documents the text misspells, or a list's rest: their
    #: hypothesis scores this much below a strongly named exact one.
    misspelt_rest: float = 0.02
    #: A cut list whose customer has more open items than the search looked at.
    cut_list_truncated: float = 0.05

    # --- The amount alone (unnamed._amount_only) --------------------------------------------
    #: An unknown payer paying the open amount of an item: a suggestion at most ...
    amount_only: float = 0.45
    #: ... less this per other open item of the same amount.
    amount_only_each_other: float = 0.1
