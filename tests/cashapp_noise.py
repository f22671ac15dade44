"""Harder variants of the public cash-application set, with their truth (a test utility).

The public set (``../shared/bench/cashapp``) is read once; each *noise kind* then derives a small
batch of payments from payments whose truth is known (a single invoice paid exactly, by
reference, or several invoices of one customer) and rewrites what the bank line says the way
real remittances do: prefixes, separators, case, OCR confusions, typos, truncation, wrapped
lines, other languages, other payer names and accounts, third-party payers, another currency,
discounts on some of several invoices, misleading numbers, duplicates and invoices that are no
longer open.  The truth of each derived payment follows from how it was derived.

Everything is seeded: ``variants(world, seed=7)`` gives the same batches every time.  It is used
by ``benchmarks/cash_application_noise.py`` (all kinds, a few hundred payments each) and by the
regression tests (a handful per kind).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from o2c.cash_application import CustomerProfile
from o2c.ledger import OpenItem
from o2c.money import money, quantize_decimal
from o2c.statement import Payment

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "cashapp"

#: What a payment should do: item id -> applied amount (item currency); empty: apply nothing.
Truth = dict[str, Decimal]


@dataclass
class World:
    """The public set, as objects."""

    items: list[OpenItem]
    customers: list[CustomerProfile]
    payments: dict[str, Payment]
    truth: dict[str, Truth]
    scenario: dict[str, str]
    rates: object

    @property
    def item(self) -> dict[str, OpenItem]:
        return {i.item_id: i for i in self.items}


@dataclass
class Variant:
    """One noise kind: the payments, their truth and the items that are not open any more."""

    kind: str
    payments: list[Payment] = field(default_factory=list)
    truth: dict[str, Truth] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)


def load_world(bench: Path = DEFAULT_BENCH) -> World:
    """The public set from ``bench`` (open items, customers, payments, truth and rates)."""
    import csv

    from o2c.cli.commands.match import read_open_items, read_payments, read_rates

    items, customers = read_open_items(bench / "open_items.csv")
    payments = {p.payment_id: p for p in read_payments(bench / "payments.csv")}
    truth: dict[str, Truth] = defaultdict(dict)
    scenario: dict[str, str] = {}
    with (bench / "truth.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scenario[row["payment_id"]] = row["scenario"]
            t = truth[row["payment_id"]]
            if row["item_id"]:
                t[row["item_id"]] = Decimal(row["applied_amount"])
    return World(items, customers, payments, dict(truth), scenario, read_rates(bench / "rates.csv"))


# --------------------------------------------------------------------------------------------
# Text noise.

_OCR_OUT = {"0": "O", "1": "I", "5": "S", "8": "B"}


def core(number: str) -> tuple[str, str]:
    """The number's last group of digits and what comes before it (``INV-2026-`` / ``100003``)."""
    m = re.search(r"(\d+)\D*$", number)
    assert m is not None, number
    return number[: m.start(1)], m.group(1)


def prefixed(number: str, rng: random.Random) -> str:
    """The document number as another system prints it: other prefix, no prefix, a keyword."""
    head, digits = core(number)
    year = re.search(r"(20\d\d)", head)
    y = year.group(1) if year else ""
    short = digits.lstrip("0") or digits
    forms = [
        f"INV{y}-{digits}" if y else f"INV{digits}",
        f"{y}{digits}" if y else f"NR{digits}",
        f"Rechnung {short}",
        f"Inv#{digits}",
        f"Invoice no. {digits}",
        f"Facture n° {short}",
        f"Factura núm. {digits}",
        f"Re: {digits}",
        f"Zahlung Rg. {short}",
        f"RE-NR {digits}",
        f"Fattura {short}",
        f"Bill {head.replace('-', '/')}{digits}",
    ]
    return rng.choice(forms)


def separated(number: str, rng: random.Random) -> str:
    """Spaces, dashes or dots inside the digits."""
    head, digits = core(number)
    cut = rng.randint(2, len(digits) - 2)
    sep = rng.choice([" ", "-", ".", " ", "/"])
    return f"{head}{digits[:cut]}{sep}{digits[cut:]}"


