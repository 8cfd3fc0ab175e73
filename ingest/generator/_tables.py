"""The portfolio tables as written: every index replaced by its id, every day offset by a date,
columns named and ordered exactly as the interchange format lists them, with the sort key of
each table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.generator._config import GeneratorConfig
from ingest.generator._credit import Guarantees, Loans
from ingest.generator._firms import ALL_INDUSTRIES, Firms
from ingest.generator._history import Snapshot
from ingest.generator._identities import to_dates
from ingest.generator._people import People, Roles
from ingest.generator._vocab import CITIES
from ingest.generator._writer import Columns

__all__ = ["GUARANTEE_PERIOD_DAYS", "assemble"]

GUARANTEE_PERIOD_DAYS = 3 * 365  # a guarantee runs until three years after the loan matures


def assemble(cfg: GeneratorConfig, firms: Firms, people: People, roles: Roles,
             holdings: pd.DataFrame, loans: Loans, guarantees: Guarantees,
             contacts: pd.DataFrame, snap: Snapshot) -> dict[str, tuple[Columns, list[str]]]:
    as_of = cfg.as_of
    fid, pid = firms.ids, people.ids

    def party(index: np.ndarray, is_person: np.ndarray | bool) -> np.ndarray:
        return np.where(is_person, pid[np.where(is_person, index, 0)],
                        fid[np.where(is_person, 0, index)]).astype(object)

    def dates(days: np.ndarray) -> np.ndarray:
        return to_dates(np.asarray(days, dtype=np.int64), as_of)

    tables: dict[str, tuple[Columns, list[str]]] = {}
    tables["enterprises"] = ({
        "enterprise_id": fid,
        "name": firms.names,
        "industry": np.array([i.code for i in ALL_INDUSTRIES], dtype=object)[firms.industry],
        "region": np.array([c.region for c in CITIES], dtype=object)[firms.city],
        "registered_capital": firms.registered_capital,
        "established": dates(firms.established),
        "status": snap.firm_status,
        "total_assets": firms.assets,
        "total_liabilities": firms.liabilities,
        "revenue": firms.revenue,
        **{k: v + 0.0 for k, v in firms.features.items()},  # + 0.0: no "-0.0" in the files
    }, ["enterprise_id"])
    tables["persons"] = ({"person_id": pid, "name": people.names, "birth_date": people.birth},
                         ["person_id"])
    pos = roles.positions
    tables["positions"] = ({
        "person_id": pid[pos["person"].to_numpy()],
        "enterprise_id": fid[pos["enterprise"].to_numpy()],
        "role": pos["role"].to_numpy(dtype=object),
        "start": dates(pos["start"].to_numpy()),
        "end": dates(pos["end"].to_numpy()),
    }, ["enterprise_id", "role", "person_id"])
    tables["shareholdings"] = ({
        "holder_id": party(holdings["holder"].to_numpy(), holdings["holder_person"].to_numpy()),
        "enterprise_id": fid[holdings["enterprise"].to_numpy()],
        "ratio": holdings["bp"].to_numpy() / 10_000,
        "as_of": dates(holdings["recorded"].to_numpy()),
    }, ["enterprise_id", "holder_id"])
    fam = roles.family
    tables["family"] = ({
        "person_id": pid[fam["person"].to_numpy()],
        "relative_id": pid[fam["relative"].to_numpy()],
        "relation": fam["relation"].to_numpy(dtype=object),
    }, ["person_id", "relative_id"])
    overdue_days = pd.array(np.maximum(snap.overdue_days, 0), dtype="Int64")
    overdue_days[snap.overdue_days < 0] = pd.NA
    tables["loans"] = ({
        "loan_id": loans.ids,
        "borrower_id": fid[loans.borrower],
        "lender": np.array(cfg.lenders, dtype=object)[loans.lender],
        "amount": loans.amount,
        "outstanding": snap.outstanding,
        "start": dates(loans.start),
        "maturity": dates(loans.maturity),
        "status": snap.status,
        "default_date": dates(snap.default_date),
        "overdue_days": overdue_days,
    }, ["loan_id"])
    g_loan = guarantees.loan
    tables["guarantees"] = ({
        "guarantee_id": guarantees.ids,
        "guarantor_id": party(guarantees.guarantor, guarantees.person),
        "loan_id": loans.ids[g_loan],
        "amount": guarantees.amount,
        "kind": guarantees.kind,
        "start": dates(loans.start[g_loan]),
        "end": dates(loans.maturity[g_loan] + GUARANTEE_PERIOD_DAYS),
    }, ["guarantee_id"])
    tables["contacts"] = ({
        "owner_id": party(contacts["owner"].to_numpy(), contacts["owner_person"].to_numpy()),
        "kind": contacts["kind"].to_numpy(dtype=object),
        "value": contacts["value"].to_numpy(dtype=object),
    }, ["owner_id", "kind", "value"])
    ev = snap.events
    tables["events"] = ({
        "entity_id": party(ev["entity"].to_numpy(), ev["person"].to_numpy(dtype=bool)),
        "date": dates(ev["date"].to_numpy()),
        "kind": ev["kind"].to_numpy(dtype=object),
        "detail": ev["detail"].to_numpy(dtype=object),
    }, ["date", "entity_id", "kind", "detail"])

    return tables
