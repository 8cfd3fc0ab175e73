"""The linked-party rules: one TOML file, loaded into frozen dataclasses.

The shipped defaults are ``graph/linked/rules.default.toml`` (documented key by key there and in
``docs/linked-party.md``). :func:`load_rules` reads a user file *on top of* the defaults: it
names only what it changes; an unknown table or key, a value of the wrong type or out of range
is a :class:`~riskgraph.errors.ConfigError` that names the file and the key.

Everything here is hashable, so that a per-snapshot analysis can be cached per rule set.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from riskgraph.errors import ConfigError

__all__ = [
    "ControlSettings",
    "DEFAULT_RULES_FILE",
    "ExposureSettings",
    "FamilyRule",
    "GroupRules",
    "GuaranteeDependenceRule",
    "GuaranteeSettings",
    "LimitProfile",
    "LinkedRules",
    "QueryLimits",
    "Switch",
    "load_rules",
]

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.default.toml")


@dataclass(frozen=True)
class QueryLimits:
    default_hops: int = 2
    max_hops: int = 3
    max_nodes: int = 500
    max_path_hops: int = 6
    max_paths: int = 20
    contact_max_owners: int = 50


@dataclass(frozen=True)
class ControlSettings:
    majority: float = 0.5  # control needs strictly more than this
    relative_control: float = 0.3  # largest effective holder above this: relative control


@dataclass(frozen=True)
class Switch:
    enabled: bool = True


@dataclass(frozen=True)
class FamilyRule:
    enabled: bool = True
    spouse: bool = True
    parent_child: bool = True
    sibling: bool = True
    other: bool = False

    def relations(self) -> frozenset[str]:
        """The ``family.relation`` values this rule follows."""
        on = {"spouse": self.spouse, "parent": self.parent_child, "child": self.parent_child,
              "sibling": self.sibling, "other": self.other}
        return frozenset(k for k, v in on.items() if v) if self.enabled else frozenset()


@dataclass(frozen=True)
class GuaranteeDependenceRule:
    enabled: bool = True
    net_asset_share: float = 0.5


@dataclass(frozen=True)
class GroupRules:
    control: Switch = field(default_factory=Switch)
    common_controller: Switch = field(default_factory=Switch)
    legal_rep: Switch = field(default_factory=Switch)
    family: FamilyRule = field(default_factory=FamilyRule)
    guarantee_dependence: GuaranteeDependenceRule = field(
        default_factory=GuaranteeDependenceRule)


@dataclass(frozen=True)
class GuaranteeSettings:
    min_chain_length: int = 3


@dataclass(frozen=True)
class LimitProfile:
    """Large-exposure figures as shares of a lender's tier-1 capital."""

    name: str
    large: float
    large_inclusive: bool
    single_limit: float
    group_limit: float

    def is_large(self, share: float) -> bool:
        return share >= self.large if self.large_inclusive else share > self.large * (1 + 1e-12)


@dataclass(frozen=True)
class ExposureSettings:
    profile: str = "cn2018"
    include_contingent: bool = False


_BASEL = LimitProfile("basel", 0.10, True, 0.25, 0.25)
_CN2018 = LimitProfile("cn2018", 0.025, False, 0.15, 0.20)


@dataclass(frozen=True)
class LinkedRules:
    limits: QueryLimits = field(default_factory=QueryLimits)
    control: ControlSettings = field(default_factory=ControlSettings)
    rules: GroupRules = field(default_factory=GroupRules)
    guarantees: GuaranteeSettings = field(default_factory=GuaranteeSettings)
    exposure: ExposureSettings = field(default_factory=ExposureSettings)
    profiles: tuple[LimitProfile, ...] = (_BASEL, _CN2018)
    capital: tuple[tuple[str, float], ...] = ()  # (lender id, tier-1 capital), sorted by id
    source: str = "built-in defaults"

    def profile(self, name: str | None = None) -> LimitProfile:
        """The named limit profile (default: ``exposure.profile``)."""
        wanted = name or self.exposure.profile
        for p in self.profiles:
            if p.name == wanted:
                return p
        known = ", ".join(p.name for p in self.profiles)
        raise ConfigError(f"no limit profile {wanted!r} in {self.source}; known: {known} "
                          "(add one as a [profiles.NAME] table)")

    def tier1_capital(self, lender: str) -> float | None:
        """The configured tier-1 capital of a lender, or None: never guessed."""
        for ident, value in self.capital:
            if ident == lender:
                return value
        return None

    def with_profile(self, name: str | None) -> LinkedRules:
        if name is None:
            return self
        self.profile(name)
        return replace(self, exposure=replace(self.exposure, profile=name))


def load_rules(path: Path | None = None) -> LinkedRules:
    """The default rules, with ``path`` (if given) read on top of them."""
    merged = _read(DEFAULT_RULES_FILE) if DEFAULT_RULES_FILE.exists() else _builtin()
    source = str(DEFAULT_RULES_FILE.name)
    if path is not None:
        _merge(merged, _read(Path(path)), str(path), ())
        source = str(path)
    return _build(merged, source)