def ocr(number: str, rng: random.Random) -> str:
    """One or two digits read as look-alike letters, sometimes lower case."""
    head, digits = core(number)
    spots = [i for i, ch in enumerate(digits) if ch in _OCR_OUT]
    chosen = rng.sample(spots, min(len(spots), rng.choice([1, 1, 2])))
    out = "".join(_OCR_OUT[ch] if i in chosen else ch for i, ch in enumerate(digits))
    text = head + out
    return text.lower() if rng.random() < 0.3 else text


def typo(number: str, rng: random.Random) -> str:
    """A transposed pair of different adjacent digits or a dropped digit."""
    head, digits = core(number)
    pairs = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    if pairs and rng.random() < 0.5:
        i = rng.choice(pairs)
        digits = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    else:
        i = rng.randrange(1, len(digits))
        digits = digits[:i] + digits[i + 1 :]
    return head + digits


_LANG = [
    "Rechnung {n}",
    "Rechnungsnr. {n} vom {d}",
    "Facture {n} du {d}",
    "Factura {n} fecha {d}",
    "Re: {n}",
    "Zahlung zu {n}",
    "Paiement facture {n}",
    "Pago factura no {n}",
    "Fattura n. {n} del {d}",
    "Betaling factuur {n}",
]


def multilingual(number: str, rng: random.Random, when: dt.date) -> str:
    """The number inside a sentence in another language (with a date)."""
    date = rng.choice([when.strftime("%d.%m.%Y"), when.strftime("%d/%m/%Y"), when.isoformat()])
    return rng.choice(_LANG).format(n=number.lower() if rng.random() < 0.3 else number, d=date)


_DISTRACT = [
    "PO {o}",
    "Order {o}",
    "Purchase order no. {o}",
    "Bestellung {o}",
    "Ihre Bestellnr. {o}",
    "Kunden-Nr. {o}",
    "Commande {o}",
    "Pedido {o}",
    "Contract {o}",
]


def distracted(text: str, rng: random.Random, other: str, amount: Decimal, when: dt.date) -> str:
    """The reference among numbers that look like document numbers but are not."""
    extras = [
        rng.choice(_DISTRACT).format(o=other),
        f"dd {when.strftime('%d.%m.%Y')}",
        f"EUR {amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."),
        "IBAN DE89 3704 0044 0532 0130 00",
        f"{when.isoformat()}",
    ]
    chosen = rng.sample(extras, 3)
    parts = [text, *chosen]
    rng.shuffle(parts)
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Payer noise.

_FORMS = {
    "GmbH": ["GMBH", "Gesellschaft mbH", "AG"],
    "AG": ["A.G.", "Aktiengesellschaft", "GmbH"],
    "Ltd.": ["Limited", "LTD", "PLC"],
    "Ltd": ["Limited", "LTD", "PLC"],
    "Inc.": ["Incorporated", "INC", "Corp."],
    "LLC": ["L.L.C.", "Inc."],
    "S.A.": ["SA", "S.A.S."],
    "SARL": ["S.A.R.L.", "SAS"],
    "S.L.": ["SL", "S.A."],
    "B.V.": ["BV", "N.V."],
    "Oy": ["OY", "Oyj"],
    "S.p.A.": ["SPA", "S.R.L."],
    "Co., Ltd.": ["CO LTD", "Company Limited"],
    "Co.": ["Company", "CO"],
}
_CITIES = ["AMSTERDAM NL", "MUENCHEN DE", "PARIS FR", "MADRID ES", "LONDON GB", "ZUERICH CH"]


