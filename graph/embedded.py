"""The embedded store: the graph as Parquet files in a local data folder (the default store).

Layout of ``DATA_DIR/graph/``::

    CURRENT                 the name of the live generation (replaced atomically)
    gen-000007/meta.json    as_of history and feature columns
    gen-000007/nodes/Enterprise.parquet ...   one file per label (meta columns included)
    gen-000007/rels/GUARANTEES.parquet ...    one file per relationship type

A load computes the new tables with :func:`graph.upsert.apply_load`, writes them into a new
generation folder, and only then points ``CURRENT`` at it (write-to-temp then ``os.replace``),
so a crash mid-load leaves the previous graph intact: nothing is lost or half-written. Older
generations are removed after the switch. Reads are cached per generation. A load reads the
previous generation as stored (text in Arrow, no canonical copy) and writes the new one from
Arrow; the cache of canonical tables is filled again on the next read, not during the load.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graph.model import REL_SPECS, Label, RelType
from graph.snapshot import Snapshot, active_mask, snapshot_from_tables
from graph.store import GraphCounts, GraphStore, Neighbour, NodeRecord, Progress, clean_props
from graph.tables import GraphTables, StoredTables, empty_nodes, empty_rels
from graph.upsert import LoadOutcome, apply_load
from riskgraph.errors import StoreError

__all__ = ["EmbeddedStore"]

_FORMAT = 1


class EmbeddedStore(GraphStore):
    kind = "embedded"

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "graph"
        self._cache: tuple[str, StoredTables] | None = None
        self._snap_cache: dict[tuple[str, str | None], Snapshot] = {}

    # -- generations ---------------------------------------------------------------------
    def _current(self) -> str | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        return pointer.read_text(encoding="utf-8").strip() or None

    def _meta(self, gen: str) -> dict[str, Any]:
        try:
            meta = json.loads((self.root / gen / "meta.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(
                f"embedded store at {self.root} is damaged ({exc}); "
                "restore the folder or load the portfolio into a new one"
            ) from exc
        if meta.get("format") != _FORMAT:
            raise StoreError(
                f"embedded store at {self.root} has format {meta.get('format')}, "
                f"this version reads {_FORMAT}"
            )
        return dict(meta)

    def _read(self, gen: str) -> StoredTables:
        """A generation as stored (not canonical: text as read from Parquet)."""
        folder = self.root / gen
        meta = self._meta(gen)
        features = {Label(k): tuple(v) for k, v in meta["features"].items()}
        nodes = {}
        for label in Label:
            path = folder / "nodes" / f"{label.value}.parquet"
            nodes[label] = (
                pd.read_parquet(path)
                if path.exists()
                else empty_nodes(label, features.get(label, ()), meta=True)
            )
        rels = {}
        for rel in RelType:
            path = folder / "rels" / f"{rel.value}.parquet"
            rels[rel] = pd.read_parquet(path) if path.exists() else empty_rels(rel, meta=True)
        return StoredTables(tuple(meta["as_of_history"]), nodes, rels, features)

    def _tables(self) -> StoredTables:
        gen = self._current()
        if gen is None:
            return StoredTables((), {}, {}, {})
        if self._cache is None or self._cache[0] != gen:
            self._cache = (gen, self._read(gen).canonical())
            self._snap_cache.clear()
        return self._cache[1]

    def _write(self, stored: StoredTables, progress: Progress) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        current = self._current()
        number = int(current.split("-")[1]) + 1 if current else 1
        gen = f"gen-{number:06d}"
        folder = self.root / gen
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "nodes").mkdir(parents=True)
        (folder / "rels").mkdir()
        parts = [*stored.nodes.items(), *stored.rels.items()]
        for done, (what, frame) in enumerate(parts, 1):
            sub = "nodes" if isinstance(what, Label) else "rels"
            frame.to_parquet(folder / sub / f"{what.value}.parquet", index=False)  # type: ignore[attr-defined,union-attr,unused-ignore]
            progress("writing embedded store", done, len(parts))
        meta = {
            "format": _FORMAT,
            "as_of_history": list(stored.as_of_history),
            "features": {k.value: list(v) for k, v in stored.features.items()},
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        _fsync_dir(folder)
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(gen, encoding="utf-8")
        os.replace(tmp, self.root / "CURRENT")
        for old in self.root.glob("gen-*"):
            if old.name != gen:
                shutil.rmtree(old, ignore_errors=True)
        return gen

    # -- the interface ---------------------------------------------------------------------
    def _load(self, tables: GraphTables, progress: Progress) -> LoadOutcome:
        progress("merging with the stored graph", 0, 1)
        current = self._current()
        previous = self._read(current) if current else StoredTables((), {}, {}, {})
        stored, outcome = apply_load(previous, tables)
        del previous
        progress("merging with the stored graph", 1, 1)
        self._write(stored, progress)
        self._cache = None  # canonical tables are read back on demand
        self._snap_cache.clear()
        return outcome

    def _as_of_history(self) -> tuple[str, ...]:
        gen = self._current()
        if gen is None:
            return ()
        if self._cache is not None and self._cache[0] == gen:
            return self._cache[1].as_of_history
        return tuple(self._meta(gen)["as_of_history"])

    def snapshot(self, as_of: str | None = None) -> Snapshot:
        stored = self._tables()
        key = (self._current() or "", as_of)
        if key not in self._snap_cache:
            self._snap_cache[key] = snapshot_from_tables(stored, as_of)
        return self._snap_cache[key]

    def _write_scores(self, frame: pd.DataFrame) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / "scores.parquet.tmp"
        frame.to_parquet(tmp, index=False)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "scores.parquet")
        return len(frame)

    def _scores(self) -> pd.DataFrame:
        path = self.root / "scores.parquet"
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()

    def _counts(self) -> GraphCounts:
        t = self._tables()
        nodes = {lab.value: len(t.nodes[lab]) if lab in t.nodes else 0 for lab in Label}
        current, ended = {}, {}
        for rel in RelType:
            f = t.rels.get(rel)
            open_ = int(f["until"].isna().sum()) if f is not None else 0
            current[rel.value] = open_
            ended[rel.value] = (len(f) - open_) if f is not None else 0
        return GraphCounts(t.latest_as_of, nodes, current, ended)

    def _node(self, label: Label, ident: str) -> NodeRecord | None:
        frame = self._tables().nodes.get(label)
        if frame is None or frame.empty:
            return None
        pos = np.searchsorted(frame["id"].to_numpy(dtype=object), ident)
        if pos >= len(frame) or frame["id"].iat[pos] != ident:
            return None
        return NodeRecord(label.value, ident, clean_props(frame.iloc[pos].to_dict()))

    def _neighbours(
        self, label: Label, ident: str, types: tuple[RelType, ...], day: str
    ) -> list[Neighbour]:
        t = self._tables()
        out: list[Neighbour] = []
        for rel in types:
            f = t.rels.get(rel)
            if f is None or f.empty:
                continue
            spec = REL_SPECS[rel]
            for direction, mine, theirs in (("out", "src", "dst"), ("in", "dst", "src")):
                hit = f[(f[mine] == ident) & (f[f"{mine}_label"] == label.value)]
                hit = hit[active_mask(hit, day)] if len(hit) else hit
                for row in hit.itertuples(index=False):
                    other_label = Label(getattr(row, f"{theirs}_label"))
                    other = self._node(other_label, getattr(row, theirs))
                    if other is None or str(other.props.get("first_seen", "")) > day:
                        continue
                    props = clean_props({k: getattr(row, k) for k in spec.props})
                    out.append(
                        Neighbour(
                            rel.value,
                            direction,
                            other.id,
                            other.label,
                            _text(other.props.get("name")),
                            props,
                        )
                    )
        return out


def _fsync_dir(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _text(value: object) -> str | None:
    """A stored text property, or None when absent."""
    return None if value is None else str(value)
