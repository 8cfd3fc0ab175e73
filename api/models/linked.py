"""Linked-party answers: neighbourhood, paths, controller, group with exposure, guarantees.

These mirror the JSON form of :mod:`graph.linked` (``graph.linked.to_json``) field for field.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.models.common import GraphPathOut, HopOut, NodeRefOut

__all__ = [
    "ControllerOut", "GroupOut", "GuaranteesOut", "NeighbourhoodOut", "PathsOut",
    "ExposureOut",
]


class NearbyPartyOut(BaseModel):
    node: NodeRefOut
    hops: int
    reached_from: NodeRefOut | None
    link: HopOut | None


class TieOut(BaseModel):
    src: NodeRefOut
    dst: NodeRefOut
    hop: HopOut


class NeighbourhoodOut(BaseModel):
    """Parties within ``hops`` of the centre; ``truncated`` says when the size limit cut."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "center": {"label": "Enterprise", "id": "91330100MA0000001X", "name": "华信钢铁有限公司"},
        "as_of": "2025-12-31", "hops": 1, "kinds": ["post", "shares"],
        "nodes": [{"node": {"label": "Enterprise", "id": "91330100MA0000001X",
                            "name": "华信钢铁有限公司"}, "hops": 0, "reached_from": None,
                   "link": None}],
        "ties": [], "truncated": False, "left_out": 0, "ties_left_out": 0, "limit": 500}]})

    center: NodeRefOut
    as_of: str | None
    hops: int
    kinds: list[str]
    nodes: list[NearbyPartyOut]
    ties: list[TieOut]
    truncated: bool
    left_out: int
    ties_left_out: int
    limit: int


class PathsOut(BaseModel):
    source: NodeRefOut
    target: NodeRefOut
    max_hops: int
    kinds: list[str]
    length: int | None = Field(description="Hops of the shortest paths; null if none within "
                               "max_hops.")
    paths: list[GraphPathOut]
    truncated: bool


class StakeOut(BaseModel):
    holder: NodeRefOut
    ratio: float


class ControlLinkOut(BaseModel):
    controller: NodeRefOut
    controlled: NodeRefOut
    share: float
    direct: float
    coalition: list[StakeOut]
    paths: list[GraphPathOut]


class OwnershipPathOut(BaseModel):
    path: GraphPathOut
    product: float


class EffectiveStakeOut(BaseModel):
    holder: NodeRefOut
    effective: float
    direct: float
    paths: list[OwnershipPathOut]


class ControllerOut(BaseModel):
    subject: NodeRefOut
    chain: list[ControlLinkOut]
    ultimate: NodeRefOut | None
    circular: bool
    cycle: list[NodeRefOut]
    relative: EffectiveStakeOut | None
    relative_threshold: float
    holders: list[EffectiveStakeOut]
    controls: list[NodeRefOut]
    controls_count: int
    closed_cycle: bool


class EvidenceOut(BaseModel):
    rule: str = Field(examples=["control", "common_controller", "legal_rep", "family",
                                "guarantee_dependence"])
    between: list[NodeRefOut]
    text: str = Field(examples=["华信控股有限公司 controls 华信钢铁有限公司 (70.00%)"])
    paths: list[GraphPathOut]


class GroupMemberOut(BaseModel):
    node: NodeRefOut
    ultimate_controller: NodeRefOut | None
    evidence: list[EvidenceOut]


class GroupBodyOut(BaseModel):
    key: str
    head: NodeRefOut
    members: list[GroupMemberOut] = Field(description="The head first, then by id; at most "
                                          "`members_limit`.")
    rules: list[str]
    size: int
    members_total: int | None = None
    truncated: bool | None = Field(None, description="More members than listed.")


class LimitProfileOut(BaseModel):
    name: str
    large: float
    large_inclusive: bool
    single_limit: float
    group_limit: float


class LoanLineOut(BaseModel):
    loan: NodeRefOut
    borrower: NodeRefOut
    lender: NodeRefOut | None
    amount: float | None
    outstanding: float | None
    status: str | None


class GuaranteeLineOut(BaseModel):
    guarantee_id: str
    guarantor: NodeRefOut
    borrower: NodeRefOut
    loan: NodeRefOut
    lender: NodeRefOut | None
    amount: float | None
    at_risk: float | None
    internal: bool


class LenderExposureOut(BaseModel):
    lender: NodeRefOut
    loans: int
    direct: float
    contingent: float
    exposure: float
    tier1_capital: float | None
    share_of_tier1: float | None
    limit: float
    large: bool | None
    breach: bool | None
    headroom: float | None
    status: str = Field(examples=["breach", "large", "within limit", "no capital configured"])


class ExposureOut(BaseModel):
    scope: str = Field(examples=["single", "group"])
    members: list[NodeRefOut]
    profile: LimitProfileOut
    include_contingent: bool
    loans: list[LoanLineOut]
    guarantees_given: list[GuaranteeLineOut]
    guarantees_received: list[GuaranteeLineOut]
    by_lender: list[LenderExposureOut]
    total_direct: float
    total_contingent: float
    members_total: int | None = None
    loans_total: int | None = None
    guarantees_given_total: int | None = None
    guarantees_received_total: int | None = None
    truncated: bool | None = Field(None, description="Members, loans or guarantees were cut "
                                   "to the request's limits.")


class GroupOut(BaseModel):
    """The connected-counterparty group of a party, each member with the evidence that brought
    it in, and the exposure of the group and of the party alone against the limits."""

    group: GroupBodyOut
    exposure: ExposureOut
    subject: NodeRefOut | None
    subject_member: GroupMemberOut | None = Field(
        description="The party asked about as a member, with the evidence that brought it in "
        "(also when the member list is cut).")
    subject_exposure: ExposureOut | None


class CircleOut(BaseModel):
    key: str
    members: list[NodeRefOut]
    guarantees: int
    guaranteed_inside: float
    outstanding: float


class MutualPairOut(BaseModel):
    a: NodeRefOut
    b: NodeRefOut
    outstanding: float
    circle: str | None


class ChainOut(BaseModel):
    steps: list[list[NodeRefOut]]
    circles: list[str | None]
    outstanding: float
    hops: int


class GuaranteePositionOut(BaseModel):
    node: NodeRefOut
    circle: str | None
    circle_size: int
    mutual_with: list[NodeRefOut]
    chain_up: int
    chain_down: int
    guarantees_given: int
    guarantors: int


class GuaranteesOut(BaseModel):
    """Guarantee circles (mutual and longer), pairs and chains, largest outstanding first, and
    where one party stands in them when asked."""

    as_of: str | None
    circles: list[CircleOut]
    circles_total: int
    mutual_pairs: list[MutualPairOut]
    mutual_pairs_total: int
    chains: list[ChainOut]
    chains_total: int
    min_chain_length: int
    position: GuaranteePositionOut | None
