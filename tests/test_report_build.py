"""The committee report on the small hand-made portfolio (tests/kit.py), whose answers a person
can check: Huaxin Holding (H) holds 70% of Huaxin Steel (A), Li Na (P2) holds 60% of H, Zhang
Wei (P1) is legal representative of A and of Huaxin Trading (B), B guarantees A's loan L1 for
its whole net assets (guarantee dependence). ICBC lent A 80m, BOC lent B 50m.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_api_kit import (
    P1,
    P1_MASKED,
    P1_RID,
    P2,
    P2_MASKED,
    PII_KEY,
    A,
    B,
    H,
    load_small,
)

from api.report import build_report, group_picture
from api.report.build import parse_contributors
from graph import EmbeddedStore
from riskgraph.errors import NotFound
from riskgraph.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "report"

RULES = """
[capital]
ICBC = 500000000
BOC = 200000000
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddedStore, Settings, Path]:
    tmp = tmp_path_factory.mktemp("report")
    store = EmbeddedStore(tmp / "data")
    load_small(store, tmp / "portfolio")
    rules = tmp / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    return store, Settings(data_dir=tmp / "data", pii_key=PII_KEY), rules  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report(loaded):  # type: ignore[no-untyped-def]
    store, settings, rules = loaded
    return build_report(store, settings, A, rules_file=rules)


def test_the_group_lists_every_member_with_its_evidence(report) -> None:  # type: ignore[no-untyped-def]
    data = report.data
    ids = {m.member.node.id for m in data.members}
    assert {A, B, H, P2} <= ids
    html = report.html
    for m in data.members:
        assert m.member.node.name in html
        for ev in m.member.evidence:
            assert ev.text.replace("'", "&#39;") in html
    assert "holds 70% of" in html  # the evidence path H -> A, in words
    assert "guarantee dependence" in html


def test_exposure_by_lender_is_checked_against_configured_capital(report) -> None:  # type: ignore[no-untyped-def]
    lenders = {x.lender.id: x for x in report.data.group_exposure.by_lender}
    assert lenders["ICBC"].direct == pytest.approx(8e7)
    assert lenders["ICBC"].share_of_tier1 == pytest.approx(0.16)
    assert lenders["ICBC"].status == "within limit" or lenders["ICBC"].status == "large"
    assert lenders["BOC"].share_of_tier1 == pytest.approx(0.25)
    assert lenders["BOC"].status == "breach"
    html = report.html
    assert "16.00%" in html and "25.00%" in html
    assert "breach" in html
    assert "+4.00 pts" in html  # ICBC's headroom under the 20% group limit


def test_persons_appear_by_name_and_masked_id_never_by_key(report) -> None:  # type: ignore[no-untyped-def]
    html = report.html
    for key in (P1, P2):
        assert key not in html
    assert P2_MASKED in html
    assert P1_RID not in html
    assert "李娜" in html and "张伟" in html
    assert P1_MASKED not in html or "张伟" in html  # the legal rep is named on paths


def test_scores_and_contributors_with_paths(report) -> None:  # type: ignore[no-untyped-def]
    a = next(m for m in report.data.members if m.member.node.id == A)
    assert a.pd == pytest.approx(0.30)
    assert a.contagion_exposure == pytest.approx(0.10)
    names = [c.name for c in a.contributors]
    assert names == ["华信贸易有限公司", "张伟"]
    assert a.contributors[0].share == pytest.approx(0.6)
    # no path text stored with it: the shortest path is found in the graph
    assert a.contributors[0].path is not None and "华信贸易有限公司" in a.contributors[0].path
    assert "30.00%" in report.html


def test_contributors_are_read_from_the_models_explanation_format() -> None:
    text = json.dumps({"contributors": [
        {"id": "X", "label": "Enterprise", "name": "X Co", "hops": 1, "contribution": 0.012,
         "paths": [[{"src": "T", "src_name": "甲公司", "words": "guarantees a loan of",
                     "dst": "X", "dst_name": "乙公司", "relation": "guarantees"}]]}]})
    assert parse_contributors(text) == [("X", 0.012, "甲公司 —guarantees a loan of→ 乙公司")]
    legacy = json.dumps({"top_contributors": [{"id": "Y", "share": 0.4}]})
    assert parse_contributors(legacy) == [("Y", 0.4, None)]
    assert parse_contributors("not json") == []
    assert parse_contributors(None) == []


def test_the_default_scenario_on_the_borrower(report) -> None:  # type: ignore[no-untyped-def]
    s = report.data.scenario
    assert s is not None, report.data.scenario_error
    assert s.method == "debtrank"
    assert s.stressed >= 2  # A itself and at least its guarantor
    stressed = {r.name for r in s.top}
    assert "华信贸易有限公司" in stressed  # B guaranteed A's loan: it pays when A defaults
    assert s.losses > 0
    assert f"What if {report.data.subject.name} defaults?" in report.html


def test_the_group_picture_draws_every_member(report) -> None:  # type: ignore[no-untyped-def]
    svg = report.data.picture_svg
    assert svg.startswith("<svg")
    for m in report.data.members:
        short = m.member.node.name if len(m.member.node.name) <= 12 else m.member.node.name[:11]
        assert short in svg
    assert svg.count("<rect") >= 3  # enterprises are squares (plus the legend's swatches)
    assert 'stroke-dasharray="7 4"' in svg  # a guarantee


def test_a_large_group_picture_says_what_it_left_out(report) -> None:  # type: ignore[no-untyped-def]
    svg, note = group_picture(report.data.group, A, {}, {}, max_nodes=2)
    assert note is not None and "2 of" in note
    assert svg.count("<text") >= 2


def test_a_person_by_resident_id_and_an_unknown_id(loaded) -> None:  # type: ignore[no-untyped-def]
    store, settings, _ = loaded
    by_rid = build_report(store, settings, P1_RID)
    assert by_rid.data.subject.name == "张伟"
    assert by_rid.data.subject_shown_id == P1_MASKED
    assert P1 not in by_rid.html and P1_RID not in by_rid.html
    with pytest.raises(NotFound):
        build_report(store, settings, "91330100MA0000999X")


@pytest.mark.browser
def test_the_pdf_reads_right_page_by_page(report) -> None:  # type: ignore[no-untyped-def]
    pdf = report.pdf_bytes()
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "small-portfolio-report.pdf"
    path.write_bytes(pdf)
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed: tools/setup.sh"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    for words in ("CREDIT COMMITTEE REPORT", "华信钢铁有限公司", "华信贸易有限公司", "李娜",
                  "Exposure by lender", "breach", "What if", "page 1 of"):
        assert words in text, words
    assert re.search(r"ICBC\s+1\s+80,000,000", text)
    assert P2 not in text and P1_RID not in text
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "page")],
                   check=True)
    assert (ARTIFACTS / "page-1.png").exists()
