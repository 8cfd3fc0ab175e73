"""The one store interface, and the answers every store must give alike.

Public methods live here and check their arguments; each backend implements the small
``_``-prefixed methods. The two backends are :class:`graph.embedded.EmbeddedStore` (the default:
Parquet files in a data folder) and :class:`graph.neo4j_store.Neo4jStore`. One contract test
suite runs against both and demands the same answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from graph.model import PARTY_LABELS, Label, RelType
from graph.snapshot import Snapshot, snapshot_from_tables
from graph.tables import GraphTables, StoredTables
from graph.upsert import LoadOutcome, check_order
from riskgraph.errors import NotFound, StoreError

__all__ = ["GraphCounts", "GraphStore", "Neighbour", "NodeRecord", "Progress", "SCORE_COLUMNS"]

Progress = Callable[[str, int, int], None]  # (step, done, total)

#: Model scores kept beside the graph: probability of default, the part of it that comes from
#: the network, the model version, and a JSON explanation (top contributors and their paths).
SCORE_COLUMNS = ("id", "label", "pd", "contagion_exposure", "model_version", "explanation")


@dataclass(frozen=True)
class GraphCounts:
    as_of: str | None
    nodes: dict[str, int]  # every stored node, by label
    relationships: dict[str, int]  # current relationships (not ended), by type
    ended_relationships: dict[str, int]  # ended ones, kept for as-of questions


@dataclass(frozen=True)
class NodeRecord:
    label: str
    id: str
    props: dict[str, object]  # every non-empty property, meta included


@dataclass(frozen=True)
class Neighbour:
    rel: str  # relationship type
    direction: str  # "out" (node -> other) or "in" (other -> node)
    id: str
    label: str
    name: str | None
    props: dict[str, object] = field(default_factory=dict)  # the relationship's properties

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.rel, self.direction, self.id, repr(sorted(self.props.items())))


class GraphStore(ABC):
    """A place the graph lives. Constructors never touch the disk or the network."""

    kind: str = "abstract"

    def load(self, tables: GraphTables, progress: Progress | None = None) -> LoadOutcome:
        """Upsert a portfolio (a full snapshot at ``tables.as_of``); see :mod:`graph.upsert`."""
        check_order(self.latest_as_of(), tables.as_of)
        return self._load(tables, progress or (lambda *_: None))

    def tables(self) -> StoredTables:
        """Everything stored, canonical (the contract tests compare this across stores)."""
        return self._tables().canonical()

    def snapshot(self, as_of: str | None = None) -> Snapshot:
        return snapshot_from_tables(self._tables(), as_of)

    def latest_as_of(self) -> str | None:
        history = self._as_of_history()
        return history[-1] if history else None

    def counts(self) -> GraphCounts:
        return self._counts()

    def node(self, ident: str, labels: tuple[Label, ...] = PARTY_LABELS) -> NodeRecord:
        for label in labels:
            rec = self._node(label, ident)
            if rec is not None:
                return rec
        raise NotFound("/".join(lab.value for lab in labels), ident)

    def neighbours(
        self,
        ident: str,
        types: tuple[RelType, ...] | None = None,
        as_of: str | None = None,
        labels: tuple[Label, ...] = PARTY_LABELS,
    ) -> list[Neighbour]:
        """The relationships of one node active at ``as_of`` (default: the latest portfolio)."""
        rec = self.node(ident, labels)
        day = as_of or self.latest_as_of() or "9999-12-31"
        found = self._neighbours(Label(rec.label), ident, tuple(types or RelType), day)
        return sorted(found, key=Neighbour.sort_key)

    def write_scores(self, scores: pd.DataFrame) -> int:
        """Store model scores (replacing earlier ones): one row per party with the columns of
        :data:`SCORE_COLUMNS`. Returns the number of rows written."""
        missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
        if missing:
            raise StoreError(f"scores lack column(s) {', '.join(missing)}")
        frame = scores[list(SCORE_COLUMNS)].reset_index(drop=True)
        bad = ~frame["label"].isin([lab.value for lab in PARTY_LABELS])
        if bad.any():
            raise StoreError(
                "scores are for Enterprise and Person nodes only, not "
                f"{sorted(set(frame.loc[bad, 'label']))}"
            )
        return self._write_scores(frame)

    def scores(self) -> pd.DataFrame:
        """The stored scores (:data:`SCORE_COLUMNS`), sorted by label and id; empty if none."""
        frame = self._scores()
        if frame.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS})
        return frame[list(SCORE_COLUMNS)].sort_values(["label", "id"]).reset_index(drop=True)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or caches."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def _load(self, tables: GraphTables, progress: Progress) -> LoadOutcome: ...

    @abstractmethod
    def _tables(self) -> StoredTables: ...

    @abstractmethod
    def _as_of_history(self) -> tuple[str, ...]: ...

    @abstractmethod
    def _counts(self) -> GraphCounts: ...

    @abstractmethod
    def _node(self, label: Label, ident: str) -> NodeRecord | None: ...

    @abstractmethod
    def _write_scores(self, frame: pd.DataFrame) -> int: ...

    @abstractmethod
    def _scores(self) -> pd.DataFrame: ...

    @abstractmethod
    def _neighbours(
        self, label: Label, ident: str, types: tuple[RelType, ...], day: str
    ) -> list[Neighbour]: ...


def clean_props(values: dict[str, object], drop: tuple[str, ...] = ()) -> dict[str, object]:
    """Non-empty values only (NaN/None dropped), numpy scalars as Python ones."""
    out: dict[str, object] = {}
    for k, v in values.items():
        if k in drop or v is None or v is pd.NA:
            continue
        if hasattr(v, "item"):
            v = v.item()  # numpy scalar -> Python
        if isinstance(v, float) and v != v:
            continue
        out[k] = v
    return out
