"""Every Cypher statement riskgraph runs, in one place.

Values always travel as ``$parameters``. Labels and relationship types cannot be parameters in
Cypher, so the statements that need them are built here, and only from the
:class:`~graph.model.Label` / :class:`~graph.model.RelType` allow-lists (:func:`_label`,
:func:`_rel`): a string from outside never reaches the query text.
"""

from __future__ import annotations

from graph.model import REL_SPECS, Label, RelType

__all__ = [
    "META_READ",
    "META_WRITE",
    "SCORE_PROPS",
    "clear_scores",
    "constraints",
    "create_rels",
    "read_scores",
    "write_scores",
    "count_all_rels",
    "count_nodes",
    "count_rels",
    "end_missing",
    "neighbours",
    "node_by_id",
    "read_nodes",
    "read_rels",
    "retain_rels",
    "upsert_nodes",
    "upsert_rels",
]


def _label(label: Label) -> str:
    return Label(label).value  # raises on anything outside the allow-list


def _rel(rel: RelType) -> str:
    return RelType(rel).value


def constraints() -> list[str]:
    stmts = [
        f"CREATE CONSTRAINT {_label(lab).lower()}_id IF NOT EXISTS "
        f"FOR (n:{_label(lab)}) REQUIRE n.id IS UNIQUE"
        for lab in Label
    ]
    stmts.append(
        "CREATE CONSTRAINT riskgraph_meta_id IF NOT EXISTS "
        "FOR (m:RiskgraphMeta) REQUIRE m.id IS UNIQUE"
    )
    # No index on GUARANTEES.guarantee_id (nor a relationship constraint, which brings one):
    # with it the planner may answer the MERGE below with a scan of that whole index per row
    # (seen: 180 rows/s). Ingest already refuses duplicate guarantee ids.
    stmts.append("DROP INDEX guarantees_guarantee_id IF EXISTS")
    return stmts


SCORE_PROPS = ("score_pd", "score_exposure", "score_model", "score_explanation")


def upsert_nodes(label: Label) -> str:
    """Set each node's properties to the row's (a null in the row removes the property; rows
    carry every model column and every feature column ever stored), keep ``first_seen`` and the
    model scores. No read-after-write in one statement, so Neo4j plans no Eager barrier."""
    return (
        f"UNWIND $rows AS row MERGE (n:{_label(label)} {{id: row.id}}) "
        "ON CREATE SET n.first_seen = $as_of "
        "SET n += row, n.last_seen = $as_of"
    )


def clear_scores(label: Label) -> str:
    sets = ", ".join(f"n.{p} = null" for p in SCORE_PROPS)
    return (
        f"MATCH (n:{_label(label)}) WHERE n.score_model IS NOT NULL "
        f"CALL (n) {{ SET {sets} }} IN TRANSACTIONS OF 10000 ROWS"
    )


def write_scores(label: Label) -> str:
    return (
        f"UNWIND $rows AS row MATCH (n:{_label(label)} {{id: row.id}}) "
        "SET n.score_pd = row.pd, n.score_exposure = row.contagion_exposure, "
        "n.score_model = row.model_version, n.score_explanation = row.explanation "
        "RETURN count(n) AS c"
    )


def read_scores(label: Label) -> str:
    return (
        f"MATCH (n:{_label(label)}) WHERE n.score_model IS NOT NULL "
        "RETURN n.id AS id, n.score_pd AS pd, n.score_exposure AS contagion_exposure, "
        "n.score_model AS model_version, n.score_explanation AS explanation"
    )


def upsert_rels(rel: RelType, src: Label, dst: Label) -> str:
    """Merge on the endpoints and the type's key properties; set the other properties (rows
    carry all of them, null removes); keep ``since``, clear ``until``, tag with this load."""
    key = ", ".join(f"{k}: row.props.{k}" for k in REL_SPECS[rel].key)
    pattern = f"[r:{_rel(rel)} {{{key}}}]" if key else f"[r:{_rel(rel)}]"
    return (
        f"UNWIND $rows AS row MATCH (a:{_label(src)} {{id: row.src}}) "
        f"MATCH (b:{_label(dst)} {{id: row.dst}}) MERGE (a)-{pattern}->(b) "
        "ON CREATE SET r.since = $as_of "
        "SET r += row.props, r.until = null, r.load = $load"
    )


