// Exports of what is on screen: the view as PNG, the subgraph as GraphML and as CSV.

const NODE_FIELDS = ["id", "label", "name", "id_masked", "pd", "ce", "outstanding", "defaulted", "overdue", "lost_contact"];
const EDGE_FIELDS = ["id", "source", "target", "kind", "words", "via"];

export function download(blob, filename) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function stamp(asOf) {
  return `riskgraph-${asOf || "latest"}`;
}

export function exportPng(cy, asOf) {
  const blob = cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2, maxWidth: 6000, maxHeight: 6000 });
  download(blob, `${stamp(asOf)}.png`);
}

const esc = (v) => String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function kind(v) {
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return "double";
  return "string";
}

export function graphml(cy) {
  const keys = [];
  const types = {};
  cy.nodes().forEach((n) => NODE_FIELDS.forEach((f) => { const v = n.data(f); if (v !== undefined && v !== null && !types["n" + f]) types["n" + f] = kind(v); }));
  cy.edges().forEach((e) => EDGE_FIELDS.forEach((f) => { const v = e.data(f); if (v !== undefined && v !== null && !types["e" + f]) types["e" + f] = kind(v); }));
  for (const f of NODE_FIELDS) if (f !== "id" && types["n" + f]) keys.push(`<key id="n_${f}" for="node" attr.name="${f}" attr.type="${types["n" + f]}"/>`);
  for (const f of EDGE_FIELDS) if (!["id", "source", "target"].includes(f) && types["e" + f]) keys.push(`<key id="e_${f}" for="edge" attr.name="${f}" attr.type="${types["e" + f]}"/>`);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">', ...keys, '<graph id="riskgraph" edgedefault="directed">'];
  cy.nodes().forEach((n) => {
    out.push(`<node id="${esc(n.id())}">`);
    for (const f of NODE_FIELDS) { const v = n.data(f); if (f !== "id" && v !== undefined && v !== null) out.push(`<data key="n_${f}">${esc(v)}</data>`); }
    out.push("</node>");
  });
  cy.edges().forEach((e) => {
    out.push(`<edge id="${esc(e.id())}" source="${esc(e.data("source"))}" target="${esc(e.data("target"))}">`);
    for (const f of EDGE_FIELDS) { const v = e.data(f); if (!["id", "source", "target"].includes(f) && v !== undefined && v !== null) out.push(`<data key="e_${f}">${esc(v)}</data>`); }
    out.push("</edge>");
  });
  out.push("</graph>", "</graphml>");
  return out.join("\n");
}

export function exportGraphml(cy, asOf) {
  download(new Blob([graphml(cy)], { type: "application/graphml+xml" }), `${stamp(asOf)}.graphml`);
}

function csvCell(v) {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(collection, fields) {
  const rows = [fields.join(",")];
  collection.forEach((el) => rows.push(fields.map((f) => csvCell(el.data(f))).join(",")));
  return "\ufeff" + rows.join("\r\n") + "\r\n"; // BOM: spreadsheet programs read the Chinese names right
}

export function exportCsv(cy, asOf) {
  download(new Blob([csv(cy.nodes(), NODE_FIELDS)], { type: "text/csv" }), `${stamp(asOf)}-nodes.csv`);
  setTimeout(() => download(new Blob([csv(cy.edges(), EDGE_FIELDS)], { type: "text/csv" }), `${stamp(asOf)}-edges.csv`), 300);
}
