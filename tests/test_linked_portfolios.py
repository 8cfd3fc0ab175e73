"""Hand-made portfolios for the linked-party tests, whose answers a person can work out.

Each builder says in its docstring what the right answers are; the ``test_linked_*`` files check
them on both stores. This module also holds the shared helpers (load a portfolio, check that an
evidence path walks stored relationships) and checks that every portfolio loads cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kit import rid, uscc, write_portfolio

from graph import GraphStore, load_portfolio
from graph.linked import GraphPath, LinkedAnalysis, LinkedRules, load_rules
from ingest import Pseudonymiser

Row = dict[str, object]

# -- ownership: pyramids, combined control, cross-holdings, cycles ----------------------------
H, A, S, C, D, E = (uscc(n) for n in (101, 102, 103, 104, 105, 106))
X, Y, M, N, Q, R = (uscc(n) for n in (107, 108, 109, 110, 111, 112))
ZHANG, WANG, LI, ZHAO, LIU, CHEN, YANG, HUANG = (rid(n) for n in range(1, 9))


def ent(ident: str, name: str, **more: object) -> Row:
    return {"enterprise_id": ident, "name": name, **more}


def person(ident: str, name: str) -> Row:
    return {"person_id": ident, "name": name}


def stake(holder: str, held: str, ratio: float) -> Row:
    return {"holder_id": holder, "enterprise_id": held, "ratio": ratio}


def loan(ident: str, borrower: str, lender: str, outstanding: float, status: str = "performing",
         amount: float | None = None) -> Row:
    return {"loan_id": ident, "borrower_id": borrower, "lender": lender,
            "amount": amount if amount is not None else max(outstanding, 1.0),
            "outstanding": outstanding, "start": "2024-01-01", "maturity": "2027-01-01",
            "status": status}


def guarantee(ident: str, guarantor: str, loan_id: str, amount: float) -> Row:
    return {"guarantee_id": ident, "guarantor_id": guarantor, "loan_id": loan_id,
            "amount": amount, "kind": "joint"}


def ownership_portfolio() -> dict[str, list[Row]]:
    """Control and effective shares, worked out by hand.

    * Pyramid: 张伟 holds 60% of 华信控股 (H), H 60% of 华信钢铁 (A), A 100% of 华信物流 (S); 刘洋
      holds the other 40% of H and of A. Control passes down: 张伟 is the ultimate controller of
      H, A and S, although his effective share in A is 0.6 x 0.6 = 36% and 刘洋's is
      0.4 + 0.4 x 0.6 = 64%.
    * Combined control: 张伟 holds 20% of 华信建材 (C) and H holds 35%: 张伟 controls C at 55%
      (immediate controller 张伟; H alone does not control C); effective 0.2 + 0.6 x 0.35 = 41%.
    * Nobody: 王芳 40%, 李强 35%, 赵敏 25% of 东方贸易 (D): no controller; 王芳 is the relative
      controller (40% > 30%). 东方科技 (E): four holders at 25%: no relative control either.
    * Cross-holding: 甲方实业 (X) and 乙方实业 (Y) hold 40% of each other; 陈静 holds 60% of X,
      杨帆 60% of Y. 陈静 controls X, 杨帆 controls Y; effective shares 5/7 and 2/7
      (M = A (I - B)^-1 with B = [[0, .4], [.4, 0]]).
    * Control cycle: 圆环投资 (M) and 环圆投资 (N) hold 60% of each other, 黄磊 40% of each: M
      and N control each other, nobody ultimately; 黄磊's effective share in each is 100%
      (0.4 (1 + 0.6) / (1 - 0.36)), so 黄磊 is the relative controller.
    * Closed cycle: 闭环甲 (Q) and 闭环乙 (R) hold 100% of each other: circular control, no
      outside owner, no effective holder.
    """
    return {
        "enterprises": [
            ent(H, "华信控股有限公司"), ent(A, "华信钢铁有限公司"), ent(S, "华信物流有限公司"),
            ent(C, "华信建材有限公司"), ent(D, "东方贸易有限公司"), ent(E, "东方科技有限公司"),
            ent(X, "甲方实业有限公司"), ent(Y, "乙方实业有限公司"), ent(M, "圆环投资有限公司"),
            ent(N, "环圆投资有限公司"), ent(Q, "闭环甲有限公司"), ent(R, "闭环乙有限公司"),
        ],
        "persons": [person(ZHANG, "张伟"), person(WANG, "王芳"), person(LI, "李强"),
                    person(ZHAO, "赵敏"), person(LIU, "刘洋"), person(CHEN, "陈静"),
                    person(YANG, "杨帆"), person(HUANG, "黄磊")],
        "shareholdings": [
            stake(ZHANG, H, 0.6), stake(LIU, H, 0.4), stake(H, A, 0.6), stake(LIU, A, 0.4),
            stake(A, S, 1.0),
            stake(ZHANG, C, 0.2), stake(H, C, 0.35), stake(LI, C, 0.45),
            stake(WANG, D, 0.4), stake(LI, D, 0.35), stake(ZHAO, D, 0.25),
            stake(WANG, E, 0.25), stake(LI, E, 0.25), stake(ZHAO, E, 0.25), stake(LIU, E, 0.25),
            stake(X, Y, 0.4), stake(Y, X, 0.4), stake(CHEN, X, 0.6), stake(YANG, Y, 0.6),
            stake(M, N, 0.6), stake(N, M, 0.6), stake(HUANG, M, 0.4), stake(HUANG, N, 0.4),
            stake(Q, R, 1.0), stake(R, Q, 1.0),
        ],
        "loans": [loan("L1", A, "甲银行", 1e7)],
    }


# -- groups and exposure -----------------------------------------------------------------------
GH, GA, GB, GF = (uscc(n) for n in (201, 202, 203, 204))
GL1, GL2, GG, GN, GO, GS = (uscc(n) for n in (205, 206, 207, 208, 209, 210))
CHENG, LINNA, QIAN, ZHOU = rid(11), rid(12, "19820202"), rid(13), rid(14)


def committee_portfolio() -> dict[str, list[Row]]:
    """Groups and exposure, worked out by hand (lender 甲银行 has tier-1 capital 1e9 in
    :func:`committee_rules`; 乙银行 has none configured).

    * 陈刚 holds 80% of 恒通控股 (GH), GH 70% of 恒通钢铁 (GA) and 55% of 恒通贸易 (GB); his
      wife 林娜 holds 70% of 丰华实业 (GF); 周杰 holds the rest of GH (20%) and GF (30%).
    * 广源化工 (GG, net assets 3e8 - 2e8 = 1e8) guarantees GA's loan LA1 for 6e7: 60% of its
      net assets, so GG depends on GA. 南方纸业 (GN, net assets 1e8) guarantees GB's LB1 for
      4e7: 40%, under the 50% rule, so GN stays out (its 9e7 guarantee of GH's closed loan LX
      counts for nothing).
    * 钱明 is legal representative of both 金桥建设 (GL1) and 金桥装饰 (GL2).
    * Groups: {陈刚, 林娜, GH, GA, GB, GF, GG} (control, common controller, family, dependence)
      and {GL1, GL2} (legal representative); 周杰, 钱明, GN, GO and GS are in no group.
    * Exposure of the 恒通 group at 甲银行: 1.2e8 (GA) + 6e7 (GB) + 3e7 (GF) = 2.1e8 = 21% of
      tier 1: over the 20% group limit of cn2018 by 1 point, large but within 25% under basel.
      At 乙银行: 5e7 direct (GA's LA2) and 4e7 contingent (GA guarantees 5e7 of 外部物流's LO1,
      whose outstanding is 4e7); GH's guarantee of GB's loan is internal. The closed loan LX
      counts for nothing.
    * GA alone at 甲银行: 12% of tier 1, large (above 2.5%) and within the 15% single limit
      (3 points of headroom). 独立软件 (GS) alone: 2%, not large. GL1's 2.5e7 is exactly 2.5%:
      not large under cn2018 (above 2.5%).
    """
    return {
        "enterprises": [
            ent(GH, "恒通控股有限公司", total_assets=5e9, total_liabilities=2e9),
            ent(GA, "恒通钢铁有限公司", total_assets=2e9, total_liabilities=1.2e9),
            ent(GB, "恒通贸易有限公司"), ent(GF, "丰华实业有限公司"),
            ent(GL1, "金桥建设有限公司"), ent(GL2, "金桥装饰有限公司"),
            ent(GG, "广源化工有限公司", total_assets=3e8, total_liabilities=2e8),
            ent(GN, "南方纸业有限公司", total_assets=3e8, total_liabilities=2e8),
            ent(GO, "外部物流有限公司"), ent(GS, "独立软件有限公司"),
        ],
        "persons": [person(CHENG, "陈刚"), person(LINNA, "林娜"), person(QIAN, "钱明"),
                    person(ZHOU, "周杰")],
        "positions": [
            {"person_id": QIAN, "enterprise_id": GL1, "role": "legal_rep"},
            {"person_id": QIAN, "enterprise_id": GL2, "role": "legal_rep"},
            {"person_id": CHENG, "enterprise_id": GH, "role": "legal_rep"},
            {"person_id": ZHOU, "enterprise_id": GH, "role": "director"},
        ],
        "shareholdings": [
            stake(CHENG, GH, 0.8), stake(ZHOU, GH, 0.2), stake(GH, GA, 0.7), stake(GH, GB, 0.55),
            stake(LINNA, GF, 0.7), stake(ZHOU, GF, 0.3),
        ],
        "family": [{"person_id": CHENG, "relative_id": LINNA, "relation": "spouse"}],
        "loans": [
            loan("LA1", GA, "甲银行", 1.2e8, amount=1.5e8), loan("LB1", GB, "甲银行", 6e7),
            loan("LF1", GF, "甲银行", 3e7), loan("LA2", GA, "乙银行", 5e7),
            loan("LO1", GO, "乙银行", 4e7), loan("LS1", GS, "甲银行", 2e7),
            loan("LX", GH, "甲银行", 0.0, status="closed", amount=1e8),
            loan("LL1", GL1, "甲银行", 2.5e7),
        ],
        "guarantees": [
            guarantee("GU1", GG, "LA1", 6e7), guarantee("GU2", GN, "LB1", 4e7),
            guarantee("GU3", GA, "LO1", 5e7), guarantee("GU4", GH, "LB1", 6e7),
            guarantee("GU5", GN, "LX", 9e7),
        ],
    }


COMMITTEE_RULES = """
[capital]
"甲银行" = 1e9
"""


def committee_rules(tmp_path: Path, extra: str = "") -> LinkedRules:
    path = tmp_path / "rules.toml"
    path.write_text(COMMITTEE_RULES + extra, encoding="utf-8")
    return load_rules(path)


# -- guarantee networks ------------------------------------------------------------------------
M1, M2, K1, K2, K3 = (uscc(n) for n in (301, 302, 303, 304, 305))
T1, T2, T3, T4, U1 = (uscc(n) for n in (306, 307, 308, 309, 310))


def guarantee_portfolio() -> dict[str, list[Row]]:
    """Shapes of guarantee networks, worked out by hand.

    * 互保: 明达 (M1) and 明远 (M2) guarantee each other's loans (outstanding 1e7 and 2e7).
    * 担保圈: 凯旋 (K1) guarantees 凯达 (K2), K2 guarantees 凯利 (K3), K3 guarantees K1 (3e7
      each): one circle of three, no mutual pair in it.
    * Chain: 泰山 (T1) guarantees 泰和 (T2), T2 guarantees 泰安 (T3), T3 guarantees 泰平 (T4):
      3 hops; T1 has no loan, so the chain's outstanding is 3e7. Positions: T1 0 up / 3 down,
      T2 1 / 2, T3 2 / 1, T4 3 / 0.
    * 无关 (U1) guarantees only M1's closed loan: no link.
    * Ranking by outstanding: C1 = {K1, K2, K3} (9e7), C2 = {M1, M2} (3e7).
    """
    names = {M1: "明达实业有限公司", M2: "明远实业有限公司", K1: "凯旋机械有限公司",
             K2: "凯达机械有限公司", K3: "凯利机械有限公司", T1: "泰山建材有限公司",
             T2: "泰和建材有限公司", T3: "泰安建材有限公司", T4: "泰平建材有限公司",
             U1: "无关贸易有限公司"}
    return {
        "enterprises": [ent(k, v) for k, v in names.items()],
        "persons": [],
        "loans": [loan("LM1", M1, "甲银行", 1e7), loan("LM2", M2, "甲银行", 2e7),
                  loan("LK1", K1, "甲银行", 3e7), loan("LK2", K2, "甲银行", 3e7),
                  loan("LK3", K3, "甲银行", 3e7), loan("LT2", T2, "甲银行", 1e7),
                  loan("LT3", T3, "甲银行", 1e7), loan("LT4", T4, "甲银行", 1e7),
                  loan("LMX", M1, "甲银行", 0.0, status="closed", amount=5e6)],
        "guarantees": [guarantee("GM1", M1, "LM2", 2e7), guarantee("GM2", M2, "LM1", 1e7),
                       guarantee("GK1", K1, "LK2", 3e7), guarantee("GK2", K2, "LK3", 3e7),
                       guarantee("GK3", K3, "LK1", 3e7), guarantee("GT1", T1, "LT2", 1e7),
                       guarantee("GT2", T2, "LT3", 1e7), guarantee("GT3", T3, "LT4", 1e7),
                       guarantee("GUX", U1, "LMX", 5e6)],
    }


# -- helpers -----------------------------------------------------------------------------------
def load(store: GraphStore, folder: Path, tables: dict[str, list[Row]],
         pseudonymiser: Pseudonymiser, rules: LinkedRules | None = None) -> LinkedAnalysis:
    result = load_portfolio(store, write_portfolio(folder, tables), pseudonymiser)
    assert result.report.rejected == 0, result.report.summary()
    return LinkedAnalysis.of(store.snapshot(), rules)


def assert_walks_stored(analysis: LinkedAnalysis, paths: tuple[GraphPath, ...]) -> None:
    """Every relationship each path walks is stored and active in the snapshot, and the
    path's hops join up."""
    snap = analysis.snapshot
    ids = snap.nodes["id"].to_numpy()
    stored = {(ids[s], rel.value, ids[d]) for rel, t in snap.edges.items()
              for s, d in zip(t.src, t.dst, strict=True)}
    assert paths, "no evidence path"
    for p in paths:
        assert len(p.nodes) == len(p.hops) + 1
        for rel in p.relationships:
            assert (rel.src, rel.type, rel.dst) in stored, (p.text(), rel)
        for hop, (a, b) in zip(p.hops, zip(p.nodes[:-1], p.nodes[1:], strict=True),
                               strict=True):
            ends = {r.src for r in hop.rels} | {r.dst for r in hop.rels}
            assert a.id in ends and b.id in ends, (p.text(), hop)


@pytest.mark.parametrize("build", [ownership_portfolio, committee_portfolio,
                                   guarantee_portfolio])
def test_hand_made_portfolios_load_without_rejects(
        build, store: GraphStore, tmp_path: Path,  # type: ignore[no-untyped-def]
        pseudonymiser: Pseudonymiser) -> None:
    analysis = load(store, tmp_path / "p", build(), pseudonymiser)
    assert analysis.snapshot.num_nodes > 0
