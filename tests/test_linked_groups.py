"""Connected-counterparty groups, their evidence, and the exposure checks.

The expected answers are worked out in :func:`test_linked_portfolios.committee_portfolio`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_linked_portfolios import (
    CHENG,
    GA,
    GB,
    GF,
    GG,
    GH,
    GL1,
    GL2,
    GN,
    GO,
    GS,
    LINNA,
    QIAN,
    ZHOU,
    assert_walks_stored,
    committee_portfolio,
    committee_rules,
    load,
)

from graph import GraphStore
from graph.linked import GroupReport, LinkedAnalysis, Rule
from ingest import Pseudonymiser


@pytest.fixture
def committee(store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser
              ) -> LinkedAnalysis:
    return load(store, tmp_path / "committee", committee_portfolio(), pseudonymiser,
                committee_rules(tmp_path))


def member_ids(report: GroupReport) -> set[str]:
    return {m.node.id for m in report.group.members}


def rules_of(report: GroupReport, ident: str) -> set[str]:
    (member,) = [m for m in report.group.members if m.node.id == ident]
    return {ev.rule.value for ev in member.evidence}


def test_the_group_joins_control_family_and_dependence(
        committee: LinkedAnalysis, pseudonymiser: Pseudonymiser) -> None:
    cheng, linna = pseudonymiser.key(CHENG), pseudonymiser.key(LINNA)
    report = committee.group(GA)
    assert member_ids(report) == {cheng, linna, GH, GA, GB, GF, GG}
    assert report.group.head.id == cheng and report.group.key == cheng
    # the most direct reason only: "GH controls GA" makes "same controller" redundant, and
    # one family edge joins the two controlled sides
    assert rules_of(report, GA) == {"control", "guarantee_dependence"}
    assert rules_of(report, GH) == {"control", "family"}
    assert rules_of(report, GF) == {"control", "family"}
    assert rules_of(report, GG) == {"guarantee_dependence"}
    for ident in (GB, GG):  # the same group, asked from another member
        assert member_ids(committee.group(ident)) == member_ids(report)


def test_members_of_one_group_share_one_answer(committee: LinkedAnalysis) -> None:
    ga, gb = committee.group(GA), committee.group(GB)
    assert ga.group is gb.group and ga.exposure is gb.exposure
    assert (ga.subject.id, gb.subject.id) == (GA, GB)  # type: ignore[union-attr]
    assert ga.subject_exposure != gb.subject_exposure


def test_every_member_has_evidence_that_walks_stored_relationships(
        committee: LinkedAnalysis) -> None:
    report = committee.group(GA)
    for member in report.group.members:
        assert member.evidence, member.node.name
        for ev in member.evidence:
            assert member.node in ev.between
            assert_walks_stored(committee, ev.paths)


def test_evidence_says_why_in_words(committee: LinkedAnalysis) -> None:
    report = committee.group(GG)
    texts = {ev.rule: ev for m in report.group.members for ev in m.evidence}
    dependence = texts[Rule.GUARANTEE_DEPENDENCE]
    assert dependence.text == ("广源化工有限公司 guarantees 恒通钢铁有限公司's loans for "
                               "60,000,000: 60% of its net assets 100,000,000 (rule: at least 50%)")
    assert [p.text() for p in dependence.paths] == [
        "广源化工有限公司 —guarantees loan of→ 恒通钢铁有限公司"]
    assert dependence.paths[0].ids == (GG, "LA1", GA)
    (family,) = {ev for m in report.group.members for ev in m.evidence
                 if ev.rule is Rule.FAMILY and {n.id for n in ev.between} == {GH, GF}}
    assert family.paths[0].text() == (
        "恒通控股有限公司 ←holds 80% of— 陈刚 —spouse of→ 林娜 —holds 70% of→ 丰华实业有限公司")
    control = [ev for m in report.group.members for ev in m.evidence
               if ev.rule is Rule.CONTROL and ev.between[1].id == GA]
    assert control[0].text == "恒通控股有限公司 controls 恒通钢铁有限公司: 70.00% directly"


def test_without_the_control_rule_siblings_share_a_controller_and_family_spans_the_sides(
        store: GraphStore, tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    analysis = load(store, tmp_path / "c", committee_portfolio(), pseudonymiser,
                    committee_rules(tmp_path, "[rules.control]\nenabled = false\n"))
    report = analysis.group(GB)
    common = [ev for ev in report.group.evidence if ev.rule is Rule.COMMON_CONTROLLER]
    assert {frozenset(n.id for n in ev.between) for ev in common} == {
        frozenset({GH, GA}), frozenset({GH, GB})}
    ga = next(ev for ev in common if GA in {n.id for n in ev.between})
    assert [p.text() for p in ga.paths] == ["陈刚 —holds 80% of→ 恒通控股有限公司",
                                            "陈刚 —holds 80% of→ 恒通控股有限公司 —holds 70% of→ "
                                            "恒通钢铁有限公司"]
    family = {frozenset(n.id for n in ev.between) for ev in report.group.evidence
              if ev.rule is Rule.FAMILY}
    assert family == {frozenset({GH, GF}), frozenset({GA, GF}), frozenset({GB, GF})}
    for ev in report.group.evidence:
        assert_walks_stored(analysis, ev.paths)


def test_a_shared_legal_representative_makes_a_group(committee: LinkedAnalysis) -> None:
    report = committee.group(GL2)
    assert member_ids(report) == {GL1, GL2}
    (ev,) = report.group.members[0].evidence
    assert ev.rule is Rule.LEGAL_REP
    assert ev.paths[0].text() == ("金桥建设有限公司 ←legal representative of— 钱明 —legal "
                                  "representative of→ 金桥装饰有限公司")
    assert_walks_stored(committee, ev.paths)


def test_parties_without_ties_stand_alone(committee: LinkedAnalysis,
                                          pseudonymiser: Pseudonymiser) -> None:
    for ident in (GN, GO, GS, pseudonymiser.key(ZHOU), pseudonymiser.key(QIAN)):
        report = committee.group(ident)
        assert member_ids(report) == {ident}
        assert report.group.members[0].evidence == ()


def test_all_groups_lists_every_group_of_two_or_more(committee: LinkedAnalysis,
                                                     pseudonymiser: Pseudonymiser) -> None:
    groups = committee.groups()
    assert [member_ids(r) for r in groups] == [
        {pseudonymiser.key(CHENG), pseudonymiser.key(LINNA), GH, GA, GB, GF, GG}, {GL1, GL2}]


@pytest.mark.parametrize(("extra", "expected"), [
    ("[rules.family]\nspouse = false\n", {"CHENG", "GH", "GA", "GB", "GG"}),
    ("[rules.family]\nenabled = false\n", {"CHENG", "GH", "GA", "GB", "GG"}),
    ("[rules.guarantee_dependence]\nenabled = false\n", {"CHENG", "LINNA", "GH", "GA", "GB",
                                                         "GF"}),
    ("[rules.guarantee_dependence]\nnet_asset_share = 0.4\n",
     {"CHENG", "LINNA", "GH", "GA", "GB", "GF", "GG", "GN"}),
    ("[rules.control]\nenabled = false\n", {"GH", "GA", "GB", "GF", "GG"}),
    ("[rules.control]\nenabled = false\n[rules.common_controller]\nenabled = false\n",
     {"GH", "GA", "GB", "GF", "GG"}),
    ("[rules.control]\nenabled = false\n[rules.common_controller]\nenabled = false\n"
     "[rules.family]\nenabled = false\n", {"GA", "GG"}),
])
def test_each_rule_switches_on_and_off(store: GraphStore, tmp_path: Path,
                                       pseudonymiser: Pseudonymiser, extra: str,
                                       expected: set[str]) -> None:
    names = {"CHENG": pseudonymiser.key(CHENG), "LINNA": pseudonymiser.key(LINNA), "GH": GH,
             "GA": GA, "GB": GB, "GF": GF, "GG": GG, "GN": GN}
    analysis = load(store, tmp_path / "c", committee_portfolio(), pseudonymiser,
                    committee_rules(tmp_path, extra))
    assert member_ids(analysis.group(GA)) == {names[k] for k in expected}


def test_legal_rep_rule_off_splits_the_pair(store: GraphStore, tmp_path: Path,
                                            pseudonymiser: Pseudonymiser) -> None:
    analysis = load(store, tmp_path / "c", committee_portfolio(), pseudonymiser,
                    committee_rules(tmp_path, "[rules.legal_rep]\nenabled = false\n"))
    assert member_ids(analysis.group(GL1)) == {GL1}


# -- exposure ----------------------------------------------------------------------------------
def by_lender(report: GroupReport) -> dict[str, tuple[float, float, str]]:
    return {x.lender.id: (x.direct, x.contingent, x.status) for x in report.exposure.by_lender}


def test_group_exposure_breaches_the_cn2018_group_limit(committee: LinkedAnalysis) -> None:
    report = committee.group(GA)
    e = report.exposure
    assert e.scope == "group" and e.profile.name == "cn2018" and e.profile.group_limit == 0.2
    assert by_lender(report) == {"甲银行": (2.1e8, 0.0, "breach"),
                                 "乙银行": (5e7, 4e7, "no capital configured")}
    jia = e.by_lender[0]
    assert jia.share_of_tier1 == pytest.approx(0.21) and jia.breach and jia.large
    assert jia.headroom == pytest.approx(-0.01) and jia.loans == 3
    yi = e.by_lender[1]
    assert yi.tier1_capital is None and yi.share_of_tier1 is None and yi.breach is None
    assert e.total_direct == pytest.approx(2.6e8) and e.total_contingent == pytest.approx(4e7)
    assert {g.guarantee_id: g.internal for g in e.guarantees_given} == {
        "GU3": False, "GU4": True, "GU1": True}
    assert [g.guarantee_id for g in e.guarantees_received] == ["GU2"]
    assert "LX" not in {line.loan.id for line in e.loans}


def test_the_borrower_alone_is_large_within_the_single_limit(committee: LinkedAnalysis) -> None:
    alone = committee.group(GA).subject_exposure
    assert alone is not None and alone.scope == "single"
    jia = next(x for x in alone.by_lender if x.lender.id == "甲银行")
    assert jia.share_of_tier1 == pytest.approx(0.12) and jia.limit == 0.15
    assert jia.large and not jia.breach and jia.status == "large"
    assert jia.headroom == pytest.approx(0.03)
    small = committee.exposure(GS).by_lender[0]
    assert small.share_of_tier1 == pytest.approx(0.02) and small.status == "within limit"


def test_exactly_at_the_large_threshold(committee: LinkedAnalysis) -> None:
    gl = committee.group(GL1).exposure.by_lender[0]
    assert gl.share_of_tier1 == pytest.approx(0.025)
    assert gl.large is False  # cn2018: above 2.5% (超过)


def test_the_basel_profile_and_contingent_exposure(store: GraphStore, tmp_path: Path,
                                                   pseudonymiser: Pseudonymiser) -> None:
    rules = committee_rules(tmp_path, '"乙银行" = 2e8\n[exposure]\nprofile = "basel"\n'
                            'include_contingent = true\n')
    analysis = load(store, tmp_path / "c", committee_portfolio(), pseudonymiser, rules)
    report = analysis.group(GA)
    assert report.exposure.profile.name == "basel"
    jia, yi = sorted(report.exposure.by_lender, key=lambda x: x.lender.id)[::-1]
    assert jia.lender.id == "甲银行" and jia.status == "large" and jia.limit == 0.25
    assert yi.exposure == pytest.approx(9e7) and yi.share_of_tier1 == pytest.approx(0.45)
    assert yi.status == "breach"
