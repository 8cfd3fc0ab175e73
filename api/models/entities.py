"""An entity's profile, search results, stress scenarios, and the service endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.models.common import PARTY_ID_PATTERN, USCC_EXAMPLE, NodeRefOut
from api.models.scores import ScoreOut

__all__ = ["EntityOut", "HealthOut", "ReadyOut", "RelationshipOut", "ScenarioIn",
           "ScenarioOut", "SearchOut", "SearchHit", "ShockIn"]

PartyId = Annotated[str, StringConstraints(pattern=PARTY_ID_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RelationshipOut(BaseModel):
    type: str = Field(examples=["HOLDS_POST", "GUARANTEES", "BORROWS"])
    direction: Literal["out", "in"]
    other: NodeRefOut
    properties: dict[str, Any]


class ContactOut(BaseModel):
    kind: str
    value: str


class EventOut(BaseModel):
    date: str | None
    kind: str | None
    detail: str | None


class EntityOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": USCC_EXAMPLE, "label": "Enterprise", "name": "华信钢铁有限公司", "id_masked": None,
        "as_of": "2025-12-31",
        "properties": {"industry": "steel", "region": "Zhejiang", "status": "active",
                       "total_assets": 8e8, "total_liabilities": 5e8},
        "score": {"id": USCC_EXAMPLE, "label": "Enterprise", "pd": 0.0731,
                  "contagion_exposure": 0.0212, "model_version": "gnn-2026-11-01",
                  "as_of": "2025-12-31"},
        "relationships": [{"type": "BORROWS", "direction": "out",
                           "other": {"label": "Loan", "id": "L1", "name": "L1"},
                           "properties": {}}],
        "relationships_total": 1, "truncated": False, "contacts": None, "events": []}]})

    id: str
    label: str
    name: str | None
    id_masked: str | None = Field(None, description="Persons: the resident id, masked.")
    as_of: str | None
    properties: dict[str, Any] = Field(description="The stored properties (persons' birth "
                                       "date only for roles that see personal data).")
    score: ScoreOut | None
    relationships: list[RelationshipOut] = Field(description="Current relationships, at most "
                                                 "`limit`.")
    relationships_total: int
    truncated: bool
    contacts: list[ContactOut] | None = Field(description="Phones, addresses, e-mails: only "
                                              "for roles that see personal data, else null.")
    events: list[EventOut]


class SearchHit(BaseModel):
    label: str
    id: str
    name: str | None
    id_masked: str | None = None
    match: Literal["id", "resident_id", "id_prefix", "name_exact", "name_prefix", "name"]
    pd: float | None = None


class SearchOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "query": "华信", "as_of": "2025-12-31", "count": 1, "truncated": False,
        "hits": [{"label": "Enterprise", "id": USCC_EXAMPLE, "name": "华信钢铁有限公司",
                  "match": "name_prefix", "pd": 0.0731}]}]})

    query: str
    as_of: str | None
    count: int
    truncated: bool
    hits: list[SearchHit]


class ShockIn(BaseModel):
    id: PartyId
    shock: float = Field(ge=0.0, le=1.0)


class ScenarioIn(BaseModel):
    """A stress scenario: who defaults or is shocked, and how stress spreads."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"defaults": [USCC_EXAMPLE], "method": "debtrank", "lgd": 1.0, "top": 20},
        {"sectors": ["steel"], "level": 0.5, "method": "cascade"}]})

    defaults: list[PartyId] = Field(default_factory=list, max_length=1000,
                                    description="Entities that default at once.")
    shocks: list[ShockIn] = Field(default_factory=list, max_length=1000,
                                  description="Partial shocks in [0, 1].")
    sectors: list[Name] = Field(default_factory=list, max_length=50,
                                description="Industries whose enterprises are shocked.")
    regions: list[Name] = Field(default_factory=list, max_length=50)
    level: float = Field(1.0, ge=0.0, le=1.0, description="Shock of sector/region members.")
    method: Literal["debtrank", "single-hit", "cascade"] = "debtrank"
    lgd: float = Field(1.0, ge=0.0, le=1.0, description="Loss given default.")
    max_rounds: int = Field(1000, ge=1, le=10_000)
    top: int = Field(20, ge=0, le=1000, description="Most stressed nodes listed.")


class StressedNode(BaseModel):
    id: str
    label: str
    name: str | None
    shock: float
    stress: float
    defaulted: bool
    loss: float


class RoundOut(BaseModel):
    round: int
    newly_stressed: int
    newly_defaulted: int


class ScenarioOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "as_of": "2025-12-31", "method": "debtrank", "lgd": 1.0,
        "summary": {"original_stress": 0.0012, "additional_stress": 0.0031, "losses": 2.4e8,
                    "additional_defaults": 3, "defaults": 4, "stressed": 57, "rounds": 9,
                    "round_limit_hit": False},
        "losses_by_lender": {"ICBC": 1.2e8}, "shocked": 1,
        "top": [{"id": USCC_EXAMPLE, "label": "Enterprise", "name": "华信钢铁有限公司",
                 "shock": 1.0, "stress": 1.0, "defaulted": True, "loss": 3e8}],
        "rounds": [{"round": 1, "newly_stressed": 5, "newly_defaulted": 1}]}]})

    as_of: str | None
    method: str
    lgd: float
    summary: dict[str, float | int | bool]
    losses_by_lender: dict[str, float]
    shocked: int
    top: list[StressedNode]
    rounds: list[RoundOut]


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ready": True, "store": "embedded", "store_up": True, "store_error": None,
        "as_of": "2025-12-31", "nodes": 412345, "scores": 300123,
        "model_versions": ["gnn-2026-11-01"], "keys": 3, "load_error": None}]})

    ready: bool
    store: str
    store_up: bool
    store_error: str | None
    as_of: str | None
    nodes: int | None
    scores: int | None
    model_versions: list[str]
    keys: int
    load_error: str | None