def payer_variant(name: str, rng: random.Random) -> str:
    """The customer's name as a bank line shows it."""
    words = name.split()
    choice = rng.randrange(5)
    if choice == 0:
        return name.upper()
    if choice == 1:  # another legal form
        for form, others in _FORMS.items():
            if name.endswith(" " + form):
                return name[: -len(form)] + rng.choice(others)
        return name + " GmbH"
    if choice == 2:  # bank truncation with the town
        return f"{name.upper()} {rng.choice(_CITIES)}"[:35]
    if choice == 3:  # abbreviated first word
        return " ".join([words[0][:4] + ".", *words[1:]]) if len(words) > 1 else name
    return name.upper().replace(".", "").replace(",", "")[:18]


def new_account(rng: random.Random) -> str:
    return "DE" + "".join(rng.choice("0123456789") for _ in range(20))


# --------------------------------------------------------------------------------------------
# Variants.


def _copy(p: Payment, pid: str, **changes: object) -> Payment:
    import attrs

    return attrs.evolve(p, payment_id=pid, **changes)  # type: ignore[arg-type]


def _singles(world: World) -> list[tuple[Payment, OpenItem]]:
    """Payments of one invoice by reference, paid exactly in its currency."""
    items = world.item
    out = []
    for pid in sorted(world.truth):
        t = world.truth[pid]
        if world.scenario[pid] not in ("exact_ref", "ref_in_text") or len(t) != 1:
            continue
        [(iid, amount)] = t.items()
        item = items[iid]
        p = world.payments[pid]
        if p.amount == item.open_amount and amount == item.open_amount.amount:
            out.append((p, item))
    return out


def _multis(world: World) -> list[tuple[Payment, list[OpenItem]]]:
    items = world.item
    out = []
    for pid in sorted(world.truth):
        t = world.truth[pid]
        if world.scenario[pid] != "combined_with_refs" or len(t) < 2:
            continue
        its = [items[i] for i in sorted(t)]
        p = world.payments[pid]
        if all(i.open_amount.currency == p.amount.currency for i in its) and all(
            t[i.item_id] == i.open_amount.amount for i in its
        ):
            total = sum((i.open_amount.amount for i in its), Decimal(0))
            if total == p.amount.amount:
                out.append((p, its))
    return out


def _text_kind(
    kind: str,
    world: World,
    rng: random.Random,
    n: int,
    make: Callable[[OpenItem, Payment, random.Random], dict[str, object]],
) -> Variant:
    v = Variant(kind)
    for p, item in rng.sample(_singles(world), n):
        pid = f"{kind}:{p.payment_id}"
        v.payments.append(_copy(p, pid, **make(item, p, rng)))
        v.truth[pid] = {item.item_id: item.open_amount.amount}
    return v


def _ref(text: str, rng: random.Random) -> dict[str, object]:
    if rng.random() < 0.5:
        return {"reference": text, "remittance_info": ""}
    return {"reference": "", "remittance_info": text}


