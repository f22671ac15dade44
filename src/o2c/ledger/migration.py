"""Migration: customers, open items and payment history from another system into a ledger.

The core parses rows (``Mapping[str, str]``, e.g. from :class:`csv.DictReader`) into a
:class:`MigrationPlan`: the facts to append, the customers, and every rejected row with the
reason (errors as values: one bad row does not stop the parse).  :func:`load` appends the plan
to a :class:`~o2c.ledger.Ledger` as **one atomic batch**; by default it loads nothing while any
row is rejected, so a migration is never half-loaded.  Fact ids are derived from the rows'
ids, so loading the same files twice changes nothing.  Reading the files is the command's job
(``o2c migrate``, :mod:`o2c.cli.commands.migrate`).

Columns (a header row; extra columns are ignored; amounts use ``.`` as decimal point and must
not have more decimals than the currency; dates are ``YYYY-MM-DD``):

``customers``
    ``customer_id`` (required), ``name``, ``currency``, ``credit_limit`` (an amount in
    ``currency``), ``payment_terms`` (text, kept as given).
``open_items``
    ``customer_id``, ``item_id``, ``kind`` (``invoice`` or ``credit_memo``),
    ``document_number`` (defaults to ``item_id``), ``document_date``, ``due_date`` (invoices;
    defaults to the document date), ``currency``, ``original_amount``, ``open_amount``
    (``0 < open <= original``), ``payment_reference``.
    An invoice becomes an :class:`~o2c.ledger.InvoiceIssued` for the original amount; when it
    is partly settled, a payment ``<item_id>:settled-before-migration`` for the difference,
    allocated to it on the cut-over date, records that (a credit memo likewise gets an
    allocation to a closed item of that id).
``payments`` (history)
    ``customer_id``, ``payment_id``, ``value_date``, ``currency``, ``amount``,
    ``unapplied_amount`` (default 0: fully applied), ``payer_name``, ``payer_account``,
    ``reference``.  Each becomes a :class:`~o2c.ledger.PaymentReceived`; the unapplied part
    stays open on account, the applied part settles the invoices of its ``settlements`` rows.
``settlements`` (history, optional)
    One row per settlement of an invoice closed before the cut-over, as an ERP's cleared-items
    report (SAP FBL5N cleared items: document date, net due date, clearing document and date)
    or its receipt applications (Oracle AR: receipt, transaction, apply date) gives it:
    ``customer_id``, ``payment_id`` (the payment in the payments file that settled it),
    ``item_id`` (the invoice), ``document_number`` (defaults to ``item_id``),
    ``document_date``, ``due_date`` (defaults to the document date), ``currency`` (the
    payment's), ``amount`` (what this payment settled of the invoice) and
    ``settlement_date`` (the clearing date; defaults to the payment's value date, on or after
    the document date and the payment's value date, not after the cut-over).  An invoice paid
    in parts has one row per payment (their document and due dates agree); it is migrated as an
    :class:`~o2c.ledger.InvoiceIssued` for the sum of its rows with one allocation per row on
    its settlement date, so days late, days to pay, credit scores and forecasts computed after
    the migration see when the customer really paid.  A separate file rather than columns on
    the payments file, because one payment settles several invoices and one invoice can be
    settled by several payments: the settlement is its own record in every ERP.

    What a payment applied beyond its settlement rows (all of it without a settlements file)
    settles a closed stand-in ``<payment_id>:applied-before-migration`` whose dates are not
    known: it is marked ``stand_in`` and left out of payment behaviour, never counted as a
    punctual payment.  Adding settlement rows later changes the stand-ins, which a ledger
    already loaded refuses (``DuplicateFactError``): migrate into a fresh ledger instead.

Every amount is checked against o2c's amount limit (:func:`o2c.money.check_amount`: at most
15 digits before the point) and must not have more decimals than its currency.

>>> import datetime as dt
>>> plan = plan_migration(
...     customers=[{"customer_id": "C1", "name": "Acme"}],
...     open_items=[{"customer_id": "C1", "item_id": "INV-1", "kind": "invoice",
...                  "document_date": "2026-03-01", "due_date": "2026-03-31", "currency": "EUR",
...                  "original_amount": "100.00", "open_amount": "40.00"},
...                 {"customer_id": "C9", "item_id": "INV-2", "kind": "invoice",
...                  "document_date": "2026-03-01", "currency": "EUR",
...                  "original_amount": "1,00", "open_amount": "1,00"}],
...     payments=[],
...     cutover=dt.date(2026, 3, 31),
...     recorded_at=dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc))
>>> [f.kind.value for f in plan.facts]
['invoice_issued', 'payment_received', 'payment_allocated']
>>> [(r.source, r.row, r.error.field) for r in plan.rejected]
[('open_items', 3, 'customer_id')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import attrs
from moneyed import Currency, Money

from o2c.errors import ImportRowError, O2CError, ValidationError
from o2c.ledger.facts import (
    CreditMemoIssued,
    Fact,
    InvoiceIssued,
    PaymentAllocated,
    PaymentReceived,
)
from o2c.ledger.ids import CustomerId, FactId, ItemId, PaymentId
from o2c.ledger.ledger import AppendResult, Ledger
from o2c.money import check_amount, currency, minor_unit, to_decimal
from o2c.terms import Instalment

__all__ = [
    "CUSTOMER_COLUMNS",
    "MigratedCustomer",
    "MigrationPlan",
    "OPEN_ITEM_COLUMNS",
    "PAYMENT_COLUMNS",
    "RejectedRow",
    "SETTLEMENT_COLUMNS",
    "load",
    "plan_migration",
]

CUSTOMER_COLUMNS = ("customer_id", "name", "currency", "credit_limit", "payment_terms")
OPEN_ITEM_COLUMNS = (
    "customer_id",
    "item_id",
    "kind",
    "document_number",
    "document_date",
    "due_date",
    "currency",
    "original_amount",
    "open_amount",
    "payment_reference",
)
PAYMENT_COLUMNS = (
    "customer_id",
    "payment_id",
    "value_date",
    "currency",
    "amount",
    "unapplied_amount",
    "payer_name",
    "payer_account",
    "reference",
)
SETTLEMENT_COLUMNS = (
    "customer_id",
    "payment_id",
    "item_id",
    "document_number",
    "document_date",
    "due_date",
    "currency",
    "amount",
    "settlement_date",
)

#: A file's rows: mappings by column name, or ``(line, mapping)`` pairs when the reader knows
#: each row's line number (blank lines skipped); plain mappings are numbered from line 2.
Rows = Iterable[Mapping[str, str | None] | tuple[int, Mapping[str, str | None]]]


@attrs.frozen(kw_only=True)
class MigratedCustomer:
    """A customer from the customers file (the ledger itself keeps no customer master)."""

    customer_id: CustomerId
    name: str = ""
    currency: str | None = None
    credit_limit: Money | None = None
    payment_terms: str = ""


@attrs.frozen(kw_only=True)
class RejectedRow:
    """A row that was not migrated: which file, which line (the header is line 1), and why."""

    source: str
    row: int
    error: ImportRowError

    def __str__(self) -> str:
        return f"{self.source} line {self.row}: {self.error.message}"


@attrs.frozen(kw_only=True)
class MigrationPlan:
    """What a migration would append, and what it rejected."""

    facts: tuple[Fact, ...]
    customers: tuple[MigratedCustomer, ...]
    rejected: tuple[RejectedRow, ...]
    #: Accepted rows per source file.
    accepted: tuple[tuple[str, int], ...]


class _Row:
    """Field access on one row that raises ImportRowError naming the field."""

    def __init__(self, data: Mapping[str, str | None], row: int) -> None:
        self.data = data
        self.row = row

    def text(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = (self.data.get(name) or "").strip()
        if not value and required:
            raise ImportRowError(f"{name} is missing", row=self.row, field=name, value=value)
        return value or default

    def date(self, name: str, *, default: dt.date | None = None) -> dt.date:
        value = self.text(name, required=default is None)
        if not value and default is not None:
            return default
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ImportRowError(
                f"{name}={value!r} is not a date: write it as YYYY-MM-DD",
                row=self.row,
                field=name,
                value=value,
            ) from None

    def currency(self, name: str = "currency") -> str:
        value = self.text(name)
        try:
            return str(currency(value).code)
        except O2CError as exc:
            raise ImportRowError(str(exc), row=self.row, field=name, value=value) from None

    def amount(self, name: str, code: str, *, default: str | None = None) -> Decimal:
        value = self.text(name, required=default is None) or (default or "")
        try:
            amount = check_amount(to_decimal(value, field=name), field=name)
        except (ValidationError, TypeError) as exc:
            raise ImportRowError(str(exc), row=self.row, field=name, value=value) from None
        if amount % minor_unit(code) != 0:
            raise ImportRowError(
                f"{name}={value!r} has more decimals than {code} allows",
                row=self.row,
                field=name,
                value=value,
            )
        if amount < 0:
            raise ImportRowError(
                f"{name}={value!r} is negative: give amounts as positive numbers",
                row=self.row,
                field=name,
                value=value,
            )
        return amount


def plan_migration(
    *,
    customers: Rows,
    open_items: Rows,
    payments: Rows,
    cutover: dt.date,
    recorded_at: dt.datetime,
    recorded_by: str = "migration",
    settlements: Rows = (),
) -> MigrationPlan:
    """Parse the files' rows into facts; rejected rows are reported, not raised.

    Args:
        customers, open_items, payments, settlements: rows by column name (see the module
            docstring); ``settlements`` is optional.
        cutover: the date the open amounts are as of (partial settlements take effect then).
        recorded_at: when the migration is recorded (every fact gets it).
        recorded_by: who recorded it.
    """
    facts: list[Fact] = []
    rejected: list[RejectedRow] = []
    known: dict[str, MigratedCustomer] = {}
    ids: set[str] = set()
    accepted = {"customers": 0, "open_items": 0, "payments": 0, "settlements": 0}
    #: Payment id -> its customer, currency, value date and applied part not yet settled.
    paid: dict[str, tuple[CustomerId, str, dt.date, Decimal]] = {}
    #: Invoice id -> (its first row's line, its fact's fields) and its settlements.
    closed: dict[str, tuple[int, dict[str, object]]] = {}
    settled: dict[str, list[tuple[str, Decimal, dt.date]]] = {}
    reason = f"migration (cut-over {cutover.isoformat()})"
    common = {"recorded_at": recorded_at, "recorded_by": recorded_by, "reason": reason}

    def each(source: str, rows: Rows, parse: Callable[[_Row], list[Fact]]) -> None:
        for number, entry in enumerate(rows, start=2):
            line, data = entry if isinstance(entry, tuple) else (number, entry)
            try:
                new = parse(_Row(data, line))
            except ImportRowError as exc:
                rejected.append(RejectedRow(source=source, row=line, error=exc))
            except ValidationError as exc:  # a fact's own check, the amount limit ...
                error = ImportRowError(exc.message, row=line, field=exc.field, value=exc.value)
                rejected.append(RejectedRow(source=source, row=line, error=error))
            else:
                facts.extend(new)
                accepted[source] += 1

    def customer_of(row: _Row) -> CustomerId:
        cid = row.text("customer_id")
        if cid not in known:
            raise ImportRowError(
                f"customer_id={cid!r} is not in the customers file (or its row was rejected)",
                row=row.row,
                field="customer_id",
                value=cid,
            )
        return CustomerId(cid)

    def unique(row: _Row, name: str, value: str) -> None:
        if value in ids:
            raise ImportRowError(
                f"{name}={value!r} appears more than once", row=row.row, field=name, value=value
            )
        ids.add(value)

    def parse_customer(row: _Row) -> list[Fact]:
        cid = row.text("customer_id")
        if cid in known:
            raise ImportRowError(
                f"customer_id={cid!r} appears more than once",
                row=row.row,
                field="customer_id",
                value=cid,
            )
        code = row.currency() if row.text("currency", required=False) else None
        limit = None
        if row.text("credit_limit", required=False):
            if code is None:
                raise ImportRowError(
                    "credit_limit needs a currency", row=row.row, field="currency", value=""
                )
            limit = Money(row.amount("credit_limit", code), currency(code))
        known[cid] = MigratedCustomer(
            customer_id=CustomerId(cid),
            name=row.text("name", required=False),
            currency=code,
            credit_limit=limit,
            payment_terms=row.text("payment_terms", required=False),
        )
        return []

    def parse_open_item(row: _Row) -> list[Fact]:
        cid = customer_of(row)
        item_id = row.text("item_id")
        kind = row.text("kind")
        if kind not in ("invoice", "credit_memo"):
            raise ImportRowError(
                f"kind={kind!r} is not 'invoice' or 'credit_memo'",
                row=row.row,
                field="kind",
                value=kind,
            )
        code = row.currency()
        doc_date = row.date("document_date")
        due = row.date("due_date", default=doc_date)
        original = row.amount("original_amount", code)
        open_amount = row.amount("open_amount", code)
        if not 0 < open_amount <= original:
            raise ImportRowError(
                f"open_amount {open_amount} must be above 0 and at most original_amount "
                f"{original} (closed items are not migrated)",
                row=row.row,
                field="open_amount",
                value=str(open_amount),
            )
        if doc_date > cutover:
            raise ImportRowError(
                f"document_date {doc_date} is after the cut-over {cutover}",
                row=row.row,
                field="document_date",
                value=doc_date.isoformat(),
            )
        unique(row, "item_id", item_id)
        cur = currency(code)
        number = row.text("document_number", required=False, default=item_id)
        reference = row.text("payment_reference", required=False) or None
        out: list[Fact] = []
        settled = original - open_amount
        if kind == "invoice":
            out.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"migration:{item_id}",
                    customer_id=cid,
                    item_id=item_id,
                    document_number=number,
                    document_date=doc_date,
                    instalments=[Instalment(number=1, due_date=due, amount=Money(original, cur))],
                    payment_reference=reference,
                    **common,  # type: ignore[arg-type]
                )
            )
            if settled:
                source = PaymentId(f"{item_id}:settled-before-migration")
                out.append(
                    PaymentReceived(
                        fact_id=FactId(f"migration:{source}"),
                        customer_id=cid,
                        effective=cutover,
                        payment_id=source,
                        amount=Money(settled, cur),
                        value_date=cutover,
                        payer_name="(settled before migration)",
                        **common,  # type: ignore[arg-type]
                    )
                )
                out.append(_settle(source, ItemId(item_id), cid, settled, cur, cutover, common))
        else:
            out.append(
                CreditMemoIssued(
                    fact_id=FactId(f"migration:{item_id}"),
                    customer_id=cid,
                    effective=doc_date,
                    item_id=ItemId(item_id),
                    document_number=number,
                    document_date=doc_date,
                    amount=Money(original, cur),
                    payment_reference=reference,
                    **common,  # type: ignore[arg-type]
                )
            )
            if settled:
                target = ItemId(f"{item_id}:used-before-migration")
                out.append(_closed_item(target, cid, settled, cur, doc_date, common))
                out.append(_settle(item_id, target, cid, settled, cur, cutover, common))
        return out

    def parse_payment(row: _Row) -> list[Fact]:
        cid = customer_of(row)
        payment_id = row.text("payment_id")
        code = row.currency()
        value_date = row.date("value_date")
        amount = row.amount("amount", code)
        unapplied = row.amount("unapplied_amount", code, default="0")
        if amount <= 0 or unapplied > amount:
            raise ImportRowError(
                f"amount {amount} must be positive and unapplied_amount {unapplied} at most that",
                row=row.row,
                field="unapplied_amount" if amount > 0 else "amount",
                value=str(unapplied if amount > 0 else amount),
            )
        if value_date > cutover:
            raise ImportRowError(
                f"value_date {value_date} is after the cut-over {cutover}",
                row=row.row,
                field="value_date",
                value=value_date.isoformat(),
            )
        unique(row, "payment_id", payment_id)
        cur = currency(code)
        paid[payment_id] = (cid, code, value_date, amount - unapplied)
        out: list[Fact] = [
            PaymentReceived(
                fact_id=FactId(f"migration:{payment_id}"),
                customer_id=cid,
                effective=value_date,
                payment_id=PaymentId(payment_id),
                amount=Money(amount, cur),
                value_date=value_date,
                payer_name=row.text("payer_name", required=False),
                payer_account=row.text("payer_account", required=False),
                reference=row.text("reference", required=False),
                **common,  # type: ignore[arg-type]
            )
        ]
        return out

    def parse_settlement(row: _Row) -> list[Fact]:
        cid = customer_of(row)
        payment_id = row.text("payment_id")
        item_id = row.text("item_id")
        if payment_id not in paid or paid[payment_id][0] != cid:
            raise ImportRowError(
                f"payment_id={payment_id!r} is not a payment of customer {cid!r} in the payments "
                "file (or its row was rejected)",
                row=row.row,
                field="payment_id",
                value=payment_id,
            )
        _, pay_code, value_date, left = paid[payment_id]
        code = row.currency()
        if code != pay_code:
            raise ImportRowError(
                f"currency={code!r} is not the payment's {pay_code}: settlements are in the "
                "currency of the payment and the invoice",
                row=row.row,
                field="currency",
                value=code,
            )
        doc_date = row.date("document_date")
        fields: dict[str, object] = {
            "customer_id": cid,
            "document_number": row.text("document_number", required=False, default=item_id),
            "document_date": doc_date,
            "due_date": row.date("due_date", default=doc_date),
            "currency": code,
        }
        amount = row.amount("amount", code)
        when = row.date("settlement_date", default=value_date)
        if amount <= 0:
            raise ImportRowError(
                f"amount {amount} must be positive", row=row.row, field="amount", value=str(amount)
            )
        if item_id in ids:
            raise ImportRowError(
                f"item_id={item_id!r} is an open item or a payment: settlements are of invoices "
                "closed before the cut-over (an open item's settled part is original_amount "
                "less open_amount)",
                row=row.row,
                field="item_id",
                value=item_id,
            )
        first = closed.get(item_id)
        if first is not None:
            for name, value in fields.items():
                if first[1][name] != value:
                    raise ImportRowError(
                        f"{name}={value!s} of invoice {item_id!r} disagrees with line "
                        f"{first[0]} ({first[1][name]!s})",
                        row=row.row,
                        field=name,
                        value=str(value),
                    )
            if any(p == payment_id for p, _, _ in settled[item_id]):
                raise ImportRowError(
                    f"invoice {item_id!r} is settled by payment {payment_id!r} twice: give one "
                    "row per payment and invoice",
                    row=row.row,
                    field="item_id",
                    value=item_id,
                )
        if fields["due_date"] < doc_date:  # type: ignore[operator]
            raise ImportRowError(
                f"due_date {fields['due_date']} is before the document_date {doc_date}",
                row=row.row,
                field="due_date",
                value=str(fields["due_date"]),
            )
        if not max(doc_date, value_date) <= when <= cutover:
            raise ImportRowError(
                f"settlement_date {when} must be on or after the document date {doc_date} and "
                f"the payment's value date {value_date}, and not after the cut-over {cutover}",
                row=row.row,
                field="settlement_date",
                value=when.isoformat(),
            )
        if amount > left:
            raise ImportRowError(
                f"amount {amount} is more than payment {payment_id!r} has left to apply ({left} "
                "of amount less unapplied_amount, after its other settlements)",
                row=row.row,
                field="amount",
                value=str(amount),
            )
        total = sum((a for _, a, _ in settled.get(item_id, ())), amount)
        check_amount(total, field="amount")
        paid[payment_id] = (cid, pay_code, value_date, left - amount)
        closed.setdefault(item_id, (row.row, fields))
        settled.setdefault(item_id, []).append((payment_id, amount, when))
        return []

    each("customers", customers, parse_customer)
    each("open_items", open_items, parse_open_item)
    each("payments", payments, parse_payment)
    each("settlements", settlements, parse_settlement)
    for item_id, (_line, fields) in closed.items():
        cid, cur = CustomerId(str(fields["customer_id"])), currency(str(fields["currency"]))
        parts = settled[item_id]
        facts.append(
            InvoiceIssued.from_instalments(
                fact_id=f"migration:{item_id}",
                customer_id=cid,
                item_id=item_id,
                document_number=str(fields["document_number"]),
                document_date=fields["document_date"],  # type: ignore[arg-type]
                instalments=[
                    Instalment(
                        number=1,
                        due_date=fields["due_date"],  # type: ignore[arg-type]
                        amount=Money(sum((a for _, a, _ in parts), Decimal(0)), cur),
                    )
                ],
                **common,  # type: ignore[arg-type]
            )
        )
        for payment_id, amount, when in parts:
            facts.append(_settle(payment_id, ItemId(item_id), cid, amount, cur, when, common))
    for payment_id, (cid, code, value_date, left) in paid.items():
        if left:
            cur = currency(code)
            target = ItemId(f"{payment_id}:applied-before-migration")
            facts.append(_closed_item(target, cid, left, cur, value_date, common))
            facts.append(_settle(payment_id, target, cid, left, cur, value_date, common))
    return MigrationPlan(
        facts=tuple(facts),
        customers=tuple(known.values()),
        rejected=tuple(rejected),
        accepted=tuple(accepted.items()),
    )


def _closed_item(
    item_id: ItemId,
    cid: CustomerId,
    amount: Decimal,
    cur: Currency,
    when: dt.date,
    common: Mapping[str, object],
) -> InvoiceIssued:
    """A stand-in for what was settled before the migration (closed once settled).

    Its dates are not the customer's (the source did not give them): it is marked
    ``stand_in``, so payment behaviour leaves it out.
    """
    money_ = Money(amount, cur)
    stand_in = InvoiceIssued.from_instalments(
        fact_id=f"migration:{item_id}",
        customer_id=cid,
        item_id=item_id,
        document_number="(settled before migration)",
        document_date=when,
        instalments=[Instalment(number=1, due_date=when, amount=money_)],
        **common,  # type: ignore[arg-type]
    )
    return attrs.evolve(stand_in, stand_in=True)


def _settle(
    source: str,
    item_id: ItemId,
    cid: CustomerId,
    amount: Decimal,
    cur: Currency,
    when: dt.date,
    common: Mapping[str, object],
) -> PaymentAllocated:
    return PaymentAllocated(
        fact_id=FactId(f"migration:{source}->{item_id}"),
        customer_id=cid,
        effective=when,
        source_id=source,
        item_id=item_id,
        applied=Money(amount, cur),
        **common,  # type: ignore[arg-type]
    )


def load(ledger: Ledger, plan: MigrationPlan, *, accept_partial: bool = False) -> AppendResult:
    """Append the plan's facts to the ledger as one atomic batch.

    Facts an earlier run of the same migration stored (same id and content, whatever their
    recording time) are left alone, so a migration can be run again after a failure; a row
    whose content changed since (another amount, another date) is refused with
    ``DuplicateFactError``: a correction is a new fact, not a re-import.

    Args:
        accept_partial: load the accepted rows even though some were rejected.

    Raises:
        ValidationError: rows were rejected and ``accept_partial`` is false (nothing loaded).
        DuplicateFactError: a row's fact id is already stored with other content.
        InvalidFactError, ConcurrencyError: the ledger refused the batch (nothing loaded).
    """
    if plan.rejected and not accept_partial:
        raise ValidationError(
            f"{len(plan.rejected)} row(s) were rejected, so nothing was loaded: fix them, or "
            "load the accepted rows with accept_partial=True (--accept-partial)",
            field="rejected",
            value=len(plan.rejected),
        )
    return ledger.append(plan.facts)
