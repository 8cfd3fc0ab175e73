"""The group graph as an SVG picture, laid out in Python (no browser, no JavaScript).

Nodes are the group's members and the parties their evidence paths pass through (a legal
representative, a relative); edges are the hops of those paths, one style per kind of tie, the
same styles as the investigator UI (``web/src/style.js``). Members are coloured by probability
of default and sized by outstanding loans; the borrower has a thick outline.

Layout: Kamada-Kawai (``networkx.kamada_kawai_layout``, energy-minimising, deterministic) for
up to 80 nodes, a seeded spring layout above that; the coordinates are then scaled to the
drawing. Each connected piece of the evidence graph gets its own layout so that they do not
drift apart.
"""

from __future__ import annotations

import math
from html import escape

import networkx as nx
import numpy as np

from graph.linked import Group

__all__ = ["EDGE_STYLES", "group_picture", "pd_colour"]

#: kind of tie -> (colour, dash pattern, arrow, legend)
EDGE_STYLES: dict[str, tuple[str, str, bool, str]] = {
    "shares": ("#2563eb", "", True, "holds shares of"),
    "post": ("#64748b", "", False, "holds a post in"),
    "relative": ("#9333ea", "2 3", False, "relative of"),
    "guarantee": ("#ea580c", "7 4", True, "guarantees loan of"),
    "loan": ("#15803d", "", True, "borrows from"),
    "contact": ("#94a3b8", "1 4", False, "shares a contact"),
}

_STOPS = ((0.0, (22, 163, 74)), (0.02, (132, 204, 22)), (0.05, (234, 179, 8)),
          (0.1, (249, 115, 22)), (0.2, (220, 38, 38)), (1.0, (127, 29, 29)))
NO_SCORE = "#cbd5e1"


def pd_colour(p: float | None) -> str:
    """Green (safe) to dark red; the same scale as the UI's (``web/src/style.js``)."""
    if p is None or not math.isfinite(p):
        return NO_SCORE
    p = min(max(p, 0.0), 1.0)
    for (x0, c0), (x1, c1) in zip(_STOPS, _STOPS[1:], strict=False):
        if p <= x1:
            t = (p - x0) / (x1 - x0)
            rgb = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#7f1d1d"


def _layout(g: nx.Graph) -> dict[str, np.ndarray]:
    pieces = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
    pos: dict[str, np.ndarray] = {}
    cols = max(1, math.ceil(math.sqrt(len(pieces))))
    weights = [len(p) for p in pieces]
    x_off = 0.0
    row_h = 0.0
    y_off = 0.0
    for k, piece in enumerate(pieces):
        sub = g.subgraph(piece)
        if len(piece) == 1:
            local = {next(iter(piece)): np.zeros(2)}
        elif len(piece) <= 80:
            local = nx.kamada_kawai_layout(sub)
        else:
            local = nx.spring_layout(sub, seed=7, iterations=200)
        arr = np.array([local[n] for n in sorted(piece)])
        arr = arr - arr.min(axis=0)
        span = max(float(arr.max()), 1e-9)
        size = math.sqrt(weights[k]) / math.sqrt(weights[0])
        arr = arr / span * size
        if k and k % cols == 0:
            x_off, y_off, row_h = 0.0, y_off + row_h + 0.25, 0.0
        for n, p in zip(sorted(piece), arr, strict=True):
            pos[n] = p + np.array([x_off, y_off])
        x_off += float(arr[:, 0].max()) + 0.3
        row_h = max(row_h, float(arr[:, 1].max()))
    return pos


