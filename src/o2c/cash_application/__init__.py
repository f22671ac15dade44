"""Cash application: from incoming payments and open items to allocations, with evidence.

The package, one concept per module (each class of evidence has one home):

- :mod:`~o2c.cash_application.model`: the result types (decisions, allocations, residuals);
- :mod:`~o2c.cash_application.policy`: :class:`MatchPolicy`, the thresholds and tolerances;
- :mod:`~o2c.cash_application.candidates`: the open items, documents and customers of a batch and
  the references each payment names;
- :mod:`~o2c.cash_application.payers`: who the payer may be (accounts, names, customer numbers);
- :mod:`~o2c.cash_application.evidence`: what the words of a remittance say;
- :mod:`~o2c.cash_application.reasons`: the one table of words and codes (free text, camt.054,
  X12 820) that explain a difference: deductions, credit notes, charges, partial payments;
- :mod:`~o2c.cash_application.amounts` and :mod:`~o2c.cash_application.subsets`: how an amount fits
  one item or a set of items;
- :mod:`~o2c.cash_application.structured`, :mod:`~o2c.cash_application.named`,
  :mod:`~o2c.cash_application.unnamed`: the hypotheses, by what names the items;
- :mod:`~o2c.cash_application.scoring` and :mod:`~o2c.cash_application.evaluate`: their raw score;
- :mod:`~o2c.cash_application.calibration`: the raw score mapped to the precision it has shown on
  a ledger's confirmed history (:func:`fit_confidence`; the shipped :data:`DEFAULT_CONFIDENCE`);
- :mod:`~o2c.cash_application.x12`: X12 820 remittance (``RMR``/``ADX``) read as documents;
- :mod:`~o2c.cash_application.decide`: the batch and its decisions;
- :mod:`~o2c.cash_application.posting`: the ledger facts of automatic results;
- :mod:`~o2c.cash_application.prevalidation` and :mod:`~o2c.cash_application.screening`: every
  incoming payment (and refund) checked before matching: duplicates, accounts, payee names,
  sanctions lists, anomalies (PASS / FLAG / HOLD);
- :mod:`~o2c.cash_application.intake` and :mod:`~o2c.cash_application.worklist`: the import loop
  (nothing left on the floor: unapplied cash, suspense, holds and flags recorded) and the
  worklist of open exceptions with the decisions people take on them;
- :mod:`~o2c.cash_application.advices`: remittance advices sent apart from the payment (e-mail
  text, tables, PDF text), linked to their bank lines and given to the matcher as remittance.

The pipeline, per payment:

1. **Candidates.**  The documents the payment names (:mod:`o2c.remittance`: structured
   documents, creditor references, document numbers in any spelling, lists and ranges), the
   customers the payer may be (its account seen before, its name normalised and fuzzy-matched
   by :mod:`o2c.names`, a customer number in the text, the customers of the named documents),
   and the open items of those customers.
2. **Evidence.**  Each hypothesis (a set of items and an explanation of the amount) collects
   what supports it: how the items were named, how the payer matches their customer, how the
   amount fits (exact; earned discount; discount taken late, a deduction; bank fee within the
   currency's band; short payment within the tolerance, with its reason; partial payment;
   overpayment, the rest on account; another currency through the rates, with an FX
   difference; several items by a bounded exact subset-sum), and how rare the amount is.
3. **Decision.**  The raw score of the best hypothesis, its margin over the next one and its
   *confidence* (the precision such scores have shown on confirmed history: ``auto`` means at
   least 99.8% expected precision) give the decision under a :class:`MatchPolicy`: ``AUTO``
   (post it), ``SUGGEST`` (show it to a person) or ``LEAVE``.  Two hypotheses that are nearly
   as good (two subsets, two equal items and no reference) are never applied automatically.
4. **Allocations.**  Per item: the amount applied (item currency, what its open amount goes
   down by), the cash it received (payment currency) and the residuals (discount, deduction
   with its reason, bank fee, FX difference); the rest of the payment goes on account.  What
   a payment allocates plus its residuals equals its amount, always.

A batch (:func:`match_payments`) is deterministic: payments are decided strongest first, then by
value date and payment id (the documented tie-break), and an item settled by one payment is not
offered to the next (a duplicate payment goes on account).

>>> import datetime as dt
>>> from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
>>> from o2c.money import money
>>> from o2c.statement import Payment
>>> item = OpenItem(item_id=ItemId("I1"), customer_id=CustomerId("C1"),
...     kind=ItemKind.INVOICE, document_number="INV-2026-100042",
...     document_date=dt.date(2026, 3, 1), due_date=dt.date(2026, 3, 31),
...     original_amount=money("1190.00", "EUR"), open_amount=money("1190.00", "EUR"))
>>> pay = Payment(payment_id="P1", value_date=dt.date(2026, 3, 20),
...     amount=money("1175.00", "EUR"), payer_name="ACME GMBH",
...     reference="Rechnung inv 2026 100042")
>>> [result] = match_payments([pay], [item], customers=[CustomerProfile("C1", "Acme GmbH")])
>>> result.decision, result.confidence, result.score
(<MatchDecision.AUTO: 'auto'>, 0.9997, 0.995)
>>> [(a.item_id, str(a.applied.amount), [(r.kind.value, str(r.amount.amount))
...   for r in a.residuals]) for a in result.allocations]
[('I1', '1190.00', [('bank_fee', '15.00')])]
"""

