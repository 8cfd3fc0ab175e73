"""Pydantic models of every request and response of the API (the OpenAPI document's
schemas, with examples)."""

from api.models.common import (
    PARTY_ID_PATTERN,
    ErrorOut,
    FieldError,
    GraphPathOut,
    HopOut,
    NodeRefOut,
    StoredRelOut,
)
from api.models.entities import (
    EntityOut,
    HealthOut,
    ReadyOut,
    RelationshipOut,
    ScenarioIn,
    ScenarioOut,
    SearchHit,
    SearchOut,
    ShockIn,
)
from api.models.linked import (
    ControllerOut,
    ExposureOut,
    GroupOut,
    GuaranteesOut,
    NeighbourhoodOut,
    PathsOut,
)
from api.models.scores import (
    BatchScoreItem,
    BatchScoresIn,
    BatchScoresOut,
    ExplanationOut,
    ScoreOut,
)

__all__ = [
    "BatchScoreItem", "BatchScoresIn", "BatchScoresOut", "ControllerOut", "EntityOut",
    "ErrorOut", "ExplanationOut", "ExposureOut", "FieldError", "GraphPathOut", "GroupOut",
    "GuaranteesOut", "HealthOut", "HopOut", "NeighbourhoodOut", "NodeRefOut",
    "PARTY_ID_PATTERN", "PathsOut", "ReadyOut", "RelationshipOut", "ScenarioIn", "ScenarioOut",
    "ScoreOut", "SearchHit", "SearchOut", "ShockIn", "StoredRelOut",
]
