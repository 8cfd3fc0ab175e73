"""From validated portfolio tables to graph tables (see :mod:`graph.model` for the model).

Pure pandas and Arrow, no store: the same :class:`~graph.tables.GraphTables` go to either
store. Text stays in Arrow (``str`` columns) from the validated tables to the graph tables; the
Neo4j store turns it into Python values at its own boundary (:func:`~graph.tables.coerce_nodes`).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.model import Label, RelType
from graph.tables import GraphTables, arrow_nodes, arrow_rels
from ingest import ValidatedPortfolio, arrow_text
from ingest.validate import isin

__all__ = ["contact_ids", "event_ids", "graph_tables"]


def _digest_ids(prefix: str, parts: list[pd.Series]) -> pd.Series:
    """``prefix`` + 20 hex of SHA-1 of the parts joined by a unit separator (a missing part is
    empty), hashed once per distinct value (the join and the grouping done in Arrow)."""
    first = arrow_text(parts[0]).fill_null("None")  # what str() made of a missing first part
    rest = [arrow_text(p).fill_null("") for p in parts[1:]]
    sep = pa.scalar("\x1f", type=pa.large_string())
    joined = pc.binary_join_element_wise(first, *rest, sep) if rest else first
    encoded = pc.dictionary_encode(joined.combine_chunks())
    sha1 = hashlib.sha1
    digests = pa.array(
        [prefix + sha1(u.encode("utf-8")).hexdigest()[:20] for u in encoded.dictionary.to_pylist()],
        type=pa.large_string(),
    )
    index = parts[0].index if isinstance(parts[0], pd.Series) else None
    return pd.Series(digests.take(encoded.indices).to_pandas().array, index=index)


def contact_ids(kind: pd.Series, value: pd.Series) -> pd.Series:
    return _digest_ids("C", [kind, value])


def event_ids(entity: pd.Series, day: pd.Series, kind: pd.Series, detail: pd.Series) -> pd.Series:
    return _digest_ids("E", [entity, day, kind, detail])


def graph_tables(p: ValidatedPortfolio) -> GraphTables:
    t = p.tables
    ent = t["enterprises"].rename(columns={"enterprise_id": "id"})
    per = t["persons"].rename(columns={"person_id": "id"})
    enterprise_ids = ent["id"]

    def party_label(ids: pd.Series) -> pd.Series:
        labels = np.array([Label.PERSON.value, Label.ENTERPRISE.value], dtype=object)
        return _text(labels, isin(ids, enterprise_ids).astype(np.int64))

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

        def label(value: object) -> pd.Series:
            if isinstance(value, pd.Series):
                return value
            return _text(np.array([value], dtype=object), np.zeros(n, dtype=np.int64))

        out = pd.DataFrame(
            {
                "src": frame[src].reset_index(drop=True),
                "src_label": label(src_label),
                "dst": frame[dst].reset_index(drop=True),
                "dst_label": label(dst_label),
            }
        )
        for new, old in props.items():
            out[new] = frame[old].reset_index(drop=True)
        return arrow_rels(rtype, out)

    loans = t["loans"]
    nodes: dict[Label, pd.DataFrame] = {
        Label.ENTERPRISE: arrow_nodes(Label.ENTERPRISE, ent, p.features["enterprises"]),
        Label.PERSON: arrow_nodes(Label.PERSON, per, p.features["persons"]),
        Label.LENDER: arrow_nodes(
            Label.LENDER,
            pd.DataFrame(
                {"id": sorted(loans["lender"].unique()), "name": sorted(loans["lender"].unique())}
            ),
        ),
        Label.LOAN: arrow_nodes(
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
        nodes[Label.CONTACT] = arrow_nodes(
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
        nodes[Label.EVENT] = arrow_nodes(
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


def _text(values: np.ndarray, codes: np.ndarray) -> pd.Series:
    """``values[codes]`` as an Arrow text column (a few distinct labels, many rows)."""
    dictionary = pa.array(values, type=pa.large_string())
    return pd.Series(dictionary.take(pa.array(codes, type=pa.int64())).to_pandas().array)


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
