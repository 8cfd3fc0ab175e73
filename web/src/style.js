// Colours and shapes shared by the graph, the legend and (in Python) the committee report's
// picture (api/report/picture.py keeps the same edge styles and PD scale).

export const EDGE_KINDS = {
  post: { colour: "#64748b", line: "solid", arrow: "none", words: "holds a post in", type: "HOLDS_POST", key: "1" },
  shares: { colour: "#2563eb", line: "solid", arrow: "triangle", words: "holds shares of", type: "HOLDS_SHARES", key: "2" },
  relative: { colour: "#9333ea", line: "dotted", arrow: "none", words: "family", type: "RELATIVE_OF", key: "3" },
  guarantee: { colour: "#ea580c", line: "dashed", arrow: "triangle-tee", words: "guarantees loan of", type: "GUARANTEES", key: "4" },
  loan: { colour: "#15803d", line: "solid", arrow: "square", words: "borrows from", type: "BORROWS", key: "5" },
  contact: { colour: "#94a3b8", line: "dotted", arrow: "none", words: "shares a contact", type: "HAS_CONTACT", key: "6" },
};

const STOPS = {
  pd: [[0, [22, 163, 74]], [0.02, [132, 204, 22]], [0.05, [234, 179, 8]], [0.1, [249, 115, 22]], [0.2, [220, 38, 38]], [1, [127, 29, 29]]],
  ce: [[0, [22, 163, 74]], [0.005, [132, 204, 22]], [0.02, [234, 179, 8]], [0.05, [249, 115, 22]], [0.1, [220, 38, 38]], [1, [127, 29, 29]]],
};
export const NO_SCORE = "#cbd5e1";
export const LENDER = "#1e3a8a";

export function riskColour(value, mode) {
  if (value === null || value === undefined || !Number.isFinite(value)) return NO_SCORE;
  const stops = STOPS[mode] || STOPS.pd;
  const p = Math.min(Math.max(value, 0), 1);
  for (let i = 1; i < stops.length; i++) {
    const [x0, c0] = stops[i - 1];
    const [x1, c1] = stops[i];
    if (p <= x1) {
      const t = (p - x0) / (x1 - x0);
      const c = c0.map((a, k) => Math.round(a + (c1[k] - a) * t));
      return `rgb(${c[0]},${c[1]},${c[2]})`;
    }
  }
  return "rgb(127,29,29)";
}

export function legendStops(mode) {
  return (STOPS[mode] || STOPS.pd).slice(0, 5).map(([x]) => x);
}

// Node size by outstanding loans, on a log scale so that sizes stay put as the view grows:
// 0 -> 16 px, 10m -> 22, 100m -> 28, 1bn -> 34, 10bn -> 40.
export function nodeSize(outstanding) {
  const o = Math.max(0, outstanding || 0);
  return Math.min(46, 16 + 6 * Math.log10(1 + o / 1e6));
}

export function cyStyle() {
  const s = [
    { selector: "node", style: {
      "background-color": "data(colour)", width: "data(size)", height: "data(size)",
      label: "data(short)", "font-size": 10, "font-family": "Noto Sans CJK SC, Noto Sans, sans-serif",
      "text-valign": "bottom", "text-margin-y": 3, "min-zoomed-font-size": 7, color: "#0f172a",
      "text-outline-color": "#ffffff", "text-outline-width": 2, "border-width": 1, "border-color": "#475569",
    } },
    { selector: 'node[label = "Enterprise"]', style: { shape: "round-rectangle" } },
    { selector: 'node[label = "Person"]', style: { shape: "ellipse" } },
    { selector: 'node[label = "Lender"]', style: { shape: "diamond", "background-color": LENDER } },
    { selector: "node[?overdue]", style: { "border-color": "#b45309", "border-width": 3 } },
    { selector: "node[?defaulted]", style: { "border-color": "#7f1d1d", "border-width": 4, "border-style": "double" } },
    { selector: "node[?lost_contact]", style: { "border-color": "#dc2626", "border-width": 3, "border-style": "dashed" } },
    { selector: "node[?more]", style: { "underlay-color": "#94a3b8", "underlay-opacity": 0.25, "underlay-padding": 4, "underlay-shape": "ellipse" } },
    { selector: "edge", style: { width: 1.6, "curve-style": "bezier", "arrow-scale": 0.9, opacity: 0.9 } },
    { selector: "node:selected", style: { "border-color": "#0284c7", "border-width": 5, "border-style": "solid" } },
    { selector: "node.focus", style: { "overlay-color": "#0284c7", "overlay-opacity": 0.18, "overlay-padding": 6 } },
    { selector: ".faded", style: { opacity: 0.13 } },
    { selector: "node:selected, node.hl", style: { label: "data(short)" } },
    { selector: "node.hl", style: { "border-color": "#0f172a", "border-width": 4, "font-weight": "bold", "z-index": 10 } },
    { selector: "edge.hl", style: { width: 4.5, opacity: 1, "z-index": 10 } },
    { selector: "node.pending", style: { display: "none" } },
  ];
  for (const [kind, k] of Object.entries(EDGE_KINDS)) {
    s.splice(8 + 1, 0, { selector: `edge[kind = "${kind}"]`, style: {
      "line-color": k.colour, "line-style": k.line, "target-arrow-shape": k.arrow,
      "target-arrow-color": k.colour, "line-dash-pattern": kind === "guarantee" ? [7, 4] : [2, 4],
    } });
  }
  return s;
}
