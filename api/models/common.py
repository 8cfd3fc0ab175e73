"""Shapes shared by many answers: errors, node references, paths in words."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ErrorOut", "FieldError", "GraphPathOut", "HopOut", "NodeRefOut", "StoredRelOut",
           "PARTY_ID_PATTERN", "USCC_EXAMPLE", "PERSON_EXAMPLE"]

#: Enterprise USCCs, person keys and resident ids are letters and digits only; anything else
#: is refused with 422 before it reaches a lookup.
PARTY_ID_PATTERN = r"^[0-9A-Za-z]{1,64}$"
USCC_EXAMPLE = "91330100MA0000001X"
PERSON_EXAMPLE = "P3fa85f6457174562b3fc2c963f66afa6"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the bad value is: body/query/path, then "
                                 "the field names.")
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every 4xx/5xx answer: a stable code, a sentence that says what to do, and for 422 the
    fields that were wrong."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": "not_found", "message": "no Enterprise/Person with id '91330100MA0000009X' "
         "in the graph"},
        {"error": "validation_error", "message": "the request is not valid",
         "detail": [{"loc": ["body", "ids"], "msg": "List should have at most 10000 items "
                     "after validation, not 10001", "type": "too_long"}]}]})

    error: str = Field(description="not_found, not_scored, validation_error, query_limit, "
                       "unauthorized, forbidden, store_unavailable, query_timeout, busy, "
                       "payload_too_large, internal_error")
    message: str
    detail: list[FieldError] | None = None


class NodeRefOut(BaseModel):
    """A node as shown. ``id`` is an enterprise's USCC, a lender's name, a loan id, or a
    person's key; for roles that may not see person keys a person's ``id`` is the masked
    resident id."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"label": "Person", "id": "330***********0016", "name": "张伟",
         "id_masked": "330***********0016"}]})

    label: str
    id: str
    name: str
    id_masked: str | None = None


class StoredRelOut(BaseModel):
    src: str
    type: str
    dst: str


class HopOut(BaseModel):
    kind: Literal["post", "shares", "relative", "guarantee", "loan", "contact"]
    forward: bool = Field(description="Walked in the link's own direction.")
    words: str = Field(examples=["holds 70% of", "guarantees loan of"])
    via: NodeRefOut | None = Field(None, description="The Loan or Contact passed through.")
    rels: list[StoredRelOut]


class GraphPathOut(BaseModel):
    """Evidence: a walk through the stored graph, in words and as the relationships walked."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "text": "华信控股有限公司 —holds 70% of→ 华信钢铁有限公司",
        "ids": ["91330100MA0000003Q", "91330100MA0000001X"],
        "nodes": [{"label": "Enterprise", "id": "91330100MA0000003Q", "name": "华信控股有限公司"},
                  {"label": "Enterprise", "id": "91330100MA0000001X", "name": "华信钢铁有限公司"}],
        "hops": [{"kind": "shares", "forward": True, "words": "holds 70% of", "via": None,
                  "rels": [{"src": "91330100MA0000003Q", "type": "HOLDS_SHARES",
                            "dst": "91330100MA0000001X"}]}],
        "relationships": [{"src": "91330100MA0000003Q", "type": "HOLDS_SHARES",
                           "dst": "91330100MA0000001X"}]}]})

    text: str
    ids: list[str] = Field(description="Every node on the path, Loan and Contact nodes "
                           "included, in walking order.")
    nodes: list[NodeRefOut] | None = None
    hops: list[HopOut] | None = None
    relationships: list[StoredRelOut] = Field(description="The stored relationships walked.")
