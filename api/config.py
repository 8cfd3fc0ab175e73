"""The API's own knobs, as one small frozen object built at the edge from :class:`Settings`.

Paths default to files in the data folder (``api-keys.json``, ``audit/audit.jsonl``); the
numbers are the limits every request is held to. ``riskgraph serve`` sets some from its options;
nothing here reads the environment (that is :mod:`riskgraph.settings`' job).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from riskgraph.settings import Settings

__all__ = ["ApiConfig", "ROLES", "Role"]

Role = str
#: Every role a key can have, least to most privileged.
ROLES: tuple[Role, ...] = ("service", "committee", "investigator", "admin")


@dataclass(frozen=True)
class ApiConfig:
    """Limits and locations of one API process.

    Args:
        keys_file: the hashed API keys (see :mod:`api.keys`).
        audit_file: the append-only audit log, one JSON object a line.
        models_dir: the GNN's model artifacts (``riskgraph train``), for what-if.
        heartbeat_s: how often the store is checked (reachable? new portfolio? new scores?).
        scores_reload_s: for a store that cannot tell cheaply whether its scores changed (Neo4j),
            how often the scores are read again in full.
        retry_after_s: the ``Retry-After`` sent with a 503.
        batch_max: ids per ``POST /v1/scores`` call.
        max_body_bytes: request bodies above this are refused with 413.
        query_timeout_s: time limit of one graph query (neighbourhood, paths, group, ...).
        scenario_timeout_s: time limit of one stress scenario.
        heavy_concurrency: graph queries and scenarios running at once; more wait, briefly.
        search_max: results one search returns at most.
        warm_groups_s: time spent rendering big groups before a new graph goes live.
        access_log: log every request (JSON) besides the audit log; off for speed.
        rules_file: linked-party rules read on top of the shipped defaults.
        as_of: serve the snapshot as of this date (default: the latest portfolio).
    """

    keys_file: Path
    audit_file: Path
    models_dir: Path | None = None
    heartbeat_s: float = 1.0
    scores_reload_s: float = 60.0
    retry_after_s: int = 5
    batch_max: int = 10_000
    max_body_bytes: int = 2 * 1024 * 1024
    query_timeout_s: float = 10.0
    scenario_timeout_s: float = 60.0
    heavy_concurrency: int = 2
    search_max: int = 50
    warm_groups_s: float = 20.0
    access_log: bool = False
    rules_file: Path | None = None
    as_of: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **changes: object) -> ApiConfig:
        base = cls(keys_file=settings.data_dir / "api-keys.json",
                   audit_file=settings.data_dir / "audit" / "audit.jsonl",
                   models_dir=settings.data_dir / "models")
        given = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(base, **given) if given else base  # type: ignore[arg-type]