def _builtin() -> dict[str, Any]:
    """The dataclass defaults as the file's tables (an install without the data file)."""
    data = asdict(LinkedRules())
    data["profiles"] = {p.pop("name"): p for p in data["profiles"]}
    data["capital"] = {}
    del data["source"]
    return data


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read the rules file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the rules file {path} is not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], over: dict[str, Any], source: str,
           where: tuple[str, ...]) -> None:
    """Overlay ``over`` on ``base`` in place; new keys only where the defaults allow them."""
    open_tables = {("capital",), ("profiles",)}
    for key, value in over.items():
        here = (*where, key)
        if key not in base and where not in open_tables:
            raise ConfigError(f"{source}: unknown key {'.'.join(here)!r}; see "
                              f"{DEFAULT_RULES_FILE.name} for the keys")
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value, source, here)
        else:
            base[key] = value


def _build(data: dict[str, Any], source: str) -> LinkedRules:
    def section(cls: type, values: Any, name: str) -> Any:
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: {name} must be a table")
        kwargs: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{source}: unknown key {name}.{key}")
            default = getattr(cls(), key) if cls is not LimitProfile else None
            if is_dataclass(default):
                kwargs[key] = section(type(default), value, f"{name}.{key}")
            else:
                kwargs[key] = _typed(value, known[key].type, f"{name}.{key}", source)
        return cls(**kwargs)

    try:
        limits = section(QueryLimits, data.get("limits", {}), "limits")
        control = section(ControlSettings, data.get("control", {}), "control")
        rules = section(GroupRules, data.get("rules", {}), "rules")
        guarantees = section(GuaranteeSettings, data.get("guarantees", {}), "guarantees")
        exposure = section(ExposureSettings, data.get("exposure", {}), "exposure")
        profiles = []
        for name, values in sorted(data.get("profiles", {}).items()):
            if not isinstance(values, dict):
                raise ConfigError(f"{source}: profiles.{name} must be a table")
            missing = {"large", "large_inclusive", "single_limit", "group_limit"} - set(values)
            if missing:
                raise ConfigError(f"{source}: profiles.{name} lacks {', '.join(sorted(missing))}")
            profiles.append(LimitProfile(
                name,
                _typed(values["large"], "float", f"profiles.{name}.large", source),
                _typed(values["large_inclusive"], "bool", f"profiles.{name}.large_inclusive",
                       source),
                _typed(values["single_limit"], "float", f"profiles.{name}.single_limit", source),
                _typed(values["group_limit"], "float", f"profiles.{name}.group_limit", source)))
            extra = set(values) - {"large", "large_inclusive", "single_limit", "group_limit"}
            if extra:
                raise ConfigError(f"{source}: unknown key profiles.{name}.{sorted(extra)[0]}")
        capital = []
        for lender, value in sorted(data.get("capital", {}).items()):
            amount = _typed(value, "float", f"capital.{lender}", source)
            if amount <= 0:
                raise ConfigError(f"{source}: capital.{lender} must be a positive amount")
            capital.append((str(lender), amount))
    except TypeError as exc:  # a table where a value belongs, or the reverse
        raise ConfigError(f"{source}: {exc}") from exc
    out = LinkedRules(limits, control, rules, guarantees, exposure, tuple(profiles),
                      tuple(capital), source)
    _check(out)
    out.profile()  # the chosen profile exists
    return out


def _typed(value: Any, kind: Any, key: str, source: str) -> Any:
    kind = str(kind)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {key} must be true or false, not {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {key} must be a whole number, not {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{source}: {key} must be a number, not {value!r}")
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {key} must be text, not {value!r}")
        return value
    raise ConfigError(f"{source}: {key} is a table, not a value")


def _check(r: LinkedRules) -> None:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ConfigError(f"{r.source}: {what}")

    lim = r.limits
    need(1 <= lim.default_hops <= lim.max_hops, "limits.default_hops must be 1..max_hops")
    need(lim.max_hops >= 1 and lim.max_nodes >= 1, "limits.max_hops and max_nodes must be >= 1")
    need(lim.max_path_hops >= 1 and lim.max_paths >= 1,
         "limits.max_path_hops and max_paths must be >= 1")
    need(lim.contact_max_owners >= 2, "limits.contact_max_owners must be >= 2")
    need(0 < r.control.majority < 1, "control.majority must lie in (0, 1)")
    need(0 < r.control.relative_control <= 1, "control.relative_control must lie in (0, 1]")
    need(r.rules.guarantee_dependence.net_asset_share > 0,
         "rules.guarantee_dependence.net_asset_share must be positive")
    need(r.guarantees.min_chain_length >= 2, "guarantees.min_chain_length must be >= 2")
    for p in r.profiles:
        need(0 < p.large <= 1 and 0 < p.single_limit <= 1 and 0 < p.group_limit <= 1,
             f"profiles.{p.name}: shares of tier-1 capital lie in (0, 1]")
