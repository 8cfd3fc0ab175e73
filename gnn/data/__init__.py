"""Data for the GNN: the party graph, node and graph features, targets and tensors."""

from gnn.data.node_features import FeatureSpec, RawFeatures
from gnn.data.party_graph import RELATIONS, PartyGraph, Relation, party_graph
from gnn.data.prepare import PreparedGraph, prepare, relation_dims
from gnn.data.targets import LabelSet, Split, Targets, align_labels, read_labels, split_targets
from gnn.data.tensors import GraphBatch, RelAdj, build_batch

__all__ = [
    "FeatureSpec",
    "GraphBatch",
    "LabelSet",
    "PartyGraph",
    "PreparedGraph",
    "RELATIONS",
    "RawFeatures",
    "RelAdj",
    "Relation",
    "Split",
    "Targets",
    "align_labels",
    "build_batch",
    "party_graph",
    "prepare",
    "read_labels",
    "relation_dims",
    "split_targets",
]