def create_rels(rel: RelType, src: Label, dst: Label) -> str:
    """Like :func:`upsert_rels` for a relationship type the database holds none of yet (a first
    load): nothing to merge with, so CREATE, which skips the per-row existence check."""
    return (
        f"UNWIND $rows AS row MATCH (a:{_label(src)} {{id: row.src}}) "
        f"MATCH (b:{_label(dst)} {{id: row.dst}}) CREATE (a)-[r:{_rel(rel)}]->(b) "
        "SET r = row.props, r.since = $as_of, r.load = $load"
    )


def retain_rels(rel: RelType, columns: tuple[str, ...]) -> str:
    """Tag (as seen in this load) relationships whose rows were rejected this time."""
    spec = REL_SPECS[rel]
    cond = [f"r.{k} = row.{k}" for k in spec.key if k in columns]
    if columns == ("guarantee_id",):  # one pass over the type, not one scan per row
        return f"MATCH ()-[r:{_rel(rel)}]->() WHERE r.guarantee_id IN $ids SET r.load = $load"
    if "dst" in columns:
        match = f"MATCH (b:{_label(spec.dst[0])} {{id: row.dst}})<-[r:{_rel(rel)}]-(a)"
        if "src" in columns:
            cond.append("a.id = row.src")
    elif "src" in columns:
        match = f"MATCH (a:{_label(spec.src[0])} {{id: row.src}})-[r:{_rel(rel)}]->(b)"
    else:
        match = f"MATCH ()-[r:{_rel(rel)}]->()"
    where = f" WHERE {' AND '.join(cond)}" if cond else ""
    return f"UNWIND $rows AS row {match}{where} SET r.load = $load"


def end_missing(rel: RelType) -> str:
    return (
        f"MATCH ()-[r:{_rel(rel)}]->() WHERE r.until IS NULL AND r.load <> $load "
        "CALL (r) { SET r.until = $as_of } IN TRANSACTIONS OF 10000 ROWS "
        "RETURN count(*) AS ended"
    )


def read_nodes(label: Label) -> str:
    return f"MATCH (n:{_label(label)}) RETURN properties(n) AS p"


def read_rels(rel: RelType, src: Label, dst: Label) -> str:
    return (
        f"MATCH (a:{_label(src)})-[r:{_rel(rel)}]->(b:{_label(dst)}) "
        "RETURN a.id AS src, b.id AS dst, properties(r) AS p"
    )


def count_nodes(label: Label) -> str:
    return f"MATCH (n:{_label(label)}) RETURN count(n) AS c"


def count_rels(rel: RelType) -> str:
    return (
        f"MATCH ()-[r:{_rel(rel)}]->() "
        "RETURN sum(CASE WHEN r.until IS NULL THEN 1 ELSE 0 END) AS current, "
        "sum(CASE WHEN r.until IS NULL THEN 0 ELSE 1 END) AS ended"
    )


def count_all_rels(rel: RelType) -> str:
    return f"MATCH ()-[r:{_rel(rel)}]->() RETURN count(r) AS c"


def node_by_id(label: Label) -> str:
    return f"MATCH (n:{_label(label)} {{id: $id}}) RETURN properties(n) AS p"


def neighbours(label: Label) -> str:
    return (
        f"MATCH (n:{_label(label)} {{id: $id}})-[r]-(m) "
        "WHERE type(r) IN $types AND r.since <= $day "
        "AND (r.until IS NULL OR r.until > $day) "
        "AND (r.start IS NULL OR r.start <= $day) AND (r.end IS NULL OR r.end > $day) "
        "AND m.first_seen <= $day "
        "RETURN type(r) AS rel, startNode(r) = n AS outgoing, m.id AS id, "
        "labels(m)[0] AS label, m.name AS name, properties(r) AS p"
    )


META_READ = "MATCH (m:RiskgraphMeta {id: 'meta'}) RETURN properties(m) AS p"
META_WRITE = (
    "MERGE (m:RiskgraphMeta {id: 'meta'}) SET m.as_of_history = $history, "
    "m.features_enterprise = $features_enterprise, "
    "m.features_person = $features_person, m.format = 1"
)