def variants(world: World, *, seed: int = 7, n: int = 150) -> list[Variant]:
    """Every noise kind, ``n`` payments each (fewer where the set has fewer), seeded."""
    rng = random.Random(seed)
    out: list[Variant] = []
    items = world.item
    names = {c.customer_id: c.name for c in world.customers}

    def text(kind: str, f: Callable[[str, random.Random], str]) -> None:
        out.append(
            _text_kind(kind, world, rng, n, lambda i, p, r: _ref(f(i.document_number, r), r))
        )

    text("prefix", prefixed)
    text("separators", separated)
    text("ocr", ocr)
    text("typo", typo)
    out.append(
        _text_kind(
            "multilingual",
            world,
            rng,
            n,
            lambda i, p, r: _ref(multilingual(i.document_number, r, p.value_date), r),
        )
    )
    docs = [i.document_number for i in world.items]
    out.append(
        _text_kind(
            "distractors",
            world,
            rng,
            n,
            lambda i, p, r: _ref(
                distracted(
                    r.choice([i.document_number, core(i.document_number)[1]]),
                    r,
                    core(r.choice(docs))[1],
                    i.open_amount.amount,
                    p.value_date,
                ),
                r,
            ),
        )
    )
    out.append(
        _text_kind(
            "payer_unknown",
            world,
            rng,
            n,
            lambda i, p, r: {
                "payer_name": r.choice(["", payer_variant(names.get(i.customer_id, "X"), r)]),
                "payer_account": new_account(r),
                "reference": r.choice([core(i.document_number)[1], i.document_number]),
                "remittance_info": "",
            },
        )
    )
    # Third-party payers: another customer pays with the subsidiary's numbers.
    cids = sorted(names)
    out.append(
        _text_kind(
            "third_party",
            world,
            rng,
            n,
            lambda i, p, r: {
                "payer_name": names[r.choice([c for c in cids if c != i.customer_id])],
                "payer_account": new_account(r),
                "reference": i.document_number,
                "remittance_info": "",
            },
        )
    )
    out.append(_no_ref_names(world, rng, n))
    out.append(_wrapped(world, rng, n))
    out.append(_truncated(world, rng, n))
    out.append(_fx(world, rng, n, instructed=False))
    out.append(_fx(world, rng, n, instructed=True))
    out.append(_multi_discount(world, rng, n))
    out.append(_duplicates(world, rng, n))
    out.append(_already_paid(world, rng, n))
    out.append(_already_paid_twin(world, rng, n))
    out.append(
        _text_kind(
            "mixed",
            world,
            rng,
            n,
            lambda i, p, r: {
                "payer_name": payer_variant(names.get(i.customer_id, "X"), r),
                "payer_account": new_account(r),
                **_ref(
                    distracted(
                        multilingual(ocr(separated(i.document_number, r), r), r, p.value_date),
                        r,
                        core(r.choice(docs))[1],
                        i.open_amount.amount,
                        p.value_date,
                    ),
                    r,
                ),
            },
        )
    )
    out.append(_third_party_discount(world, rng, n))
    out.append(_list_noise(world, rng, n))
    out.append(_ref_in_name(world, rng, n))
    out.append(_lookalikes(world, rng, n))
    out.append(_typo_collisions(world, rng, n))
    out.append(
        _text_kind(
            "split_fields",
            world,
            rng,
            n,
            lambda i, p, r: _split(f"Payment of invoice {i.document_number} thank you", r),
        )
    )
    del items
    return out


def _already_paid_twin(world: World, rng: random.Random, n: int) -> Variant:
    """An invoice already settled, paid again, while the customer has another of that amount."""
    v = Variant("already_paid_twin")
    by_key: dict[tuple[str, object], list[OpenItem]] = defaultdict(list)
    for i in world.items:
        by_key[(i.customer_id, i.open_amount)].append(i)
    pool = sorted(
        (its for its in by_key.values() if len(its) >= 2 and its[0].open_amount.amount > 0),
        key=lambda its: its[0].item_id,
    )
    names = {c.customer_id: c.name for c in world.customers}
    for k, its in enumerate(rng.sample(pool, min(n, len(pool))), start=1):
        gone = rng.choice(its)
        pid = f"already_paid_twin:{k:04d}"
        v.payments.append(
            Payment(
                payment_id=pid,
                value_date=gone.due_date,
                amount=gone.open_amount,
                payer_name=names.get(gone.customer_id, ""),
                payer_account=new_account(rng),
                reference=rng.choice([gone.document_number, prefixed(gone.document_number, rng)]),
            )
        )
        v.truth[pid] = {}
        v.closed.add(gone.item_id)
    return v


def _third_party_discount(world: World, rng: random.Random, n: int) -> Variant:
    """Another company pays a customer's invoice by reference, less the discount it earned."""
    v = Variant("third_party_disc")
    names = {c.customer_id: c.name for c in world.customers}
    cids = sorted(names)
    pool = [
        i
        for i in world.items
        if i.discounts and i.open_amount == i.original_amount and i.open_amount.amount > 0
    ]
    for k, i in enumerate(rng.sample(pool, min(n, len(pool))), start=1):
        offer = i.discounts[0]
        pid = f"third_party_disc:{k:04d}"
        v.payments.append(
            Payment(
                payment_id=pid,
                value_date=offer.deadline - dt.timedelta(days=rng.randint(0, 5)),
                amount=money(i.open_amount.amount - offer.amount.amount, i.open_amount.currency),
                payer_name=names[rng.choice([c for c in cids if c != i.customer_id])],
                payer_account=new_account(rng),
                reference=rng.choice([i.document_number, prefixed(i.document_number, rng)]),
            )
        )
        v.truth[pid] = {i.item_id: i.open_amount.amount}
    return v