def group_picture(group: Group, subject_id: str, pds: dict[str, float | None],
                  outstanding: dict[str, float], *, width: int = 980, height: int = 620,
                  max_nodes: int = 120) -> tuple[str, str | None]:
    """The SVG of ``group`` (members plus the parties on their evidence paths) and a note when
    it had to leave parties out (more than ``max_nodes``)."""
    names: dict[str, tuple[str, str]] = {}
    members = {m.node.id for m in group.members}
    for m in group.members:
        names[m.node.id] = (m.node.name, m.node.label)
    edges: dict[tuple[str, str, str], None] = {}
    for m in group.members:
        for ev in m.evidence:
            for path in ev.paths:
                for ra, rb, hop in zip(path.nodes, path.nodes[1:], path.hops, strict=False):
                    names.setdefault(ra.id, (ra.name, ra.label))
                    names.setdefault(rb.id, (rb.name, rb.label))
                    src, dst = (ra.id, rb.id) if hop.forward else (rb.id, ra.id)
                    edges[(src, dst, hop.kind.value)] = None
    note = None
    keep = sorted(names, key=lambda i: (i not in members, i != subject_id, i))
    if len(keep) > max_nodes:
        note = (f"The picture shows {max_nodes} of {len(keep)} parties (members first); "
                "every member and its evidence is listed in the tables.")
        keep = keep[:max_nodes]
    kept = set(keep)
    g = nx.Graph()
    g.add_nodes_from(sorted(kept))
    g.add_edges_from((a, b) for a, b, _ in edges if a in kept and b in kept and a != b)
    pos = _layout(g)
    pts = np.array([pos[n] for n in sorted(kept)]) if kept else np.zeros((1, 2))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    pad_x, pad_top, pad_bottom = 70.0, 30.0, 125.0
    # each axis stretched to the drawing: a little distortion buys room for the labels
    box = np.array([width - 2 * pad_x, height - pad_top - pad_bottom])
    scale = box / span
    scale = np.minimum(scale, 2.5 * scale.min())  # but not a flat line out of a thin one
    off = np.array([pad_x, pad_top]) + (box - scale * span) / 2
    xy = {n: (pos[n] - lo) * scale + off for n in kept}
    top_out = max([outstanding.get(n, 0.0) for n in kept] + [1.0])

    def radius(n: str) -> float:
        if n not in members:
            return 6.0
        return 9.0 + 15.0 * math.sqrt(outstanding.get(n, 0.0) / top_out)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-label="group graph" class="group-graph">',
           "<defs>"]
    for kind, (colour, _, arrow, _) in EDGE_STYLES.items():
        if arrow:
            out.append(f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" '
                       f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
                       f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    out.append("</defs>")
    for a, b, kind in edges:
        if a not in kept or b not in kept or a == b:
            continue
        colour, dash, arrow, _ = EDGE_STYLES.get(kind, ("#999", "", False, kind))
        (x1, y1), (x2, y2) = xy[a], xy[b]
        d = math.hypot(x2 - x1, y2 - y1) or 1.0
        gap_a, gap_b = radius(a) + 1, radius(b) + 3
        x1, y1 = x1 + (x2 - x1) * gap_a / d, y1 + (y2 - y1) * gap_a / d
        x2, y2 = x2 - (x2 - x1) * gap_b / d, y2 - (y2 - y1) * gap_b / d
        extra = (f' stroke-dasharray="{dash}"' if dash else "") + (
            f' marker-end="url(#arrow-{kind})"' if arrow else "")
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   f'stroke="{colour}" stroke-width="1.6"{extra}/>')
    for n in keep:
        x, y = xy[n]
        name, label = names[n]
        r = radius(n)
        fill = pd_colour(pds.get(n)) if n in members else "#ffffff"
        stroke = "#111827" if n == subject_id else "#475569"
        sw = 3.2 if n == subject_id else 1.0
        if label == "Enterprise":
            shape = (f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
                     f'height="{2 * r:.1f}" rx="{r / 3:.1f}"')
        else:
            shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'
        out.append(f'{shape} fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>')
        short = name if len(name) <= 12 else name[:11] + "…"
        weight = ' font-weight="700"' if n == subject_id else ""
        out.append(f'<text x="{x:.1f}" y="{y + r + 12:.1f}" text-anchor="middle" '
                   f'font-size="11"{weight} fill="#111827" stroke="#ffffff" stroke-width="3" '
                   f'paint-order="stroke">{escape(short)}</text>')
    out.append(_legend(width, height))
    out.append("</svg>")
    return "".join(out), note


def _legend(width: int, height: int) -> str:
    y = height - 66
    parts = [f'<g font-size="10.5" fill="#334155"><rect x="0" y="{y - 14}" width="{width}" '
             f'height="80" fill="#f8fafc"/>']
    x = 16.0
    for kind, (colour, dash, arrow, words) in EDGE_STYLES.items():
        extra = (f' stroke-dasharray="{dash}"' if dash else "") + (
            f' marker-end="url(#arrow-{kind})"' if arrow else "")
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 30}" y2="{y}" stroke="{colour}" '
                     f'stroke-width="1.8"{extra}/><text x="{x + 36}" y="{y + 4}">'
                     f'{escape(words)}</text>')
        x += 48 + 6.2 * len(words)
    y2 = y + 26
    parts.append(f'<text x="16" y="{y2 + 4}">probability of default:</text>')
    x = 150.0
    for p, text in ((0.0, "0%"), (0.02, "2%"), (0.05, "5%"), (0.1, "10%"), (0.2, "20%+"),
                    (None, "no score")):
        parts.append(f'<rect x="{x}" y="{y2 - 6}" width="14" height="12" rx="3" '
                     f'fill="{pd_colour(p)}" stroke="#475569" stroke-width="0.6"/>'
                     f'<text x="{x + 18}" y="{y2 + 4}">{text}</text>')
        x += 70
    parts.append(f'<text x="16" y="{y2 + 26}">square: enterprise · circle: person · size: '
                 "outstanding loans · thick outline: the borrower · white: on an evidence path, "
                 "not a member</text></g>")
    return "".join(parts)
