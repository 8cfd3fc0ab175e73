"""An exposure network from two plain CSV files, to use and check the methods on their own.

``edges.csv``: ``creditor,debtor,amount`` (one row per exposure; parallel rows add up).
``nodes.csv``: ``id,buffer,weight`` and optionally ``label``, ``industry``, ``region``.

- every id in the edges must be in the nodes table, once;
- ``amount`` must be a finite number ``>= 0``;
- a blank, zero or negative ``buffer`` is unknown: the node is insulated (``E_i = 0``, a zero row
  of :math:`\\Lambda`), or the file is refused with ``unknown_buffer="raise"``;
- ``weight`` must be ``>= 0``; blanks are 0; if no node has a positive weight, weights are the
  buffers; either way they are normalised to sum 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gnn.contagion.network import (
    PLAIN_LABEL,
    ExposureDiagnostics,
    ExposureEdges,
    ExposureNetwork,
    UnknownBuffer,
    normalised_weights,
)
from riskgraph.errors import PortfolioError

__all__ = ["read_exposure_csv", "read_shock_csv", "read_tier1_csv"]


def _read(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError as exc:
        raise PortfolioError(str(path), "file not found") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PortfolioError(str(path), f"not a readable CSV file ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PortfolioError(str(path), f"missing column(s) {', '.join(missing)}; expected "
                             f"{','.join(required)}")
    return frame


def _numbers(path: Path, frame: pd.DataFrame, column: str, blank: float) -> np.ndarray:
    text = frame[column].str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = values.isna() & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise PortfolioError(str(path), f"row {row + 2}: {column} {text.iloc[row]!r} is not a "
                             "number")
    return values.fillna(blank).to_numpy(np.float64)


def read_exposure_csv(edges_path: Path, nodes_path: Path,
                      unknown_buffer: UnknownBuffer = UnknownBuffer.INSULATE) -> ExposureNetwork:
    """Read ``creditor,debtor,amount`` edges and ``id,buffer,weight`` nodes (module docstring)."""
    nodes = _read(nodes_path, ("id", "buffer", "weight"))
    edges = _read(edges_path, ("creditor", "debtor", "amount"))
    ids = nodes["id"].str.strip()
    dup = ids[ids.duplicated()]
    if len(dup):
        raise PortfolioError(str(nodes_path), f"id {dup.iloc[0]!r} appears more than once")
    if (ids == "").any():
        raise PortfolioError(str(nodes_path), f"row {int(np.flatnonzero(ids == '')[0]) + 2}: "
                             "empty id")
    index = pd.Series(np.arange(len(ids)), index=ids.to_numpy())

    ends = {}
    for col in ("creditor", "debtor"):
        found = index.reindex(edges[col].str.strip().to_numpy())
        if found.isna().any():
            row = int(np.flatnonzero(found.isna().to_numpy())[0])
            raise PortfolioError(str(edges_path), f"row {row + 2}: {col} "
                                 f"{edges[col].iloc[row].strip()!r} is not in {nodes_path}")
        ends[col] = found.to_numpy(np.int64)
    amount = _numbers(edges_path, edges, "amount", np.nan)
    if not np.all(np.isfinite(amount) & (amount >= 0)):
        row = int(np.flatnonzero(~(np.isfinite(amount) & (amount >= 0)))[0])
        raise PortfolioError(str(edges_path), f"row {row + 2}: amount must be a number >= 0")

    buffer = _numbers(nodes_path, nodes, "buffer", np.nan)
    known = np.isfinite(buffer) & (buffer > 0)
    if not known.all() and unknown_buffer is UnknownBuffer.RAISE:
        raise PortfolioError(str(nodes_path), f"{int((~known).sum())} node(s) have no positive "
                             f"buffer (e.g. {ids[~known].iloc[0]!r})")
    buffer = np.where(known, buffer, 0.0)
    weight = _numbers(nodes_path, nodes, "weight", 0.0)
    if np.any(weight < 0) or not np.all(np.isfinite(weight)):
        raise PortfolioError(str(nodes_path), "weights must be finite numbers >= 0")

    attributes = pd.DataFrame(index=pd.RangeIndex(len(ids)))
    for col in ("industry", "region"):
        if col in nodes.columns:
            attributes[col] = nodes[col].str.strip().replace("", np.nan).to_numpy(dtype=object)
    labels = (nodes["label"].str.strip().replace("", PLAIN_LABEL) if "label" in nodes.columns
              else pd.Series(PLAIN_LABEL, index=nodes.index))
    return ExposureNetwork(
        ids=ids.to_numpy(dtype=object), labels=labels.to_numpy(dtype=object), buffer=buffer,
        buffer_known=known, weight=normalised_weights(weight, buffer),
        edges=ExposureEdges(ends["creditor"], ends["debtor"], amount),
        attributes=attributes,
        diagnostics=ExposureDiagnostics(
            unknown_buffers=int((~known).sum()),
            unknown_buffer_examples=tuple(ids[~known].iloc[:5])),
    )


def read_shock_csv(path: Path) -> tuple[tuple[str, float], ...]:
    """Partial shocks from ``id,shock`` rows (each shock a number in ``[0, 1]``)."""
    frame = _read(path, ("id", "shock"))
    values = _numbers(path, frame, "shock", np.nan)
    bad = ~(np.isfinite(values) & (values >= 0) & (values <= 1))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise PortfolioError(str(path), f"row {row + 2}: shock must be a number in [0, 1]")
    return tuple(zip(frame["id"].str.strip().tolist(), values.tolist(), strict=True))


def read_tier1_csv(path: Path) -> dict[str, float]:
    """Tier-1 capital per lender from ``id,tier1_capital`` rows (positive amounts)."""
    frame = _read(path, ("id", "tier1_capital"))
    values = _numbers(path, frame, "tier1_capital", np.nan)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise PortfolioError(str(path), f"row {row + 2}: tier1_capital must be a positive number")
    return dict(zip(frame["id"].str.strip().tolist(), values.tolist(), strict=True))