def _list_noise(world: World, rng: random.Random, n: int) -> Variant:
    """Several invoices listed, in lower case, with OCR confusions or one typo among them."""
    v = Variant("list_noise")
    for p, its in rng.sample(_multis(world), n):
        bad = rng.randrange(len(its))
        words = []
        for k, i in enumerate(its):
            number = i.document_number
            if k == bad:
                number = rng.choice([ocr, typo, separated])(number, rng)
            words.append(number.lower() if rng.random() < 0.3 else number)
        q = _copy(
            p,
            f"list_noise:{p.payment_id}",
            reference="",
            remittance_info=rng.choice(["Rechnungen ", "Factures ", "Re: ", ""])
            + rng.choice([", ", " ", "; ", " / "]).join(words),
        )
        v.payments.append(q)
        v.truth[q.payment_id] = {i.item_id: i.open_amount.amount for i in its}
    return v


def _ref_in_name(world: World, rng: random.Random, n: int) -> Variant:
    """The bank put the payer's reference into the name field; no other text."""
    return _text_kind(
        "ref_in_name",
        world,
        rng,
        n,
        lambda i, p, r: {
            "payer_name": r.choice(
                [f"{i.document_number}", f"RE {i.document_number} {p.payer_name}"]
            )[:35],
            "payer_account": new_account(r),
            "reference": "",
            "remittance_info": "",
        },
    )


def _lookalikes(world: World, rng: random.Random, n: int) -> Variant:
    """Payments that are not for invoices, with numbers and amounts that look like them."""
    v = Variant("lookalikes")
    singles = _singles(world)
    words = ["REFUND", "Gutschrift", "Salary", "Loan", "Rent", "Payment", "Transfer", "Deposit"]
    taken = {core(i.document_number)[1].lstrip("0") for i in world.items}
    for k in range(1, n + 1):
        _, i = rng.choice(singles)
        head, digits = core(i.document_number)
        other = digits
        while other.lstrip("0") in taken:  # a number no document has (open or not)
            other = str(int(other) + rng.choice([3, 7, 11, 250, 1000])).zfill(len(digits))
        pid = f"lookalikes:{k:04d}"
        v.payments.append(
            Payment(
                payment_id=pid,
                value_date=i.due_date,
                amount=money(
                    i.open_amount.amount + Decimal(rng.randint(2, 99)), i.open_amount.currency
                ),
                payer_name=rng.choice(["", "J. SMITH", "MUELLER HANS", "ACME HOLDING"]),
                payer_account=new_account(rng),
                remittance_info=f"{rng.choice(words)} {head}{other}",
            )
        )
        v.truth[pid] = {}
    return v


def _no_ref_names(world: World, rng: random.Random, n: int) -> Variant:
    v = Variant("name_variants")
    items = world.item
    names = {c.customer_id: c.name for c in world.customers}
    pool = [
        pid
        for pid in sorted(world.truth)
        if world.scenario[pid] == "no_ref_unique_amount" and len(world.truth[pid]) == 1
    ]
    for pid in rng.sample(pool, min(n, len(pool))):
        p = world.payments[pid]
        [(iid, amount)] = world.truth[pid].items()
        name = names.get(items[iid].customer_id, "")
        q = _copy(p, f"name_variants:{pid}", payer_name=payer_variant(name, rng))
        v.payments.append(q)
        v.truth[q.payment_id] = {iid: amount}
    return v


