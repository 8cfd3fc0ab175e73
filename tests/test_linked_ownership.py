"""Effective shares and control: pyramids, combined control, cross-holdings, cycles.

The expected answers are worked out in :func:`test_linked_portfolios.ownership_portfolio`; the
property tests compare the solver with a brute-force least fixed point and a dense inverse on
random small graphs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_linked_portfolios import (
    CHEN,
    HUANG,
    LI,
    LIU,
    WANG,
    YANG,
    ZHANG,
    A,
    C,
    D,
    E,
    H,
    M,
    N,
    Q,
    R,
    S,
    X,
    Y,
    assert_walks_stored,
    load,
    ownership_portfolio,
)

from graph import GraphStore
from graph.linked import (
    LinkedAnalysis,
    ShareTable,
    effective_holders,
    effective_holdings,
    solve_control,
)
from ingest import Pseudonymiser


@pytest.fixture
def owned(store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser) -> LinkedAnalysis:
    return load(store, tmp_path / "own", ownership_portfolio(), pseudonymiser)


def eff(analysis: LinkedAnalysis, ident: str) -> dict[str, float]:
    return {h.holder.id: round(h.effective, 9) for h in analysis.controller(ident).holders}


def test_control_passes_down_a_pyramid_below_half_an_effective_share(
        owned: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    zhang = pseudonymiser.key(ZHANG)
    report = owned.controller(S)
    assert [(link.controller.name, link.controlled.name) for link in report.chain] == [
        ("华信钢铁有限公司", "华信物流有限公司"), ("华信控股有限公司", "华信钢铁有限公司"),
        ("张伟", "华信控股有限公司")]
    assert report.ultimate is not None and report.ultimate.id == zhang
    assert report.relative is None and not report.circular
    assert owned.controller(A).ultimate.id == zhang  # type: ignore[union-attr]
    assert eff(owned, A) == {pseudonymiser.key(LIU): 0.64, H: 0.6, zhang: 0.36}
    assert eff(owned, S)[zhang] == pytest.approx(0.36)
    assert_walks_stored(owned, tuple(p for link in report.chain for p in link.paths))


def test_combined_control_adds_the_stakes_of_controlled_firms(
        owned: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    zhang = pseudonymiser.key(ZHANG)
    report = owned.controller(C)
    (link,) = report.chain
    assert link.controller.id == zhang and link.share == pytest.approx(0.55)
    assert link.direct == pytest.approx(0.2)
    assert sorted((s.holder.name, s.ratio) for s in link.coalition) == [
        ("华信控股有限公司", 0.35), ("张伟", 0.2)]
    assert sorted(p.text() for p in link.paths) == [
        "张伟 —holds 20% of→ 华信建材有限公司",
        "张伟 —holds 60% of→ 华信控股有限公司 —holds 35% of→ 华信建材有限公司"]
    assert_walks_stored(owned, link.paths)
    assert eff(owned, C)[zhang] == pytest.approx(0.41)
    assert eff(owned, C)[pseudonymiser.key(LI)] == pytest.approx(0.45)
    assert {n.name for n in owned.controller(zhang).controls} == {
        "华信控股有限公司", "华信钢铁有限公司", "华信物流有限公司", "华信建材有限公司"}


def test_without_a_majority_the_largest_holder_is_relative_control_above_the_threshold(
        owned: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    d = owned.controller(D)
    assert d.ultimate is None and d.chain == () and not d.circular
    assert d.relative is not None and d.relative.holder.id == pseudonymiser.key(WANG)
    assert d.relative.effective == pytest.approx(0.4) and d.relative_threshold == 0.3
    e = owned.controller(E)
    assert e.ultimate is None and e.relative is None
    assert [h.effective for h in e.holders] == [0.25] * 4


def test_cross_holdings_solve_the_linear_system(owned: LinkedAnalysis,
                                                pseudonymiser: Pseudonymiser) -> None:
    chen, yang = pseudonymiser.key(CHEN), pseudonymiser.key(YANG)
    assert owned.controller(X).ultimate.id == chen  # type: ignore[union-attr]
    assert owned.controller(Y).ultimate.id == yang  # type: ignore[union-attr]
    x = eff(owned, X)
    assert x[chen] == pytest.approx(5 / 7) and x[yang] == pytest.approx(2 / 7)
    assert x[Y] == pytest.approx(0.4 / 0.84)  # Y's stake in X, with its trips round the cycle
    holds = effective_holdings(owned.shares, owned.snapshot.index_of(chen))
    by_id = {owned.party_graph.ids[k]: v for k, v in holds.items()}
    assert by_id[X] == pytest.approx(5 / 7) and by_id[Y] == pytest.approx(2 / 7)


def test_mutual_control_has_no_ultimate_controller_and_flags_the_cycle(
        owned: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    m = owned.controller(M)
    assert m.ultimate is None and m.circular
    assert {n.id for n in m.cycle} == {M, N}
    assert [link.controller.id for link in m.chain] == [N]
    assert m.relative is not None and m.relative.holder.id == pseudonymiser.key(HUANG)
    assert m.relative.effective == pytest.approx(1.0)


def test_a_closed_ownership_cycle_has_no_outside_owner(owned: LinkedAnalysis) -> None:
    q = owned.controller(Q)
    assert q.closed_cycle and q.circular and q.ultimate is None
    assert q.holders == () and q.relative is None
    assert {tuple(sorted(owned.party_graph.ids[list(c)])) for c in owned.shares.closed_cycles} \
        == {tuple(sorted((Q, R)))}


def test_a_person_controls_but_is_never_controlled(owned: LinkedAnalysis,
                                                  pseudonymiser: Pseudonymiser) -> None:
    zhang = owned.controller(pseudonymiser.key(ZHANG))
    assert zhang.chain == () and zhang.ultimate is None and zhang.holders == ()
    assert zhang.controls_count == 4


def test_a_majority_threshold_from_the_rules(store: GraphStore, tmp_path: Path,
                                             pseudonymiser: Pseudonymiser) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text("[control]\nmajority = 0.6\nrelative_control = 0.5\n")
    from graph.linked import load_rules

    analysis = load(store, tmp_path / "own", ownership_portfolio(), pseudonymiser,
                    load_rules(rules_file))
    a = analysis.controller(A)  # H holds exactly 60%: not more than 60%
    assert a.ultimate is None and a.chain == ()
    assert a.relative is not None and a.relative.holder.id == pseudonymiser.key(LIU)


# -- properties on random graphs ----------------------------------------------------------------
def _least_fixed_point(n: int, is_ent: np.ndarray, stakes: list[tuple[int, int, float]]
                       ) -> dict[int, set[int]]:
    """C[x] = what x controls, by iterating the definition from nothing (brute force)."""
    controls: dict[int, set[int]] = {x: set() for x in range(n)}
    changed = True
    while changed:
        changed = False
        for x in range(n):
            for e in np.flatnonzero(is_ent).tolist():
                if e in controls[x]:
                    continue
                total = sum(r for s, d, r in stakes if d == e and (s == x or s in controls[x]))
                if total > 0.5 + 1e-9:
                    controls[x].add(e)
                    changed = True
    return controls


Stakes = list[tuple[int, int, float]]


def _random_stakes(rng: np.random.Generator) -> tuple[int, np.ndarray, Stakes]:
    ne, npers = int(rng.integers(2, 8)), int(rng.integers(1, 3))
    n = ne + npers
    is_ent = np.zeros(n, dtype=bool)
    is_ent[:ne] = True
    stakes = []
    for e in range(ne):
        k = int(rng.integers(0, 5))
        holders = rng.choice([h for h in range(n) if h != e], size=min(k, n - 1), replace=False)
        weights = rng.dirichlet(np.ones(len(holders) + 1))[: len(holders)]
        stakes += [(int(h), e, max(round(float(w), 3), 0.001)) for h, w in zip(holders, weights,
                                                                              strict=True)]
    return n, is_ent, stakes


def test_control_matches_the_least_fixed_point_on_random_graphs() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, is_ent, stakes = _random_stakes(rng)
        src, dst, ratio = (np.array(c) for c in zip(*stakes, strict=True)) if stakes else (
            np.zeros(0, int), np.zeros(0, int), np.zeros(0))
        forest = solve_control(ShareTable.from_arrays(is_ent, src, dst, ratio))
        truth = _least_fixed_point(n, is_ent, stakes)
        for e in range(n):
            controllers = {x for x in range(n) if e in truth[x] and x != e}
            assert set(forest.chain(e)) == controllers, (stakes, e)
            tops = [x for x in controllers if not any(x in truth[y] for y in range(n) if y != x)]
            assert forest.ultimate[e] == (tops[0] if len(tops) == 1 else -1), (stakes, e)


def test_effective_shares_match_the_dense_inverse_on_random_graphs() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        n, is_ent, stakes = _random_stakes(rng)
        if not stakes:
            continue
        src, dst, ratio = (np.array(c) for c in zip(*stakes, strict=True))
        table = ShareTable.from_arrays(is_ent, src, dst, ratio)
        if table.closed_cycles:
            continue
        a = np.zeros((n, n))
        np.add.at(a, (src, dst), ratio)
        b = a * is_ent[:, None] * is_ent[None, :]
        m = a @ np.linalg.inv(np.eye(n) - b)
        for e in np.flatnonzero(is_ent).tolist():
            got = effective_holders(table, e)
            assert [got.get(h, 0.0) for h in range(n)] == pytest.approx(m[:, e].tolist())
        for h in range(n):
            got = effective_holdings(table, h)
            assert [got.get(e, 0.0) for e in range(n)] == pytest.approx(
                (m[h] * is_ent).tolist())
