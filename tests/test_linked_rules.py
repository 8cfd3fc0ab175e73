"""The rules file: shipped defaults, overrides on top, and errors that name the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from graph.linked import DEFAULT_RULES_FILE, LinkedRules, load_rules
from riskgraph.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_and_the_dataclass_defaults_agree() -> None:
    shipped = load_rules()
    assert dataclasses.replace(shipped, source="") == dataclasses.replace(LinkedRules(), source="")
    assert shipped.source == DEFAULT_RULES_FILE.name
    assert shipped.profile().name == "cn2018"
    basel, cn = shipped.profile("basel"), shipped.profile("cn2018")
    assert (basel.large, basel.single_limit, basel.group_limit) == (0.10, 0.25, 0.25)
    assert (cn.large, cn.single_limit, cn.group_limit) == (0.025, 0.15, 0.20)
    assert basel.large_inclusive and not cn.large_inclusive
    assert shipped.capital == () and shipped.tier1_capital("中国工商银行") is None


def test_without_the_data_file_the_same_defaults_apply(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    import graph.linked.rules as rules_module

    monkeypatch.setattr(rules_module, "DEFAULT_RULES_FILE", tmp_path / "missing.toml")
    assert dataclasses.replace(load_rules(), source="") == dataclasses.replace(
        LinkedRules(), source="")


def test_a_user_file_changes_only_what_it_names(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, '[capital]\n"中国工商银行" = 3.6e12\n"浙商银行" = 1.9e11\n'
                                       "[rules.family]\nsibling = false\n"))
    assert rules.tier1_capital("中国工商银行") == 3.6e12
    assert rules.capital == (("中国工商银行", 3.6e12), ("浙商银行", 1.9e11))
    assert not rules.rules.family.sibling and rules.rules.family.spouse
    assert rules.rules.family.relations() == frozenset({"spouse", "parent", "child"})
    assert rules.limits == LinkedRules().limits and rules.source == str(tmp_path / "rules.toml")
    hash(rules)  # an analysis is cached per rule set


def test_a_new_profile_can_be_added_and_chosen(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, '[exposure]\nprofile = "house"\n[profiles.house]\n'
                                       "large = 0.05\nlarge_inclusive = true\n"
                                       "single_limit = 0.1\ngroup_limit = 0.15\n"))
    assert rules.profile().name == "house" and rules.profile().group_limit == 0.15
    assert rules.with_profile("basel").profile().name == "basel"


@pytest.mark.parametrize(("text", "message"), [
    ("[rules.famly]\nenabled = false\n", "unknown key 'rules.famly'"),
    ("[limits]\nmax_hops = 'three'\n", "limits.max_hops must be a whole number"),
    ("[rules.control]\nenabled = 1\n", "rules.control.enabled must be true or false"),
    ("[control]\nmajority = 1.5\n", "control.majority must lie in (0, 1)"),
    ('[exposure]\nprofile = "nope"\n', "no limit profile 'nope'"),
    ("[profiles.x]\nlarge = 0.1\n", "profiles.x lacks"),
    ('[capital]\n"甲银行" = -1\n', "must be a positive amount"),
    ("[limits\n", "not valid TOML"),
])
def test_mistakes_are_config_errors_that_name_the_key(tmp_path: Path, text: str,
                                                      message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_rules(write(tmp_path, text))


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the rules file"):
        load_rules(tmp_path / "nope.toml")


def test_an_analysis_is_cached_per_snapshot_and_rule_set() -> None:
    import pandas as pd

    from graph import Snapshot
    from graph.linked import LinkedAnalysis

    def empty() -> Snapshot:
        return Snapshot(None, pd.DataFrame(columns=["label", "id", "name"]), {}, {})

    one, two = empty(), empty()
    rules = load_rules()
    assert LinkedAnalysis.of(one, rules) is LinkedAnalysis.of(one, rules)
    assert LinkedAnalysis.of(two, rules) is not LinkedAnalysis.of(one, rules)
    other = load_rules(None).with_profile("basel")
    assert LinkedAnalysis.of(one, other).rules.profile().name == "basel"
    import gc
    import weakref

    gone = empty()
    LinkedAnalysis.of(gone, rules)
    ref = weakref.ref(gone)
    del gone
    for _ in range(5):  # the cache is bounded: old analyses (and their snapshots) are let go
        LinkedAnalysis.of(empty(), rules)
    gc.collect()
    assert ref() is None
