"""Small helpers to write hand-made portfolios in tests (valid ids on demand)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd

from ingest.ids import resident_id_check_char, uscc_check_char
from ingest.schema import TABLES


def uscc(n: int) -> str:
    """A valid Unified Social Credit Code, distinct for each n."""
    body = f"91330100MA{n:07d}"
    return body + uscc_check_char(body)


def rid(n: int, birth: str = "19800101") -> str:
    """A valid resident identity number, distinct for each n."""
    body = f"330106{birth}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def write_portfolio(
    folder: Path,
    tables: dict[str, list[dict[str, object]]],
    as_of: date | None = date(2025, 12, 31),
    fmt: str = "csv",
) -> Path:
    """Write tables (lists of row dicts) with the format's columns in order."""
    folder.mkdir(parents=True, exist_ok=True)
    if as_of is not None:
        (folder / "manifest.json").write_text(
            json.dumps({"name": folder.name, "as_of": as_of.isoformat(), "currency": "CNY"})
        )
    for name, rows in tables.items():
        cols = list(TABLES[name].column_names)
        extra = [c for r in rows for c in r if c not in cols]
        frame = pd.DataFrame(rows, columns=list(dict.fromkeys([*cols, *extra]))).astype(object)
        frame = frame.where(frame.notna(), "")
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False)
        else:
            frame.astype(str).to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def small_portfolio() -> dict[str, list[dict[str, object]]]:
    """Two firms, a holding, three people, two lenders: every table, every row valid.

    Zhang Wei (P1) is legal rep of A (Huaxin Steel) and B (Huaxin Trading); his wife Li Na (P2)
    holds 60% of H (Huaxin Holding); H holds 70% of A; A guarantees B's loan and B guarantees
    A's loan (a mutual guarantee pair); Wang Fang (P3) guarantees A's loan too.
    """
    A, B, H = uscc(1), uscc(2), uscc(3)
    P1, P2, P3 = rid(1), rid(2, "19820202"), rid(3, "19700303")
    return {
        "enterprises": [
            {
                "enterprise_id": A,
                "name": "华信钢铁有限公司",
                "industry": "steel",
                "region": "Zhejiang",
                "registered_capital": 5e7,
                "established": "2010-05-01",
                "status": "active",
                "total_assets": 8e8,
                "total_liabilities": 5e8,
                "revenue": 6e8,
            },
            {
                "enterprise_id": B,
                "name": "华信贸易有限公司",
                "industry": "trade",
                "region": "Zhejiang",
                "total_assets": 2e8,
                "total_liabilities": 1.5e8,
            },
            {
                "enterprise_id": H,
                "name": "华信控股有限公司",
                "industry": "holding",
                "status": "active",
                "total_assets": 1e9,
                "total_liabilities": 2e8,
            },
        ],
        "persons": [
            {"person_id": P1, "name": "张伟", "birth_date": "1980-01-01"},
            {"person_id": P2, "name": "李娜", "birth_date": "1982-02-02"},
            {"person_id": P3, "name": "王芳"},
        ],
        "positions": [
            {"person_id": P1, "enterprise_id": A, "role": "legal_rep", "start": "2015-01-01"},
            {"person_id": P1, "enterprise_id": B, "role": "legal_rep"},
            {"person_id": P2, "enterprise_id": H, "role": "director"},
        ],
        "shareholdings": [
            {"holder_id": P2, "enterprise_id": H, "ratio": 0.6},
            {"holder_id": H, "enterprise_id": A, "ratio": 0.7, "as_of": "2025-06-30"},
        ],
        "family": [{"person_id": P1, "relative_id": P2, "relation": "spouse"}],
        "loans": [
            {
                "loan_id": "L1",
                "borrower_id": A,
                "lender": "ICBC",
                "amount": 1e8,
                "outstanding": 8e7,
                "start": "2024-01-01",
                "maturity": "2027-01-01",
                "status": "performing",
            },
            {
                "loan_id": "L2",
                "borrower_id": B,
                "lender": "BOC",
                "amount": 5e7,
                "outstanding": 5e7,
                "start": "2024-06-01",
                "maturity": "2026-06-01",
                "status": "overdue",
                "overdue_days": 45,
            },
        ],
        "guarantees": [
            {
                "guarantee_id": "G1",
                "guarantor_id": B,
                "loan_id": "L1",
                "amount": 5e7,
                "kind": "joint",
            },
            {
                "guarantee_id": "G2",
                "guarantor_id": A,
                "loan_id": "L2",
                "amount": 5e7,
                "kind": "joint",
            },
            {
                "guarantee_id": "G3",
                "guarantor_id": P3,
                "loan_id": "L1",
                "amount": 2e7,
                "kind": "general",
            },
        ],
        "contacts": [
            {"owner_id": A, "kind": "phone", "value": "0571-88880000"},
            {"owner_id": B, "kind": "phone", "value": "0571-88880000"},
            {"owner_id": P1, "kind": "address", "value": "杭州市西湖区文三路1号"},
        ],
        "events": [
            {"entity_id": B, "date": "2025-11-15", "kind": "overdue", "detail": "L2 45 days"}
        ],
    }
