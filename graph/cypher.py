"""Every Cypher statement riskgraph runs, in one place.

Values always travel as ``$parameters``. Labels and relationship types cannot be parameters in
Cypher, so the statements that need them are built here, and only from the
:class:`~graph.model.Label` / :class:`~graph.model.RelType` allow-lists (:func:`_label`,
:func:`_rel`): a string from outside never reaches the query text.
"""

from __future__ import annotations

from graph.model import NODE_PROPS, REL_SPECS, Label, RelType

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
    "create_nodes",
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


def _prop(name: str) -> str:
    """A property name from the model (never from outside), quoted: some are keywords."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a model property name: {name!r}")
    return f"`{name}`"


def upsert_nodes(label: Label, features: bool = False) -> str:
    """Set each node's model properties to the row's (a null in the row removes the property),
    keep ``first_seen`` and the model scores. The properties are named one by one (from
    :data:`~graph.model.NODE_PROPS`): a map (``SET n += row``) could hold ``id``, so Neo4j would
    plan an Eager barrier before it. Features (names from the portfolio) come as the map
    ``row.features`` (every feature ever stored, null removes) when ``features``; only then is
    the barrier there."""
    sets = ", ".join(f"n.{_prop(k)} = row.{_prop(k)}" for k in NODE_PROPS[label] if k != "id")
    return (
        f"UNWIND $rows AS row MERGE (n:{_label(label)} {{id: row.id}}) "
        "ON CREATE SET n.first_seen = $as_of "
        f"SET {sets}, n.last_seen = $as_of" + (" SET n += row.features" if features else "")
    )


def create_nodes(label: Label) -> str:
    """Like :func:`upsert_nodes` for a label the database holds no node of yet (a first load):
    nothing to merge with, so CREATE, which skips the per-row index lookup (the uniqueness
    constraint still refuses a duplicate id). Null values in a row are simply not stored."""
    return (
        f"UNWIND $rows AS row CREATE (n:{_label(label)}) "
        "SET n = row, n.first_seen = $as_of, n.last_seen = $as_of"
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


def upsert_rels(rel: RelType, src: Label, dst: Label) -> str:
    """Merge on the endpoints and the type's key properties; set the other properties (rows
    carry all of them, flat beside ``src`` and ``dst``; null removes); keep ``since``, clear
    ``until``, tag with this load. Properties are named one by one (from
    :data:`~graph.model.REL_SPECS`), so Neo4j plans no Eager barrier."""
    spec = REL_SPECS[rel]
    key = ", ".join(f"{_prop(k)}: row.{_prop(k)}" for k in spec.key)
    pattern = f"[r:{_rel(rel)} {{{key}}}]" if key else f"[r:{_rel(rel)}]"
    sets = "".join(f"r.{_prop(k)} = row.{_prop(k)}, " for k in spec.props if k not in spec.key)
    return (
        f"UNWIND $rows AS row MATCH (a:{_label(src)} {{id: row.src}}) "
        f"MATCH (b:{_label(dst)} {{id: row.dst}}) MERGE (a)-{pattern}->(b) "
        "ON CREATE SET r.since = $as_of "
        f"SET {sets}r.until = null, r.load = $load"
    )


def create_rels(rel: RelType, src: Label, dst: Label) -> str:
    """Like :func:`upsert_rels` for a relationship type the database holds none of yet (a first
    load): nothing to merge with, so CREATE, which skips the per-row existence check; the
    properties go in the CREATE pattern (a null one is simply not stored)."""
    props = "".join(f"{_prop(k)}: row.{_prop(k)}, " for k in REL_SPECS[rel].props)
    return (
        f"UNWIND $rows AS row MATCH (a:{_label(src)} {{id: row.src}}) "
        f"MATCH (b:{_label(dst)} {{id: row.dst}}) "
        f"CREATE (a)-[:{_rel(rel)} {{{props}since: $as_of, load: $load}}]->(b)"
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


# Whole label and type sets are read in pages of nodes taken in ``id`` order from the
# uniqueness constraint's index (a range seek that already yields that order: no sort), and each
# page comes back as ONE record of column lists: ``[n IN page | n[k]]`` keeps nulls in place,
# which ``collect(n.k)`` would drop. One record per node or relationship instead costs the driver
# far more than the data (minutes for a 100,000-enterprise portfolio). Property names travel as
# ``$keys`` (feature names come from portfolio headers), never in the query text.
_PAGE = "MATCH (n:{label}) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $limit "


def read_nodes(label: Label) -> str:
    """One page of nodes: ``last`` (the page's last id, to pass as ``$after`` next), ``n`` (its
    size) and ``cols``, one list per name in ``$keys``."""
    return (
        _PAGE.format(label=_label(label)) + "WITH collect(n) AS page "
        "RETURN page[-1].id AS last, size(page) AS n, "
        "[k IN $keys | [x IN page | x[k]]] AS cols"
    )


def read_rels(rel: RelType, src: Label, dst: Label) -> str:
    """The relationships of one page of source nodes: ``last`` and ``n`` as in
    :func:`read_nodes`, then ``src``, ``dst`` (ids) and ``cols``, one list per name in
    ``$keys``. The subquery aggregates, so a page whose nodes have none still answers."""
    return (
        _PAGE.format(label=_label(src)) + "WITH collect(n) AS page "
        "CALL (page) { UNWIND page AS a "
        f"MATCH (a)-[r:{_rel(rel)}]->(b:{_label(dst)}) "
        "RETURN collect(a.id) AS src, collect(b.id) AS dst, collect(r) AS rs } "
        "RETURN page[-1].id AS last, size(page) AS n, src, dst, "
        "[k IN $keys | [x IN rs | x[k]]] AS cols"
    )


def read_scores(label: Label) -> str:
    """The scored nodes of one page (as :func:`read_nodes`), ``cols`` over ``SCORE_PROPS``."""
    props = ", ".join(f"[x IN scored | x.{p}]" for p in ("id", *SCORE_PROPS))
    return (
        _PAGE.format(label=_label(label)) + "WITH collect(n) AS page "
        "WITH page, [x IN page WHERE x.score_model IS NOT NULL] AS scored "
        f"RETURN page[-1].id AS last, size(page) AS n, [{props}] AS cols"
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