def _wrapped(world: World, rng: random.Random, n: int) -> Variant:
    """A list of invoices wrapped at 35 characters across the reference and the text."""
    v = Variant("wrapped_35")
    for p, its in rng.sample(_multis(world), n):
        full = ", ".join(i.document_number for i in its)
        if len(full) <= 36:
            full = "Invoices " + full
        q = _copy(
            p,
            f"wrapped_35:{p.payment_id}",
            reference=full[:35],
            remittance_info=full[35:],
        )
        v.payments.append(q)
        v.truth[q.payment_id] = {i.item_id: i.open_amount.amount for i in its}
    return v


def _truncated(world: World, rng: random.Random, n: int) -> Variant:
    """A long list cut at 140 (or 35) characters: the last documents are not named."""
    v = Variant("truncated")
    pool = [(p, its) for p, its in _multis(world) if len(its) >= 3]
    for p, its in rng.sample(pool, min(n, len(pool))):
        listed = list(its)
        if rng.random() < 0.5:  # not every payer lists in ascending order
            rng.shuffle(listed)
        full = "INVOICES " + " ".join(i.document_number for i in listed)
        limit = 35 if len(full) < 140 else 140
        cut = full[:limit]
        q = _copy(p, f"truncated:{p.payment_id}", reference="", remittance_info=cut)
        v.payments.append(q)
        v.truth[q.payment_id] = {i.item_id: i.open_amount.amount for i in its}
    return v


def _fx(world: World, rng: random.Random, n: int, *, instructed: bool) -> Variant:
    """An invoice paid in another currency at the bank's own rate (slightly off)."""
    kind = "fx_instructed" if instructed else "fx_bank_rate"
    v = Variant(kind)
    pool = [(p, i) for p, i in _singles(world) if i.open_amount.currency.code in ("EUR", "USD")]
    rates = world.rates
    for p, item in rng.sample(pool, n):
        code = item.open_amount.currency.code
        other = "USD" if code == "EUR" else "EUR"
        try:
            rate = rates.rate(code, other, p.value_date)  # type: ignore[attr-defined]
        except Exception:
            continue
        off = Decimal(1) + Decimal(rng.randint(-80, 80)) / Decimal(10000)
        paid = quantize_decimal(item.open_amount.amount * rate.value * off, Decimal("0.01"))
        changes: dict[str, object] = {"amount": money(paid, other)}
        if instructed:
            changes["instructed_amount"] = item.open_amount
        q = _copy(p, f"{kind}:{p.payment_id}", **changes)
        v.payments.append(q)
        v.truth[q.payment_id] = {item.item_id: item.open_amount.amount}
    return v


def _multi_discount(world: World, rng: random.Random, n: int) -> Variant:
    """Several invoices of a customer, the discount taken on those still within the deadline."""
    v = Variant("multi_discount")
    names = {c.customer_id: c.name for c in world.customers}
    by_customer: dict[str, list[OpenItem]] = defaultdict(list)
    for i in world.items:
        if i.open_amount.amount > 0:
            by_customer[i.customer_id].append(i)
    pool = []
    for cid in sorted(by_customer):
        its = by_customer[cid]
        with_d = [i for i in its if i.discounts and i.open_amount == i.original_amount]
        if with_d and len(its) >= 2:
            pool.append((cid, with_d, its))
    for k, (cid, with_d, its) in enumerate(rng.sample(pool, min(n, len(pool))), start=1):
        d_item = rng.choice(with_d)
        others = [i for i in its if i.item_id != d_item.item_id]
        chosen = [d_item, *rng.sample(others, min(len(others), rng.randint(1, 2)))]
        when = d_item.discounts[0].deadline - dt.timedelta(days=rng.randint(0, 3))
        paid = Decimal(0)
        for i in chosen:
            paid += i.open_amount.amount
            if any(d.deadline >= when for d in i.discounts):
                paid -= i.discounts[0].amount.amount
        pid = f"multi_discount:{k:04d}"
        text = " ".join(i.document_number for i in rng.sample(chosen, len(chosen)))
        v.payments.append(
            Payment(
                payment_id=pid,
                value_date=when,
                amount=money(paid, d_item.open_amount.currency.code),
                payer_name=names.get(cid, ""),
                payer_account=new_account(rng),
                reference="",
                remittance_info=text,
            )
        )
        v.truth[pid] = {i.item_id: i.open_amount.amount for i in chosen}
    return v


