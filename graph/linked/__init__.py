"""graph.linked: linked-party exposure for credit committees.

Who is a borrower really tied to, and how much is lent to all of them together? On one
:class:`~graph.snapshot.Snapshot` (so both stores give identical answers):

- :meth:`LinkedAnalysis.neighbourhood`: parties within ``k`` hops, with a size cap that says
  when it cut (:mod:`graph.linked.neighbourhood`);
- :meth:`LinkedAnalysis.paths`: shortest relationship paths in words (:mod:`graph.linked.paths`);
- :meth:`LinkedAnalysis.controller`: effective shares (:mod:`graph.linked.ownership`), majority
  control as a fixed point, the ultimate controller, relative control
  (:mod:`graph.linked.control`, :mod:`graph.linked.controller`);
- :meth:`LinkedAnalysis.group`: connected-counterparty groups with evidence paths
  (:mod:`graph.linked.groups`) and their exposure by lender against the large-exposure limits
  (:mod:`graph.linked.exposure`);
- :meth:`LinkedAnalysis.guarantees`: mutual pairs, circles and chains
  (:mod:`graph.linked.guarantees`).

The rules (which ties count, thresholds, limit profiles, lenders' tier-1 capital) are one TOML
file, :func:`load_rules`. The math and the regulation texts: ``docs/linked-party.md``.
"""

from graph.linked.analysis import GroupReport, GuaranteeReport, LinkedAnalysis, open_analysis
from graph.linked.control import ControlForest, solve_control
from graph.linked.controller import (
    ControllerReport,
    ControlLink,
    EffectiveStake,
    OwnershipPath,
    Stake,
)
from graph.linked.exposure import ExposureReport, GuaranteeLine, LenderExposure, LoanLine
from graph.linked.groups import Evidence, Group, GroupMember, Rule
from graph.linked.guarantees import Chain, Circle, GuaranteePosition, MutualPair
from graph.linked.jsonable import group_summary_json, to_json
from graph.linked.neighbourhood import NearbyParty, Neighbourhood, Tie
from graph.linked.ownership import ShareTable, effective_holders, effective_holdings
from graph.linked.partygraph import LINK_TYPES, PartyGraph
from graph.linked.paths import PathsResult
from graph.linked.refs import GraphPath, Hop, LinkKind, NodeRef, StoredRel
from graph.linked.rules import DEFAULT_RULES_FILE, LimitProfile, LinkedRules, load_rules

__all__ = [
    "Chain",
    "Circle",
    "ControlForest",
    "ControlLink",
    "ControllerReport",
    "DEFAULT_RULES_FILE",
    "EffectiveStake",
    "Evidence",
    "ExposureReport",
    "GraphPath",
    "Group",
    "GroupMember",
    "GroupReport",
    "GuaranteeLine",
    "GuaranteePosition",
    "GuaranteeReport",
    "Hop",
    "LINK_TYPES",
    "LenderExposure",
    "LimitProfile",
    "LinkKind",
    "LinkedAnalysis",
    "LinkedRules",
    "LoanLine",
    "MutualPair",
    "NearbyParty",
    "Neighbourhood",
    "NodeRef",
    "OwnershipPath",
    "PartyGraph",
    "PathsResult",
    "Rule",
    "ShareTable",
    "Stake",
    "StoredRel",
    "Tie",
    "effective_holders",
    "group_summary_json",
    "effective_holdings",
    "load_rules",
    "open_analysis",
    "solve_control",
    "to_json",
]
