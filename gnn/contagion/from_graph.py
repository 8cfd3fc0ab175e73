"""The exposure network of a graph snapshot: loans, guarantees and shareholdings as exposures.

Nodes are the snapshot's enterprises, persons and lenders (in snapshot order); only
relationships active at the snapshot's ``as_of`` are in it, so only those count. Edges
(``creditor -> debtor``, amount in the portfolio's currency):

- **loan** ``L`` of borrower ``b`` from lender ``k``: ``k -> b`` for ``outstanding(L)``;
- **guarantee** ``G`` by guarantor ``g`` of loan ``L`` of borrower ``b``: ``g -> b`` for

  .. math:: \\omega_{kind} \\cdot \\min(\\text{amount}(G), \\text{outstanding}(L))

  with :math:`\\omega_{joint} = 1`, :math:`\\omega_{general} = 0.5` and
  :math:`\\omega_{collateral} = 1` by default (:class:`ExposureConfig`). A *general* guarantor
  (一般保证) may insist that the lender first enforces against the borrower (PRC Civil Code
  art. 687), so less of its guarantee is at stake than a *joint* (连带责任) guarantor's; a
  *collateral* provider loses the pledged asset, whose value the guaranteed amount states. A
  guarantee without a kind is general (Civil Code art. 686);
- **shareholding** of holder ``h`` in enterprise ``e`` with ``ratio``: ``h -> e`` for

  .. math:: \\text{ratio} \\cdot \\max(0, \\text{assets}(e) - \\text{liabilities}(e))

  and none where either figure is missing (counted in the diagnostics).

A loan with several borrowers or lenders splits its amount evenly among them; an entity is
never its own creditor (such edges are dropped and counted); zero amounts are dropped.

Capital buffers ``E_i``:

- enterprise: net assets, ``total_assets - total_liabilities``, when positive;
- lender: its tier-1 capital from ``ExposureConfig.tier1_capital`` (lender id -> amount); a
  lender not configured gets ``lender_capital_ratio`` times what it has lent in the snapshot
  (counted as *assumed*; ``None`` makes such lenders unknown instead). The default ratio is 1:
  a snapshot is a slice of a bank's book, far smaller than its capital, so the lender's stress
  reads as the share of its lending here that is lost, its money loss is never capped below
  what it lost, and it defaults only if every borrower here does. Give real tier-1 capital (or
  e.g. ``0.1`` if the snapshot is the lender's whole book) for a solvency view;
- person: ``ExposureConfig.person_buffer`` if given, else unknown (persons file no balance
  sheets);
- unknown or nonpositive (e.g. an enterprise with net assets <= 0 or no figures): handled by
  :class:`UnknownBuffer`: *insulate* (the default) keeps the node with ``E_i = 0`` and a zero
  row of :math:`\\Lambda`, so it takes no losses but can be shocked and passes stress on; *raise*
  refuses the network instead. Either way the count is in the diagnostics.

Weights: ``w_i`` proportional to ``E_i`` (0 for unknown buffers), normalised to sum 1, so that
``additional_stress`` is the share of the network's known capital lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gnn.contagion.network import (
    ExposureDiagnostics,
    ExposureEdges,
    ExposureNetwork,
    UnknownBuffer,
    normalised_weights,
)
from graph.model import Label, RelType
from graph.snapshot import Snapshot
from riskgraph.errors import ConfigError

__all__ = ["ExposureConfig", "exposure_network_from_snapshot"]

NETWORK_LABELS = (Label.ENTERPRISE, Label.PERSON, Label.LENDER)


@dataclass(frozen=True)
class ExposureConfig:
    """The documented choices of the derivation (see the module docstring).

    Args:
        joint_weight, general_weight, collateral_weight: share of a guarantee (capped at the
            loan's outstanding) that is at stake, by kind of guarantee.
        tier1_capital: lender id -> tier-1 capital, in the portfolio's currency.
        lender_capital_ratio: default rule for a lender not in ``tier1_capital``: this share of
            what it has lent in the snapshot; ``None``: its buffer is unknown.
        person_buffer: capital buffer of every person; ``None``: unknown.
        unknown_buffer: what to do with unknown or nonpositive buffers.
    """

    joint_weight: float = 1.0
    general_weight: float = 0.5
    collateral_weight: float = 1.0
    tier1_capital: Mapping[str, float] = field(default_factory=dict)
    lender_capital_ratio: float | None = 1.0
    person_buffer: float | None = None
    unknown_buffer: UnknownBuffer = UnknownBuffer.INSULATE

    def __post_init__(self) -> None:
        for name in ("joint_weight", "general_weight", "collateral_weight"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, not {value}")
        bad = [k for k, v in self.tier1_capital.items() if not float(v) > 0]
        if bad:
            raise ConfigError(f"tier-1 capital must be positive; not so for lender(s) "
                              f"{', '.join(map(str, bad[:5]))}")
        if self.lender_capital_ratio is not None and not self.lender_capital_ratio > 0:
            raise ConfigError("lender_capital_ratio must be positive (or None for unknown)")
        if self.person_buffer is not None and not self.person_buffer > 0:
            raise ConfigError("person_buffer must be positive (or None for unknown)")

    def guarantee_weight(self, kind: object) -> float:
        if kind == "joint":
            return self.joint_weight
        if kind == "collateral":
            return self.collateral_weight
        return self.general_weight  # "general", and no kind given (Civil Code art. 686)


def exposure_network_from_snapshot(snapshot: Snapshot,
                                   config: ExposureConfig | None = None) -> ExposureNetwork:
    """Derive the exposure network of a snapshot, as the module docstring defines it."""
    cfg = config or ExposureConfig()
    chosen = snapshot.nodes["label"].isin([lab.value for lab in NETWORK_LABELS]).to_numpy()
    snap_idx = np.flatnonzero(chosen)
    local = np.full(snapshot.num_nodes, -1, dtype=np.int64)
    local[snap_idx] = np.arange(len(snap_idx))
    ids = snapshot.nodes["id"].to_numpy(dtype=object)[snap_idx]
    labels = snapshot.nodes["label"].to_numpy(dtype=object)[snap_idx]

    loans, loan_counts = _loan_edges(snapshot)
    guarantees = _guarantee_edges(snapshot, cfg)
    shares, no_net_assets = _shareholding_edges(snapshot)
    edges = pd.concat([loans, guarantees, shares], ignore_index=True)
    edges["creditor"] = local[edges["creditor"].to_numpy(dtype=np.int64)]
    edges["debtor"] = local[edges["debtor"].to_numpy(dtype=np.int64)]
    edges = edges[(edges["creditor"] >= 0) & (edges["debtor"] >= 0)]
    self_edges = edges["creditor"] == edges["debtor"]
    zero = ~(edges["amount"] > 0)
    edges = edges[~self_edges & ~zero].reset_index(drop=True)

    lent = np.bincount(edges.loc[edges["relation"] == "loan", "creditor"].to_numpy(np.int64),
                       weights=edges.loc[edges["relation"] == "loan", "amount"].to_numpy(),
                       minlength=len(ids))
    buffer, assumed, unmatched = _buffers(snapshot, snap_idx, ids, labels, lent, cfg)
    known = np.isfinite(buffer) & (buffer > 0)
    if not known.all() and cfg.unknown_buffer is UnknownBuffer.RAISE:
        examples = ", ".join(f"{labels[k]} {ids[k]}" for k in np.flatnonzero(~known)[:5])
        raise ConfigError(f"{int((~known).sum())} node(s) have no known positive capital buffer "
                          f"(e.g. {examples}); configure tier-1 capital or a person buffer, or "
                          "insulate them (unknown_buffer='insulate')")
    buffer = np.where(known, buffer, 0.0)

    attributes = pd.DataFrame({"industry": pd.Series(np.nan, index=range(len(ids)), dtype=object),
                               "region": pd.Series(np.nan, index=range(len(ids)), dtype=object)})
    ent = snapshot.props.get(Label.ENTERPRISE)
    if ent is not None and len(ent):
        rows = local[ent.index.to_numpy()]
        for col in ("industry", "region"):
            if col in ent.columns:
                attributes.loc[rows, col] = ent[col].to_numpy(dtype=object)

    diagnostics = ExposureDiagnostics(
        unknown_buffers=int((~known).sum()),
        unknown_buffer_examples=tuple(str(ids[k]) for k in np.flatnonzero(~known)[:5]),
        assumed_lender_capital=assumed,
        unmatched_tier1_ids=unmatched,
        loans_without_lender=loan_counts[0],
        loans_without_borrower=loan_counts[1],
        shareholdings_without_net_assets=no_net_assets,
        self_edges_dropped=int(self_edges.sum()),
        zero_edges_dropped=int((zero & ~self_edges).sum()),
    )
    weight = normalised_weights(buffer)
    return ExposureNetwork(
        ids=ids, labels=labels, buffer=buffer, buffer_known=known, weight=weight,
        edges=ExposureEdges(edges["creditor"].to_numpy(np.int64),
                            edges["debtor"].to_numpy(np.int64),
                            edges["amount"].to_numpy(np.float64),
                            edges["relation"].to_numpy(dtype=object),
                            edges["ref"].to_numpy(dtype=object)),
        attributes=attributes, diagnostics=diagnostics)


_EDGE_COLUMNS = ["creditor", "debtor", "amount", "relation", "ref"]


def _empty_edges() -> pd.DataFrame:
    return pd.DataFrame({"creditor": pd.Series(dtype=np.int64),
                         "debtor": pd.Series(dtype=np.int64),
                         "amount": pd.Series(dtype=np.float64),
                         "relation": pd.Series(dtype=object), "ref": pd.Series(dtype=object)})


def _edge_frame(snapshot: Snapshot, rel: RelType, src: str, dst: str) -> pd.DataFrame:
    table = snapshot.edges.get(rel)
    if table is None or len(table) == 0:
        return pd.DataFrame({src: pd.Series(dtype=np.int64), dst: pd.Series(dtype=np.int64)})
    return pd.DataFrame({src: table.src, dst: table.dst})


def _loan_borrowers(snapshot: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loans with borrower, outstanding, loan id and the number of co-borrowers; and lenders."""
    loan = snapshot.props.get(Label.LOAN)
    borrows = _edge_frame(snapshot, RelType.BORROWS, "borrower", "loan")
    lent_by = _edge_frame(snapshot, RelType.LENT_BY, "loan", "lender")
    if loan is None or loan.empty:
        borrows = borrows.iloc[0:0]
        lent_by = lent_by.iloc[0:0]
        outstanding = pd.Series(dtype=np.float64)
        loan_ids = pd.Series(dtype=object)
    else:
        outstanding = pd.to_numeric(loan["outstanding"], errors="coerce")
        loan_ids = loan["id"]
    borrows = borrows.assign(
        outstanding=outstanding.reindex(borrows["loan"]).to_numpy(dtype=np.float64),
        loan_id=loan_ids.reindex(borrows["loan"]).to_numpy(dtype=object),
        co_borrowers=borrows.groupby("loan")["borrower"].transform("size").to_numpy())
    return borrows, lent_by


def _loan_edges(snapshot: Snapshot) -> tuple[pd.DataFrame, tuple[int, int]]:
    borrows, lent_by = _loan_borrowers(snapshot)
    lent_by = lent_by.assign(co_lenders=lent_by.groupby("loan")["lender"].transform("size"))
    both = borrows.merge(lent_by, on="loan")
    without_lender = int(len(set(borrows["loan"]) - set(lent_by["loan"])))
    without_borrower = int(len(set(lent_by["loan"]) - set(borrows["loan"])))
    if both.empty:
        return _empty_edges(), (without_lender, without_borrower)
    amount = both["outstanding"] / (both["co_borrowers"] * both["co_lenders"])
    out = pd.DataFrame({"creditor": both["lender"].to_numpy(np.int64),
                        "debtor": both["borrower"].to_numpy(np.int64),
                        "amount": amount.fillna(0.0).to_numpy(np.float64),
                        "relation": "loan", "ref": both["loan_id"].to_numpy(dtype=object)})
    return out[_EDGE_COLUMNS], (without_lender, without_borrower)


def _guarantee_edges(snapshot: Snapshot, cfg: ExposureConfig) -> pd.DataFrame:
    table = snapshot.edges.get(RelType.GUARANTEES)
    if table is None or len(table) == 0:
        return _empty_edges()
    borrows, _ = _loan_borrowers(snapshot)
    kinds = table.props["kind"].where(table.props["kind"].notna(), "general").astype(object)
    given = pd.DataFrame({"guarantor": table.src, "loan": table.dst,
                          "guaranteed": pd.to_numeric(table.props["amount"], errors="coerce"),
                          "kind": kinds.to_numpy(dtype=object),
                          "guarantee_id": table.props["guarantee_id"].to_numpy(dtype=object)})
    both = given.merge(borrows, on="loan")
    if both.empty:
        return _empty_edges()
    capped = np.fmin(both["guaranteed"].to_numpy(np.float64),
                     both["outstanding"].to_numpy(np.float64))
    weight = both["kind"].map(cfg.guarantee_weight).to_numpy(np.float64)
    amount = np.nan_to_num(capped * weight / both["co_borrowers"].to_numpy(np.float64))
    return pd.DataFrame({"creditor": both["guarantor"].to_numpy(np.int64),
                         "debtor": both["borrower"].to_numpy(np.int64), "amount": amount,
                         "relation": ("guarantee:" + both["kind"].astype(str)).to_numpy(object),
                         "ref": both["guarantee_id"].to_numpy(dtype=object)})


def _net_assets(snapshot: Snapshot) -> pd.Series:
    """Enterprise net assets (total assets - total liabilities), NaN where unknown."""
    ent = snapshot.props.get(Label.ENTERPRISE)
    if ent is None or ent.empty:
        return pd.Series(dtype=np.float64)
    assets = pd.to_numeric(ent.get("total_assets"), errors="coerce")
    liabilities = pd.to_numeric(ent.get("total_liabilities"), errors="coerce")
    return (assets - liabilities).astype(np.float64)


def _shareholding_edges(snapshot: Snapshot) -> tuple[pd.DataFrame, int]:
    table = snapshot.edges.get(RelType.HOLDS_SHARES)
    if table is None or len(table) == 0:
        return _empty_edges(), 0
    net = _net_assets(snapshot).reindex(table.dst).to_numpy(np.float64)
    ratio = pd.to_numeric(table.props["ratio"], errors="coerce").to_numpy(np.float64)
    known = np.isfinite(net) & np.isfinite(ratio)
    amount = ratio * np.maximum(net, 0.0)
    out = pd.DataFrame({"creditor": table.src[known], "debtor": table.dst[known],
                        "amount": amount[known], "relation": "shareholding", "ref": ""})
    return out[_EDGE_COLUMNS], int((~known).sum())


def _buffers(snapshot: Snapshot, snap_idx: np.ndarray, ids: np.ndarray, labels: np.ndarray,
             lent: np.ndarray, cfg: ExposureConfig) -> tuple[np.ndarray, int, tuple[str, ...]]:
    """Capital buffer per network node (NaN where unknown), lenders on the default rule, and
    configured lender ids that are not in the snapshot."""
    buffer = np.full(len(ids), np.nan)
    is_ent = labels == Label.ENTERPRISE.value
    net = _net_assets(snapshot)
    if len(net):
        buffer[is_ent] = net.reindex(snap_idx[is_ent]).to_numpy(np.float64)
    if cfg.person_buffer is not None:
        buffer[labels == Label.PERSON.value] = cfg.person_buffer
    assumed = 0
    lender_ids = set()
    for k in np.flatnonzero(labels == Label.LENDER.value):
        lender_ids.add(str(ids[k]))
        configured = cfg.tier1_capital.get(str(ids[k]))
        if configured is not None:
            buffer[k] = float(configured)
        elif cfg.lender_capital_ratio is not None and lent[k] > 0:
            buffer[k] = cfg.lender_capital_ratio * lent[k]
            assumed += 1
    unmatched = tuple(sorted(str(k) for k in cfg.tier1_capital if str(k) not in lender_ids))
    return buffer, assumed, unmatched
