"""Migration: customers, payer accounts, open items and payment history into a ledger.

The core parses rows (``Mapping[str, str]``, e.g. from :class:`csv.DictReader`) into a
:class:`MigrationPlan`: the facts to append, the customers, and every rejected row with the
reason (errors as values: one bad row does not stop the parse).  :func:`post_migration` appends
the plan to a :class:`~o2c.ledger.Ledger` as **one atomic batch**; by default it loads nothing
while any row is rejected, so a migration is never half-loaded.  Fact ids are derived from the rows'
ids, so loading the same files twice changes nothing.  Reading the files is the command's job
(``o2c migrate``, :mod:`o2c.cli.commands.migrate`).

Columns (a header row; extra columns are ignored; amounts use ``.`` as decimal point and must
not have more decimals than the currency; dates are ``YYYY-MM-DD``):

``customers``
    ``customer_id`` (required), ``name``, ``country`` (ISO 3166 alpha-2), ``segment``,
    ``currency``, ``credit_limit`` (an amount in ``currency``), ``credit_group``, ``terms`` or
    ``payment_terms`` (text, kept as given), ``tax_id`` (several separated by ``;``),
    ``email``, ``phone``, ``locale`` (e.g. ``de_DE``), ``street``, ``postcode``, ``city``
    (the billing address, in ``country``) and ``aliases`` (separated by ``;``).  Each row
    registers the customer in the master (:class:`~o2c.ledger.CustomerRegistered`, effective on
    the cut-over date: the record is known as of then), each alias a
    :class:`~o2c.ledger.CustomerAliasAdded`.  Without a customers file (``customers=None``) the
    customers are those of the open items, each registered with the ``customer_name`` of its
    first row.
``payer_accounts``
    ``customer_id``, ``account`` (an IBAN or other account number; spaces and case do not
    matter), ``holder_name``, ``bic``.  Each row links the account to the customer as master
    data (:class:`~o2c.ledger.PayerAccountLinked`, effective on the cut-over date); an account
    on several rows pays for several customers.
``open_items``
    ``customer_id``, ``item_id``, ``kind`` (``invoice`` or ``credit_memo``; without it, a
    negative amount is a credit memo), ``document_number`` (defaults to ``item_id``),
    ``document_date``, ``due_date`` (invoices; defaults to the document date), ``currency``,
    ``original_amount``, ``open_amount`` (``0 < open <= original`` in size, both of one sign),
    ``payment_reference``, ``discount_date`` and ``discount_amount`` (an early-payment
    discount of an invoice), ``customer_name`` (a name other than the customer's becomes an
    alias).  This reads the layout of ``../shared/bench/*/open_items.csv`` as it is.
    An invoice becomes an :class:`~o2c.ledger.InvoiceIssued` for the original amount; when it
    is partly settled, a payment ``<item_id>:settled-before-migration`` for the difference,
    allocated to it on the cut-over date, records that (a credit memo likewise gets an
    allocation to a closed item of that id).
``payments`` (history)
    ``customer_id``, ``payment_id``, ``value_date``, ``currency``, ``amount``,
    ``unapplied_amount`` (default 0: fully applied), ``payer_name``, ``payer_account``,
    ``reference``.  Each becomes a :class:`~o2c.ledger.PaymentReceived`; the unapplied part
    stays open on account, the applied part settles the invoices of its ``settlements`` rows.
    The accounts the customer paid from are linked to it in the master (first seen on the
    earliest such payment; the holder name its payer name), unless ``payer_accounts`` links
    them: the next payment from one of them is not a first payment from a new account.
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
['customer_registered', 'invoice_issued', 'payment_received', 'payment_allocated']
>>> [(r.source, r.row, r.error.field) for r in plan.rejected]
[('open_items', 3, 'customer_id')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import attrs
from moneyed import Currency, Money

from o2c.errors import ImportRowError, O2CError, ValidationError
from o2c.invoice.parties import Address, Contact
from o2c.ledger.facts import (
    CreditMemoIssued,
    CustomerAddress,
    CustomerAliasAdded,
    CustomerContact,
    CustomerDetails,
    CustomerRegistered,
    Fact,
    InvoiceIssued,
    MasterSource,
    PayerAccountLinked,
    PaymentAllocated,
    PaymentReceived,
    account_key,
    alias_key,
)
from o2c.ledger.ids import CustomerId, FactId, ItemId, PaymentId
from o2c.ledger.ledger import AppendResult, Ledger
from o2c.money import check_amount, currency, minor_unit, to_decimal
from o2c.terms import DiscountOffer, Instalment

__all__ = [
    "CUSTOMER_COLUMNS",
    "MigratedCustomer",
    "MigrationPlan",
    "OPEN_ITEM_COLUMNS",
    "PAYER_ACCOUNT_COLUMNS",
    "PAYMENT_COLUMNS",
    "RejectedRow",
    "SETTLEMENT_COLUMNS",
    "plan_migration",
    "post_migration",
]

CUSTOMER_COLUMNS = (
    "customer_id",
    "name",
    "country",
    "segment",
    "currency",
    "credit_limit",
    "credit_group",
    "terms",
    "payment_terms",
    "tax_id",
    "email",
    "phone",
    "locale",
    "street",
    "postcode",
    "city",
    "aliases",
)
PAYER_ACCOUNT_COLUMNS = ("customer_id", "account", "holder_name", "bic")
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
    "discount_date",
    "discount_amount",
    "customer_name",
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
    """A customer of the migration (its record goes into the master as a
    :class:`~o2c.ledger.CustomerRegistered`; ``details`` is that record)."""

    customer_id: CustomerId
    name: str = ""
    currency: str | None = None
    credit_limit: Money | None = None
    payment_terms: str = ""
    details: CustomerDetails = attrs.field(factory=CustomerDetails)


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

    def amount(
        self, name: str, code: str, *, default: str | None = None, signed: bool = False
    ) -> Decimal:
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
        if amount < 0 and not signed:
            raise ImportRowError(
                f"{name}={value!r} is negative: give amounts as positive numbers",
                row=self.row,
                field=name,
                value=value,
            )
        return amount


def plan_migration(
    *,
    customers: Rows | None,
    open_items: Rows,
    payments: Rows,
    cutover: dt.date,
    recorded_at: dt.datetime,
    recorded_by: str = "migration",
    settlements: Rows = (),
    payer_accounts: Rows = (),
) -> MigrationPlan:
    """Parse the files' rows into facts; rejected rows are reported, not raised.

    Args:
        customers, payer_accounts, open_items, payments, settlements: rows by column name (see
            the module docstring); ``payer_accounts`` and ``settlements`` are optional, and
            ``customers=None`` takes the customers from the open items.
        cutover: the date the open amounts are as of (partial settlements take effect then).
        recorded_at: when the migration is recorded (every fact gets it).
        recorded_by: who recorded it.
    """
    reason = f"migration (cut-over {cutover.isoformat()})"
    common = {"recorded_at": recorded_at, "recorded_by": recorded_by, "reason": reason}
    planner = _Planner(cutover=cutover, common=common, implicit=customers is None)
    planner.read("customers", customers or (), planner.customer)
    planner.read("open_items", open_items, planner.open_item)
    planner.read("payer_accounts", payer_accounts, planner.payer_account)
    planner.read("payments", payments, planner.payment)
    planner.read("settlements", settlements, planner.settlement)
    return planner.plan()


@attrs.frozen(kw_only=True)
class _ClosedInvoice:
    """What every settlement row of an invoice closed before the cut-over must agree on."""

    customer_id: CustomerId
    document_number: str
    document_date: dt.date
    due_date: dt.date
    currency: str


@attrs.frozen(kw_only=True)
class _Settlement:
    """One settlement row: what ``payment_id`` settled of an invoice, and when."""

    payment_id: str
    amount: Decimal
    when: dt.date


@attrs.define(kw_only=True)
class _Paid:
    """A payment of the payments file and the applied part its settlement rows have not used."""

    customer_id: CustomerId
    code: str
    value_date: dt.date
    left: Decimal


@attrs.frozen(kw_only=True)
class _OpenItemRow:
    """An accepted row of the open items file."""

    customer_id: CustomerId
    item_id: ItemId
    document_number: str
    document_date: dt.date
    due_date: dt.date
    currency: Currency
    original: Decimal
    #: What was settled before the cut-over (original less open amount).
    settled: Decimal
    payment_reference: str | None
    discounts: tuple[DiscountOffer, ...] = ()


class _Planner:
    """One migration's parse: the files are read in order, each row checked against the rows
    accepted before it (customers before their items, payments before their settlements)."""

    def __init__(
        self, *, cutover: dt.date, common: Mapping[str, object], implicit: bool = False
    ) -> None:
        self.cutover = cutover
        #: The fields every fact gets (recorded at, by, and the reason).
        self.common = common
        #: No customers file: the open items' customers are registered as they come.
        self.implicit = implicit
        self.facts: list[Fact] = []
        self.rejected: list[RejectedRow] = []
        self.accepted = {
            "customers": 0,
            "payer_accounts": 0,
            "open_items": 0,
            "payments": 0,
            "settlements": 0,
        }
        self.known: dict[str, MigratedCustomer] = {}
        #: (customer, alias key) and (customer, account) already recorded.
        self.aliases: set[tuple[str, str]] = set()
        self.accounts: set[tuple[str, str]] = set()
        #: (customer, account) -> the earliest history payment from it: (date, id, payer name).
        self.paid_from: dict[tuple[str, str], tuple[dt.date, str, str]] = {}
        #: Item and payment ids seen (unique across the open items and payments files).
        self.ids: set[str] = set()
        #: Payment id -> its customer, currency, value date and applied part not yet settled.
        self.paid: dict[str, _Paid] = {}
        #: Invoice id -> (its first row's line, what its rows agree on) and its settlements.
        self.closed: dict[str, tuple[int, _ClosedInvoice]] = {}
        self.settled: dict[str, list[_Settlement]] = {}

    # -- reading ------------------------------------------------------------------------------

    def read(self, source: str, rows: Rows, parse: Callable[[_Row], list[Fact]]) -> None:
        """Parse each row of one file, keeping its facts or the reason it was rejected."""
        for number, entry in enumerate(rows, start=2):
            line, data = entry if isinstance(entry, tuple) else (number, entry)
            try:
                new = parse(_Row(data, line))
            except ImportRowError as exc:
                self.rejected.append(RejectedRow(source=source, row=line, error=exc))
            except ValidationError as exc:  # a fact's own check, the amount limit ...
                error = ImportRowError(exc.message, row=line, field=exc.field, value=exc.value)
                self.rejected.append(RejectedRow(source=source, row=line, error=error))
            else:
                self.facts.extend(new)
                self.accepted[source] += 1

    def customer_of(self, row: _Row) -> CustomerId:
        cid = row.text("customer_id")
        if cid not in self.known:
            where = "the open items" if self.implicit else "the customers file"
            raise ImportRowError(
                f"customer_id={cid!r} is not in {where} (or its row was rejected)",
                row=row.row,
                field="customer_id",
                value=cid,
            )
        return CustomerId(cid)

    def unique(self, row: _Row, name: str, value: str) -> None:
        if value in self.ids:
            raise ImportRowError(
                f"{name}={value!r} appears more than once", row=row.row, field=name, value=value
            )
        self.ids.add(value)

    def not_after_cutover(self, row: _Row, name: str, value: dt.date) -> None:
        if value > self.cutover:
            raise ImportRowError(
                f"{name} {value} is after the cut-over {self.cutover}",
                row=row.row,
                field=name,
                value=value.isoformat(),
            )

    # -- one parser per file ------------------------------------------------------------------

    def customer(self, row: _Row) -> list[Fact]:
        """A customers row: the customer registered in the master, and its aliases."""
        cid = row.text("customer_id")
        if cid in self.known:
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
        terms = row.text("terms", required=False)
        payment_terms = row.text("payment_terms", required=False)
        if terms and payment_terms and terms != payment_terms:
            raise ImportRowError(
                f"terms={terms!r} and payment_terms={payment_terms!r} disagree: give one",
                row=row.row,
                field="payment_terms",
                value=payment_terms,
            )
        details = _details(row, code, limit, terms or payment_terms)
        self.known[cid] = MigratedCustomer(
            customer_id=CustomerId(cid),
            name=details.name or "",
            currency=code,
            credit_limit=limit,
            payment_terms=terms or payment_terms,
            details=details,
        )
        out: list[Fact] = [self.register(cid, details)]
        for alias in row.text("aliases", required=False).split(";"):
            out += self.alias(row, cid, alias)
        return out

    def register(self, cid: str, details: CustomerDetails) -> CustomerRegistered:
        return CustomerRegistered(
            fact_id=FactId(f"migration:customer:{cid}"),
            customer_id=CustomerId(cid),
            effective=self.cutover,
            details=details,
            **self.common,  # type: ignore[arg-type]
        )

    def alias(self, row: _Row, cid: str, alias: str) -> list[Fact]:
        """The alias, unless it is the customer's name or recorded already."""
        key = alias_key(alias)
        if not key or key == alias_key(self.known[cid].name) or (cid, key) in self.aliases:
            return []
        self.aliases.add((cid, key))
        digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
        return [
            CustomerAliasAdded(
                fact_id=FactId(f"migration:alias:{cid}:{digest}"),
                customer_id=CustomerId(cid),
                effective=self.cutover,
                alias=alias,
                source=MasterSource.MASTER_DATA,
                **self.common,  # type: ignore[arg-type]
            )
        ]

    def payer_account(self, row: _Row) -> list[Fact]:
        """A payer accounts row: the account linked to the customer as master data."""
        cid = self.customer_of(row)
        account = account_key(row.text("account"))
        if (cid, account) in self.accounts:
            raise ImportRowError(
                f"account={account!r} of customer {cid!r} appears more than once",
                row=row.row,
                field="account",
                value=account,
            )
        fact = PayerAccountLinked(
            fact_id=FactId(f"migration:account:{cid}:{account}"),
            customer_id=cid,
            effective=self.cutover,
            account=account,
            holder_name=row.text("holder_name", required=False),
            bic=row.text("bic", required=False),
            source=MasterSource.MASTER_DATA,
            **self.common,  # type: ignore[arg-type]
        )
        self.accounts.add((cid, account))
        return [fact]

    def open_item(self, row: _Row) -> list[Fact]:
        """An open items row: its document (and, without a customers file, its customer)."""
        cid = CustomerId(row.text("customer_id"))
        new_customer = self.implicit and cid not in self.known
        if not new_customer:
            self.customer_of(row)
        item_id = row.text("item_id")
        kind = row.text("kind", required=False)
        if kind and kind not in ("invoice", "credit_memo"):
            raise ImportRowError(
                f"kind={kind!r} is not 'invoice' or 'credit_memo'",
                row=row.row,
                field="kind",
                value=kind,
            )
        code = row.currency()
        doc_date = row.date("document_date")
        due = row.date("due_date", default=doc_date)
        original = row.amount("original_amount", code, signed=not kind)
        open_amount = row.amount("open_amount", code, signed=not kind)
        if not kind:  # the sign says what it is: a negative amount is a credit memo
            kind = "credit_memo" if original < 0 or open_amount < 0 else "invoice"
            if kind == "credit_memo" and (original > 0 or open_amount > 0):
                raise ImportRowError(
                    f"original_amount {original} and open_amount {open_amount} must have one "
                    "sign (negative for a credit memo)",
                    row=row.row,
                    field="open_amount",
                    value=str(open_amount),
                )
            original, open_amount = abs(original), abs(open_amount)
        if not 0 < open_amount <= original:
            raise ImportRowError(
                f"open_amount {open_amount} must be above 0 and at most original_amount "
                f"{original} (closed items are not migrated)",
                row=row.row,
                field="open_amount",
                value=str(open_amount),
            )
        self.not_after_cutover(row, "document_date", doc_date)
        discounts = self.discount(row, kind, code, original)
        self.unique(row, "item_id", item_id)
        item = _OpenItemRow(
            customer_id=cid,
            item_id=ItemId(item_id),
            document_number=row.text("document_number", required=False, default=item_id),
            document_date=doc_date,
            due_date=due,
            currency=currency(code),
            original=original,
            settled=original - open_amount,
            payment_reference=row.text("payment_reference", required=False) or None,
            discounts=discounts,
        )
        facts = self.open_invoice(item) if kind == "invoice" else self.open_credit_memo(item)
        # The row is accepted from here on: its customer and alias can be recorded.
        out = self.implicit_customer(row, cid) if new_customer else []
        return out + facts + self.alias(row, cid, row.text("customer_name", required=False))

    def implicit_customer(self, row: _Row, cid: CustomerId) -> list[Fact]:
        """Without a customers file: the row's customer, registered with its name."""
        details = CustomerDetails(name=row.text("customer_name", required=False) or None)
        self.known[cid] = MigratedCustomer(
            customer_id=cid, name=details.name or "", details=details
        )
        self.accepted["customers"] += 1
        return [self.register(cid, details)]

    def discount(
        self, row: _Row, kind: str, code: str, original: Decimal
    ) -> tuple[DiscountOffer, ...]:
        """The early-payment discount of an invoice row (``discount_date`` and amount)."""
        if not row.text("discount_amount", required=False):
            if row.text("discount_date", required=False):
                raise ImportRowError(
                    "discount_date needs a discount_amount",
                    row=row.row,
                    field="discount_amount",
                    value="",
                )
            return ()
        amount = row.amount("discount_amount", code)
        deadline = row.date("discount_date")
        if kind != "invoice" or not 0 < amount < original:
            raise ImportRowError(
                f"discount_amount {amount} must be above 0 and below the original amount "
                f"{original} of an invoice",
                row=row.row,
                field="discount_amount",
                value=str(amount),
            )
        return (DiscountOffer(deadline=deadline, amount=Money(amount, currency(code))),)

    def open_invoice(self, item: _OpenItemRow) -> list[Fact]:
        """The invoice for its original amount; a settled part is paid on the cut-over date."""
        cid, cur = item.customer_id, item.currency
        out: list[Fact] = [
            InvoiceIssued.from_instalments(
                fact_id=f"migration:{item.item_id}",
                customer_id=cid,
                item_id=item.item_id,
                document_number=item.document_number,
                document_date=item.document_date,
                instalments=[
                    Instalment(
                        number=1,
                        due_date=item.due_date,
                        amount=Money(item.original, cur),
                        discounts=item.discounts,
                    )
                ],
                payment_reference=item.payment_reference,
                **self.common,  # type: ignore[arg-type]
            )
        ]
        if item.settled:
            source = PaymentId(f"{item.item_id}:settled-before-migration")
            out.append(
                PaymentReceived(
                    fact_id=FactId(f"migration:{source}"),
                    customer_id=cid,
                    effective=self.cutover,
                    payment_id=source,
                    amount=Money(item.settled, cur),
                    value_date=self.cutover,
                    payer_name="(settled before migration)",
                    **self.common,  # type: ignore[arg-type]
                )
            )
            out.append(
                _settle(source, item.item_id, cid, item.settled, cur, self.cutover, self.common)
            )
        return out

    def open_credit_memo(self, item: _OpenItemRow) -> list[Fact]:
        """The credit memo for its original amount; a used part settles a closed stand-in."""
        cid, cur = item.customer_id, item.currency
        out: list[Fact] = [
            CreditMemoIssued(
                fact_id=FactId(f"migration:{item.item_id}"),
                customer_id=cid,
                effective=item.document_date,
                item_id=item.item_id,
                document_number=item.document_number,
                document_date=item.document_date,
                amount=Money(item.original, cur),
                payment_reference=item.payment_reference,
                **self.common,  # type: ignore[arg-type]
            )
        ]
        if item.settled:
            target = ItemId(f"{item.item_id}:used-before-migration")
            out.append(
                _closed_item(target, cid, item.settled, cur, item.document_date, self.common)
            )
            out.append(
                _settle(item.item_id, target, cid, item.settled, cur, self.cutover, self.common)
            )
        return out

    def payment(self, row: _Row) -> list[Fact]:
        cid = self.customer_of(row)
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
        self.not_after_cutover(row, "value_date", value_date)
        self.unique(row, "payment_id", payment_id)
        self.paid[payment_id] = _Paid(
            customer_id=cid, code=code, value_date=value_date, left=amount - unapplied
        )
        account = account_key(row.text("payer_account", required=False))
        if account:
            seen = (value_date, payment_id, row.text("payer_name", required=False))
            old = self.paid_from.get((cid, account))
            self.paid_from[(cid, account)] = seen if old is None else min(old, seen)
        return [
            PaymentReceived(
                fact_id=FactId(f"migration:{payment_id}"),
                customer_id=cid,
                effective=value_date,
                payment_id=PaymentId(payment_id),
                amount=Money(amount, currency(code)),
                value_date=value_date,
                payer_name=row.text("payer_name", required=False),
                payer_account=row.text("payer_account", required=False),
                reference=row.text("reference", required=False),
                **self.common,  # type: ignore[arg-type]
            )
        ]

    def settlement(self, row: _Row) -> list[Fact]:
        """Check a settlement row and keep it; its facts are made once every row is read."""
        cid = self.customer_of(row)
        payment_id = row.text("payment_id")
        item_id = row.text("item_id")
        paid = self.paying(row, cid, payment_id)
        code = row.currency()
        if code != paid.code:
            raise ImportRowError(
                f"currency={code!r} is not the payment's {paid.code}: settlements are in the "
                "currency of the payment and the invoice",
                row=row.row,
                field="currency",
                value=code,
            )
        doc_date = row.date("document_date")
        invoice = _ClosedInvoice(
            customer_id=cid,
            document_number=row.text("document_number", required=False, default=item_id),
            document_date=doc_date,
            due_date=row.date("due_date", default=doc_date),
            currency=code,
        )
        amount = row.amount("amount", code)
        when = row.date("settlement_date", default=paid.value_date)
        if amount <= 0:
            raise ImportRowError(
                f"amount {amount} must be positive", row=row.row, field="amount", value=str(amount)
            )
        self.check_closed(row, item_id, payment_id, invoice)
        self.check_settlement_dates(row, invoice, paid.value_date, when)
        if amount > paid.left:
            raise ImportRowError(
                f"amount {amount} is more than payment {payment_id!r} has left to apply "
                f"({paid.left} of amount less unapplied_amount, after its other settlements)",
                row=row.row,
                field="amount",
                value=str(amount),
            )
        total = sum((s.amount for s in self.settled.get(item_id, ())), amount)
        check_amount(total, field="amount")
        paid.left -= amount
        self.closed.setdefault(item_id, (row.row, invoice))
        self.settled.setdefault(item_id, []).append(
            _Settlement(payment_id=payment_id, amount=amount, when=when)
        )
        return []

    def paying(self, row: _Row, cid: CustomerId, payment_id: str) -> _Paid:
        """The payment a settlement row names, which must be one of its customer's."""
        paid = self.paid.get(payment_id)
        if paid is None or paid.customer_id != cid:
            raise ImportRowError(
                f"payment_id={payment_id!r} is not a payment of customer {cid!r} in the payments "
                "file (or its row was rejected)",
                row=row.row,
                field="payment_id",
                value=payment_id,
            )
        return paid

    def check_closed(
        self, row: _Row, item_id: str, payment_id: str, invoice: _ClosedInvoice
    ) -> None:
        """The invoice is not an open item or a payment, and agrees with its earlier rows."""
        if item_id in self.ids:
            raise ImportRowError(
                f"item_id={item_id!r} is an open item or a payment: settlements are of invoices "
                "closed before the cut-over (an open item's settled part is original_amount "
                "less open_amount)",
                row=row.row,
                field="item_id",
                value=item_id,
            )
        first = self.closed.get(item_id)
        if first is None:
            return
        line, earlier = first
        for field in attrs.fields(_ClosedInvoice):
            value, before = getattr(invoice, field.name), getattr(earlier, field.name)
            if before != value:
                raise ImportRowError(
                    f"{field.name}={value!s} of invoice {item_id!r} disagrees with line "
                    f"{line} ({before!s})",
                    row=row.row,
                    field=field.name,
                    value=str(value),
                )
        if any(s.payment_id == payment_id for s in self.settled[item_id]):
            raise ImportRowError(
                f"invoice {item_id!r} is settled by payment {payment_id!r} twice: give one "
                "row per payment and invoice",
                row=row.row,
                field="item_id",
                value=item_id,
            )

    def check_settlement_dates(
        self, row: _Row, invoice: _ClosedInvoice, value_date: dt.date, when: dt.date
    ) -> None:
        """Due on or after the document date; settled after both it and the payment."""
        doc_date = invoice.document_date
        if invoice.due_date < doc_date:
            raise ImportRowError(
                f"due_date {invoice.due_date} is before the document_date {doc_date}",
                row=row.row,
                field="due_date",
                value=str(invoice.due_date),
            )
        if not max(doc_date, value_date) <= when <= self.cutover:
            raise ImportRowError(
                f"settlement_date {when} must be on or after the document date {doc_date} and "
                f"the payment's value date {value_date}, and not after the cut-over "
                f"{self.cutover}",
                row=row.row,
                field="settlement_date",
                value=when.isoformat(),
            )

    # -- after every file ---------------------------------------------------------------------

    def closed_invoices(self) -> list[Fact]:
        """Each invoice of the settlements file, for the sum of its rows, and their allocations."""
        out: list[Fact] = []
        for item_id, (_line, invoice) in self.closed.items():
            cid, cur = invoice.customer_id, currency(invoice.currency)
            parts = self.settled[item_id]
            total = sum((s.amount for s in parts), Decimal(0))
            out.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"migration:{item_id}",
                    customer_id=cid,
                    item_id=item_id,
                    document_number=invoice.document_number,
                    document_date=invoice.document_date,
                    instalments=[
                        Instalment(number=1, due_date=invoice.due_date, amount=Money(total, cur))
                    ],
                    **self.common,  # type: ignore[arg-type]
                )
            )
            out += [
                _settle(s.payment_id, ItemId(item_id), cid, s.amount, cur, s.when, self.common)
                for s in parts
            ]
        return out

    def stand_ins(self) -> list[Fact]:
        """What each payment applied beyond its settlement rows settles a closed stand-in."""
        out: list[Fact] = []
        for payment_id, paid in self.paid.items():
            if paid.left:
                cur = currency(paid.code)
                target = ItemId(f"{payment_id}:applied-before-migration")
                cid, left, on = paid.customer_id, paid.left, paid.value_date
                out.append(_closed_item(target, cid, left, cur, on, self.common))
                out.append(_settle(payment_id, target, cid, left, cur, on, self.common))
        return out

    def paying_accounts(self) -> list[Fact]:
        """The accounts the history's payments came from, linked to their customers (first seen
        on the earliest payment) unless the payer accounts file links them: a customer's next
        payment from an account it paid from before is no first payment from a new account."""
        out: list[Fact] = []
        for (cid, account), (day, payment_id, name) in sorted(self.paid_from.items()):
            if (cid, account) in self.accounts:
                continue
            out.append(
                PayerAccountLinked(
                    fact_id=FactId(f"migration:account:{cid}:{account}"),
                    customer_id=CustomerId(cid),
                    effective=day,
                    account=account,
                    holder_name=name,
                    source=MasterSource.MASTER_DATA,
                    payment_id=PaymentId(payment_id),
                    **self.common,  # type: ignore[arg-type]
                )
            )
        return out

    def plan(self) -> MigrationPlan:
        return MigrationPlan(
            facts=(
                *self.facts,
                *self.paying_accounts(),
                *self.closed_invoices(),
                *self.stand_ins(),
            ),
            customers=tuple(self.known.values()),
            rejected=tuple(self.rejected),
            accepted=tuple(self.accepted.items()),
        )


def _details(row: _Row, code: str | None, limit: Money | None, terms: str) -> CustomerDetails:
    """The record a customers row gives (what it leaves empty stays ``None``)."""

    def text(name: str) -> str | None:
        return row.text(name, required=False) or None

    country = text("country")
    address = None
    if text("street") or text("postcode") or text("city"):
        address = CustomerAddress(
            address=Address(
                lines=tuple(line for line in (text("street"),) if line),
                postal_code=text("postcode"),
                city=text("city"),
                country=country,
            )
        )
    contact = None
    if text("email") or text("phone"):
        contact = CustomerContact(contact=Contact(email=text("email"), phone=text("phone")))
    tax_ids = tuple(t.strip() for t in row.text("tax_id", required=False).split(";") if t.strip())
    return CustomerDetails(
        name=text("name"),
        country=country,
        segment=text("segment"),
        currency=code,
        terms=terms or None,
        credit_limit=limit,
        credit_group=text("credit_group"),
        tax_ids=tax_ids or None,
        addresses=(address,) if address is not None else None,
        contacts=(contact,) if contact is not None else None,
        locale=text("locale"),
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


def post_migration(
    plan: MigrationPlan, ledger: Ledger, *, accept_partial: bool = False
) -> AppendResult:
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