def _duplicates(world: World, rng: random.Random, n: int) -> Variant:
    """The same invoice paid twice: the later payment must not be applied."""
    v = Variant("duplicate")
    for p, item in rng.sample(_singles(world), n // 2):
        a = _copy(p, f"duplicate:{p.payment_id}:1")
        b = _copy(p, f"duplicate:{p.payment_id}:2", value_date=p.value_date + dt.timedelta(days=3))
        v.payments += [a, b]
        v.truth[a.payment_id] = {item.item_id: item.open_amount.amount}
        v.truth[b.payment_id] = {}
    return v


def _already_paid(world: World, rng: random.Random, n: int) -> Variant:
    """A payment for an invoice already settled: nothing may be applied to another item."""
    v = Variant("already_paid")
    for p, item in rng.sample(_singles(world), n):
        q = _copy(p, f"already_paid:{p.payment_id}")
        v.payments.append(q)
        v.truth[q.payment_id] = {}
        v.closed.add(item.item_id)
    return v


def open_items_for(world: World, variant: Variant) -> list[OpenItem]:
    """The world's open items without those the variant closed."""
    return [i for i in world.items if i.item_id not in variant.closed]


def score(results: Iterable[object], truth: dict[str, Truth]) -> dict[str, int]:
    """Counts: n, matchable, ok (auto and right), wrong (auto and not right), left_ok."""
    from o2c.cash_application import MatchDecision, MatchResult

    counts = {"n": 0, "matchable": 0, "ok": 0, "wrong": 0, "auto": 0}
    for r in results:
        assert isinstance(r, MatchResult)
        t = truth[r.payment_id]
        counts["n"] += 1
        counts["matchable"] += bool(t)
        if r.decision is MatchDecision.AUTO and r.allocations:
            counts["auto"] += 1
            got = {a.item_id: a.applied.amount for a in r.allocations}
            if got.keys() == t.keys() and all(abs(got[k] - t[k]) <= Decimal("0.01") for k in t):
                counts["ok"] += 1
            else:
                counts["wrong"] += 1
    return counts


def payments_of(variants_: Sequence[Variant]) -> list[Payment]:
    return [p for v in variants_ for p in v.payments]


def _typo_collisions(world: World, rng: random.Random, n: int) -> Variant:
    """A typo that spells another open document exactly, from a payer nobody knows."""
    v = Variant("typo_collision")
    numbers = {i.document_number: i for i in world.items}
    found = []
    for p, item in _singles(world):
        head, digits = core(item.document_number)
        for k in range(len(digits)):
            for d in "0123456789":
                other = numbers.get(head + digits[:k] + d + digits[k + 1 :])
                if (
                    other is not None
                    and other is not item
                    and other.open_amount != item.open_amount
                ):
                    found.append((p, item, other))
                    break
            else:
                continue
            break
    for p, item, other in rng.sample(found, min(n, len(found))):
        q = _copy(
            p,
            f"typo_collision:{p.payment_id}",
            payer_name=rng.choice(["", p.payer_name]),
            payer_account=new_account(rng),
            reference=other.document_number,
            remittance_info="",
        )
        v.payments.append(q)
        v.truth[q.payment_id] = {item.item_id: item.open_amount.amount}
    return v


def _split(text: str, rng: random.Random) -> dict[str, object]:
    """The text split between the reference and the free text inside the number."""
    digits = [k for k, ch in enumerate(text) if ch.isdigit()]
    cut = rng.choice(digits[2:-1])
    return {"reference": text[:cut], "remittance_info": text[cut:]}
