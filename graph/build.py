"""From validated portfolio tables to graph tables (see :mod:`graph.model` for the model).

Pure pandas, no store: the same :class:`~graph.tables.GraphTables` go to either store.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from graph.model import Label, RelType
from graph.tables import GraphTables, coerce_nodes, coerce_rels
from ingest import ValidatedPortfolio
from ingest.validate import isin

__all__ = ["contact_ids", "event_ids", "graph_tables"]


def _digest_ids(prefix: str, parts: list[pd.Series]) -> pd.Series:
    joined = parts[0].astype(str)
    for p in parts[1:]:
        joined = joined + "\x1f" + p.fillna("").astype(str)
    uniq = pd.unique(joined)
    mapping = {u: prefix + hashlib.sha1(u.encode("utf-8")).hexdigest()[:20] for u in uniq}
    return joined.map(mapping)


def contact_ids(kind: pd.Series, value: pd.Series) -> pd.Series:
    return _digest_ids("C", [kind, value])


def event_ids(entity: pd.Series, day: pd.Series, kind: pd.Series, detail: pd.Series) -> pd.Series:
    return _digest_ids("E", [entity, day, kind, detail])


def graph_tables(p: ValidatedPortfolio) -> GraphTables:
    t = p.tables
    ent = t["enterprises"].rename(columns={"enterprise_id": "id"})
    per = t["persons"].rename(columns={"person_id": "id"})
    enterprise_ids = ent["id"]

    def party_label(ids: pd.Series) -> np.ndarray:
        return np.where(isin(ids, enterprise_ids), Label.ENTERPRISE.value, Label.PERSON.value)

    def rel(
        frame: pd.DataFrame,
        src: str,
        dst: str,
        src_label: object,
        dst_label: object,
        props: dict[str, str],
        rtype: RelType,
    ) -> pd.DataFrame:
        n = len(frame)
        out = pd.DataFrame(
            {
                "src": pd.Series(frame[src].to_numpy(), dtype=object),
                "src_label": pd.Series(
                    np.broadcast_to(np.asarray(src_label, dtype=object), (n,)), dtype=object
                ),
                "dst": pd.Series(frame[dst].to_numpy(), dtype=object),
                "dst_label": pd.Series(
                    np.broadcast_to(np.asarray(dst_label, dtype=object), (n,)), dtype=object
                ),
            }
        )
        for new, old in props.items():
            out[new] = frame[old].reset_index(drop=True)
        return coerce_rels(rtype, out)

    loans = t["loans"]
    nodes: dict[Label, pd.DataFrame] = {
        Label.ENTERPRISE: coerce_nodes(Label.ENTERPRISE, ent, p.features["enterprises"]),
        Label.PERSON: coerce_nodes(Label.PERSON, per, p.features["persons"]),
        Label.LENDER: coerce_nodes(
            Label.LENDER,
            pd.DataFrame(
                {"id": sorted(loans["lender"].unique()), "name": sorted(loans["lender"].unique())}
            ),
        ),
        Label.LOAN: coerce_nodes(
            Label.LOAN, loans.assign(id=loans["loan_id"], name=loans["loan_id"])
        ),
    }
    rels: dict[RelType, pd.DataFrame] = {
        RelType.BORROWS: rel(
            loans,
            "borrower_id",
            "loan_id",
            party_label(loans["borrower_id"]),
            Label.LOAN.value,
            {},
            RelType.BORROWS,
        ),
        RelType.LENT_BY: rel(
            loans, "loan_id", "lender", Label.LOAN.value, Label.LENDER.value, {}, RelType.LENT_BY
        ),
    }
    if "positions" in t:
        pos = t["positions"]
        rels[RelType.HOLDS_POST] = rel(
            pos,
            "person_id",
            "enterprise_id",
            Label.PERSON.value,
            Label.ENTERPRISE.value,
            {"role": "role", "start": "start", "end": "end"},
            RelType.HOLDS_POST,
        )
    if "shareholdings" in t:
        sh = t["shareholdings"]
        rels[RelType.HOLDS_SHARES] = rel(
            sh,
            "holder_id",
            "enterprise_id",
            party_label(sh["holder_id"]),
            Label.ENTERPRISE.value,
            {"ratio": "ratio", "as_of": "as_of"},
            RelType.HOLDS_SHARES,
        )
    if "family" in t:
        fam = t["family"]
        rels[RelType.RELATIVE_OF] = rel(
            fam,
            "person_id",
            "relative_id",
            Label.PERSON.value,
            Label.PERSON.value,
            {"relation": "relation"},
            RelType.RELATIVE_OF,
        )
    if "guarantees" in t:
        g = t["guarantees"]
        rels[RelType.GUARANTEES] = rel(
            g,
            "guarantor_id",
            "loan_id",
            party_label(g["guarantor_id"]),
            Label.LOAN.value,
            {c: c for c in ("guarantee_id", "amount", "kind", "start", "end")},
            RelType.GUARANTEES,
        )
    if "contacts" in t:
        c = t["contacts"].assign(cid=lambda f: contact_ids(f["kind"], f["value"]))
        nodes[Label.CONTACT] = coerce_nodes(
            Label.CONTACT,
            c.drop_duplicates("cid").rename(columns={"cid": "id"}).assign(name=lambda f: f["kind"]),
        )
        rels[RelType.HAS_CONTACT] = rel(
            c,
            "owner_id",
            "cid",
            party_label(c["owner_id"]),
            Label.CONTACT.value,
            {},
            RelType.HAS_CONTACT,
        )
    if "events" in t:
        e = t["events"].assign(
            eid=lambda f: event_ids(f["entity_id"], f["date"], f["kind"], f["detail"])
        )
        nodes[Label.EVENT] = coerce_nodes(
            Label.EVENT, e.rename(columns={"eid": "id"}).assign(name=lambda f: f["kind"])
        )
        rels[RelType.HAS_EVENT] = rel(
            e,
            "entity_id",
            "eid",
            party_label(e["entity_id"]),
            Label.EVENT.value,
            {},
            RelType.HAS_EVENT,
        )
    features = {Label.ENTERPRISE: p.features["enterprises"], Label.PERSON: p.features["persons"]}
    return GraphTables(p.as_of.isoformat(), nodes, rels, features, _retained(p))


def _retained(p: ValidatedPortfolio) -> dict[RelType, pd.DataFrame]:
    """Key columns of relationships whose rows were rejected this time (kept, not ended)."""
    r = p.retained
    out: dict[RelType, pd.DataFrame] = {}

    def put(rel: RelType, frame: pd.DataFrame) -> None:
        if len(frame):
            out[rel] = pd.concat([out.get(rel, pd.DataFrame()), frame], ignore_index=True)

    if "loans" in r:
        put(RelType.BORROWS, pd.DataFrame({"dst": r["loans"]["loan_id"]}))
        put(RelType.LENT_BY, pd.DataFrame({"src": r["loans"]["loan_id"]}))
        put(RelType.GUARANTEES, pd.DataFrame({"dst": r["loans"]["loan_id"]}))
    if "guarantees" in r:
        put(RelType.GUARANTEES, pd.DataFrame({"guarantee_id": r["guarantees"]["guarantee_id"]}))
    if "positions" in r:
        f = r["positions"]
        put(
            RelType.HOLDS_POST,
            pd.DataFrame({"src": f["person_id"], "dst": f["enterprise_id"], "role": f["role"]}),
        )
    if "shareholdings" in r:
        f = r["shareholdings"]
        put(RelType.HOLDS_SHARES, pd.DataFrame({"src": f["holder_id"], "dst": f["enterprise_id"]}))
    if "family" in r:
        f = r["family"]
        put(RelType.RELATIVE_OF, pd.DataFrame({"src": f["person_id"], "dst": f["relative_id"]}))
    if "contacts" in r:
        f = r["contacts"]
        put(
            RelType.HAS_CONTACT,
            pd.DataFrame({"src": f["owner_id"], "dst": contact_ids(f["kind"], f["value"])}),
        )
    if "events" in r:
        f = r["events"]
        put(
            RelType.HAS_EVENT,
            pd.DataFrame(
                {
                    "src": f["entity_id"],
                    "dst": event_ids(f["entity_id"], f["date"], f["kind"], f["detail"]),
                }
            ),
        )
    return out
