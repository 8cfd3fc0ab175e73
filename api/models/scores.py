"""Contagion scores, one at a time and in batch, and their explanations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.models.common import PARTY_ID_PATTERN, USCC_EXAMPLE

__all__ = ["BatchScoreItem", "BatchScoresIn", "BatchScoresOut", "ExplanationOut", "ScoreOut"]

PartyId = Annotated[str, StringConstraints(pattern=PARTY_ID_PATTERN)]


class ScoreOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": USCC_EXAMPLE, "label": "Enterprise", "pd": 0.0731,
         "contagion_exposure": 0.0212, "model_version": "gnn-2026-11-01", "as_of": "2025-12-31"}
    ]})

    id: str = Field(description="The id asked for (a resident id comes back masked).")
    label: str
    pd: float | None = Field(description="Probability of default over the model's horizon.")
    contagion_exposure: float | None = Field(
        description="The part of the probability of default that comes from the network.")
    model_version: str | None
    as_of: str | None = Field(description="The portfolio date of the graph served.")


class BatchScoresIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ids": [USCC_EXAMPLE, "91330100MA0000002Y"]}]})

    ids: list[PartyId] = Field(min_length=1, max_length=10_000,
                               description="1 to 10,000 enterprise USCCs, person keys or "
                               "resident ids.")


class BatchScoreItem(BaseModel):
    id: str
    label: str | None
    pd: float | None
    contagion_exposure: float | None
    model_version: str | None
    missing: Literal["not_found", "not_scored"] | None = Field(
        None, description="Why there is no score: not in the graph, or not scored by the "
        "model. Absent when there is one.")


class BatchScoresOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"as_of": "2025-12-31", "model_versions": ["gnn-2026-11-01"], "count": 2, "found": 1,
         "scores": [{"id": USCC_EXAMPLE, "label": "Enterprise", "pd": 0.0731,
                     "contagion_exposure": 0.0212, "model_version": "gnn-2026-11-01"},
                    {"id": "91330100MA0000002Y", "label": None, "pd": None,
                     "contagion_exposure": None, "model_version": None,
                     "missing": "not_found"}]}]})

    as_of: str | None
    model_versions: list[str]
    count: int
    found: int
    scores: list[BatchScoreItem] = Field(
        description="One entry per id asked, in the same order.")


class ExplanationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": USCC_EXAMPLE, "label": "Enterprise", "pd": 0.0731, "contagion_exposure": 0.0212,
         "model_version": "gnn-2026-11-01", "as_of": "2025-12-31",
         "explanation": {"top_contributors": [{"id": "91330100MA0000002Y", "share": 0.41}]}}]})

    id: str
    label: str
    pd: float | None
    contagion_exposure: float | None
    model_version: str | None
    as_of: str | None
    explanation: Any = Field(description="What the model stored with the score (top "
                             "contributors and their paths); null if it stored none.")