from o2c.cash_application.advices import (
    AdviceLine,
    AdviceLink,
    AdvicePolicy,
    AdviceStyle,
    LinkStatus,
    RemittanceAdvice,
    apply_advices,
    link_advices,
    parse_advice,
)
from o2c.cash_application.calibration import (
    DEFAULT_CONFIDENCE,
    ConfidenceMap,
    fit_confidence,
    labelled_outcomes,
)
from o2c.cash_application.decide import match_payments
from o2c.cash_application.intake import IntakeLine, IntakePlan, LineOutcome, plan_intake
from o2c.cash_application.model import (
    Allocation,
    CustomerProfile,
    MatchDecision,
    MatchResult,
    Proposal,
    Residual,
    ResidualKind,
)
from o2c.cash_application.payers import (
    ConfirmedPayment,
    PayerKnowledge,
    learn_aliases,
    learn_payers,
    payer_key,
)
from o2c.cash_application.policy import MatchPolicy
from o2c.cash_application.posting import ApplyReport, apply, payment_facts
from o2c.cash_application.prevalidation import (
    Finding,
    PrevalidationContext,
    PrevalidationPolicy,
    PrevalidationResult,
    Verdict,
    prevalidate,
    prevalidate_refund,
)
from o2c.cash_application.worklist import (
    DEFAULT_LOOP_POLICY,
    ExceptionKind,
    LoopPolicy,
    WorkItem,
)

__all__ = [
    "AdviceLine",
    "AdviceLink",
    "AdvicePolicy",
    "AdviceStyle",
    "Allocation",
    "ApplyReport",
    "ConfidenceMap",
    "ConfirmedPayment",
    "CustomerProfile",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_LOOP_POLICY",
    "ExceptionKind",
    "Finding",
    "IntakeLine",
    "IntakePlan",
    "LineOutcome",
    "LinkStatus",
    "LoopPolicy",
    "MatchDecision",
    "MatchPolicy",
    "MatchResult",
    "PayerKnowledge",
    "PrevalidationContext",
    "PrevalidationPolicy",
    "PrevalidationResult",
    "Proposal",
    "RemittanceAdvice",
    "Residual",
    "ResidualKind",
    "Verdict",
    "WorkItem",
    "apply",
    "apply_advices",
    "fit_confidence",
    "labelled_outcomes",
    "learn_aliases",
    "learn_payers",
    "link_advices",
    "match_payments",
    "parse_advice",
    "payer_key",
    "payment_facts",
    "plan_intake",
    "prevalidate",
    "prevalidate_refund",
]
