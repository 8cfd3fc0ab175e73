"""The exception tree of riskgraph.

Every error a user can act on is a :class:`RiskgraphError`; a library error that crosses one
of our boundaries is re-raised as one of these with ``from exc``. HTTP status codes are chosen
in ``api/`` from the class, never here.

::

    RiskgraphError
    ├── ConfigError              settings missing or unsafe (e.g. a placeholder secret)
    ├── PortfolioError           a whole file cannot be read (encoding, unknown column, ...)
    │   └── StrictModeError      rows were rejected and --strict was given
    ├── StoreError               a store cannot do what was asked
    │   ├── StoreUnavailable     the store cannot be reached now; retry later
    │   └── SnapshotOrderError   a portfolio older than the store's latest as_of
    ├── NotFound                 an id that is not in the graph
    ├── QueryLimitError          a query asks for more than the configured limits
    └── Neo4jServerError         the local Neo4j server cannot be assembled, started or stopped
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "Neo4jServerError",
    "NotFound",
    "PortfolioError",
    "QueryLimitError",
    "RiskgraphError",
    "SnapshotOrderError",
    "StoreError",
    "StoreUnavailable",
    "StrictModeError",
]


class RiskgraphError(Exception):
    """Root of every error riskgraph raises on purpose."""


class ConfigError(RiskgraphError):
    """A setting is missing, malformed or unsafe."""


class PortfolioError(RiskgraphError):
    """A portfolio file cannot be read at all (not a single bad row: those are rejects)."""

    def __init__(self, file: str, reason: str, *, others: tuple[PortfolioError, ...] = ()) -> None:
        self.file = file
        self.reason = reason
        self.others = others  # further whole-file errors found in the same portfolio
        more = f" (and {len(others)} more file error(s): see the report)" if others else ""
        super().__init__(f"{file}: {reason}{more}")


class StrictModeError(RiskgraphError):
    """Rows were rejected while strict mode was on; nothing was loaded."""


class StoreError(RiskgraphError):
    """A store cannot do what was asked."""


class StoreUnavailable(StoreError):
    """The store cannot be reached right now; the same call may succeed later."""

    def is_retryable(self) -> bool:
        return True


class SnapshotOrderError(StoreError):
    """A portfolio dated before the latest one already loaded."""


class NotFound(RiskgraphError):
    """An id that is not in the graph."""

    def __init__(self, what: str, ident: str) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"no {what} with id {ident!r} in the graph")


class QueryLimitError(RiskgraphError):
    """A query asks for more hops, nodes or time than the configured limits allow."""


class Neo4jServerError(RiskgraphError):
    """The local Neo4j server cannot be assembled, started, reached or stopped."""
