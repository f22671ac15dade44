"""Bank-format readers: payments parsed per second against a bare pass over the same file.

Run: ``.venv/bin/python benchmarks/readers.py [--entries N] [--repeat R]``.  Builds synthetic
files of N entries (camt.053.001.08 with structured remittance on every third entry, MT940 with
German ``:86:`` details, BAI2 with ``88`` text, CSV), reads them with o2c and with a baseline in
the same run, and prints payments per second and the ratio.  The baselines do much less: a plain
``xml.etree`` walk that pulls amount, sign, name and text of each entry into Decimals (no
safety, paths, dates, remittance, checks), and one regex over the ``:61:`` lines.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

from o2c.adapters.bai2 import read_bai2
from o2c.adapters.camt import read_camt053
from o2c.adapters.csv import CsvMapping, read_csv
from o2c.adapters.mt940 import read_mt940

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _amount(i: int) -> int:
    return 1000 + (i * 7919) % 500000  # cents


def camt053(n: int) -> bytes:
    parts = []
    total = 0
    for i in range(n):
        cents = _amount(i)
        credit = i % 10 != 9
        total += cents if credit else -cents
        value = f"{cents // 100}.{cents % 100:02d}"
        strd = ""
        if i % 3 == 0:
            strd = (
                "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp>"
                f"<Nb>INV-{i:06d}</Nb></RfrdDocInf><RfrdDocAmt>"
                f'<RmtdAmt Ccy="EUR">{value}</RmtdAmt></RfrdDocAmt></Strd>'
            )
        parts.append(
            f'<Ntry><Amt Ccy="EUR">{value}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}'
            "</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>"
            f"<ValDt><Dt>2026-03-02</Dt></ValDt><AcctSvcrRef>REF{i:08d}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
            "</Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>E2E-"
            f"{i}</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>Customer {i % 997} GmbH</Nm>"
            "</Pty></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct>"
            f"</RltdPties><RmtInf><Ustrd>Rechnung INV-{i:06d} Kunde {i % 997}</Ustrd>{strd}"
            "</RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    closing = 10_000_00 + total
    sign = "CRDT" if closing >= 0 else "DBIT"
    closing_text = f"{abs(closing) // 100}.{abs(closing) % 100:02d}"
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>B</MsgId><CreDtTm>2026-03-03T06:00:00</CreDtTm></GrpHdr><Stmt>"
        "<Id>BENCH</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>"
        f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing_text}</Amt>'
        f"<CdtDbtInd>{sign}</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>"
    )
    return (head + "".join(parts) + "</Stmt></BkToCstmrStmt></Document>").encode()


def mt940(n: int) -> str:
    lines = [":20:BENCH", ":25:37040044/0532013000", ":28C:1/1", ":60F:C260301EUR10000,00"]
    total = 10_000_00
    for i in range(n):
        cents = _amount(i)
        credit = i % 10 != 9
        total += cents if credit else -cents
        lines.append(
            f":61:2603020302{'C' if credit else 'D'}{cents // 100},{cents % 100:02d}"
            f"N166NONREF//{i:016d}"
        )
        lines.append(
            f":86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-{i}?21SVWZ+Rechnung INV-{i:06d}"
            f"?30COBADEFFXXX?31DE02120300000000202051?32CUSTOMER {i % 997} GMBH"
        )
    mark = "C" if total >= 0 else "D"
    lines.append(f":62F:{mark}260302EUR{abs(total) // 100},{abs(total) % 100:02d}")
    return "\n".join(lines) + "\n-\n"


def bai2(n: int) -> str:
    details = []
    total = 0
    for i in range(n):
        cents = _amount(i)
        total += cents
        code = "195" if i % 10 != 9 else "495"
        details.append(f"16,{code},{cents},0,BR{i:08d},INV-{i:06d},ORIG CO NAME:CUSTOMER {i}")
        details.append(f"88,REMITTANCE INV-{i:06d}")
    records = [
        "01,BANK,CUST,260303,0600,F1,,,2/",
        "02,CUST,BANK,1,260302,2400,USD,2/",
        "03,0012345678,USD/",
        *details,
        f"49,{total},{len(details) + 2}/",
        f"98,{total},1,{len(details) + 4}/",
        f"99,{total},1,{len(details) + 6}/",
    ]
    return "\n".join(records)


def csv_text(n: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "date", "amount", "payer", "text"])
    for i in range(n):
        cents = _amount(i) * (1 if i % 10 != 9 else -1)
        sign = "-" if cents < 0 else ""
        value = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
        writer.writerow([f"T{i}", "2026-03-02", value, f"Customer {i % 997}", f"INV-{i:06d}"])
    return out.getvalue()


def baseline_camt(data: bytes) -> list[tuple[Decimal, str, str]]:
    """A bare ElementTree walk: amount, name and text of each entry (no checks at all)."""
    q = f"{{{NS}}}"
    root = ET.fromstring(data)
    result = []
    for entry in root.iter(f"{q}Ntry"):
        amt = entry.find(f"{q}Amt")
        assert amt is not None
        value = Decimal(amt.text or "0")
        if entry.findtext(f"{q}CdtDbtInd") == "DBIT":
            value = -value
        tx = entry.find(f"{q}NtryDtls/{q}TxDtls")
        name = text = ""
        if tx is not None:
            name = tx.findtext(f"{q}RltdPties/{q}Dbtr/{q}Pty/{q}Nm") or ""
            text = tx.findtext(f"{q}RmtInf/{q}Ustrd") or ""
        result.append((value, name, text))
    return result


_LINE = re.compile(r"^:61:\d{6}(\d{4})?(R?[CD])[A-Z]?(\d+,\d*)", re.MULTILINE)


def baseline_mt940(text: str) -> list[Decimal]:
    """One regex over the ``:61:`` lines: signed amounts only."""
    result = []
    for m in _LINE.finditer(text):
        value = Decimal(m.group(3).replace(",", "."))
        result.append(-value if m.group(2) in {"D", "RC"} else value)
    return result


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Build the files, measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, r = args.entries, args.repeat

    camt_data, mt_data, bai_data, csv_data = camt053(n), mt940(n), bai2(n), csv_text(n)
    mapping = CsvMapping(
        payment_id="id",
        value_date="date",
        amount="amount",
        payer_name="payer",
        remittance_info="text",
        default_currency="EUR",
    )
    assert len(read_camt053(camt_data).lines) == n == len(baseline_camt(camt_data))
    assert len(read_mt940(mt_data).lines) == n == len(baseline_mt940(mt_data))
    assert len(read_bai2(bai_data).lines) == n
    assert len(read_csv(csv_data, mapping).lines) == n

    rows = [
        (
            "camt.053.001.08 (defusedxml, remittance, checks)",
            _best(lambda: read_camt053(camt_data), r),
            "bare ElementTree walk",
            _best(lambda: baseline_camt(camt_data), r),
        ),
        (
            "MT940 (German :86:, balance check)",
            _best(lambda: read_mt940(mt_data), r),
            "one regex over :61:",
            _best(lambda: baseline_mt940(mt_data), r),
        ),
        ("BAI2 (88 text, control totals)", _best(lambda: read_bai2(bai_data), r), "", 0.0),
        ("CSV (mapping, exact amounts)", _best(lambda: read_csv(csv_data, mapping), r), "", 0.0),
    ]
    print(f"readers: {n:,} entries per file, best of {r}")
    print(f"{'format':<50} {'o2c pay/s':>11} {'baseline pay/s':>15} {'ratio':>7}  baseline")
    for name, seconds, base_name, base_seconds in rows:
        ours = n / seconds
        if base_seconds:
            base = n / base_seconds
            print(f"{name:<50} {ours:>11,.0f} {base:>15,.0f} {base / ours:>6.1f}x  {base_name}")
        else:
            print(f"{name:<50} {ours:>11,.0f} {'-':>15} {'-':>7}")


if __name__ == "__main__":
    main()
