// The graph on screen: a Cytoscape.js instance, merging of answers from the API, colouring
// and sizing, highlights, and the layout run in a Web Worker (layout.worker.js).
import cytoscape from "cytoscape";
import { cyStyle, nodeSize, riskColour } from "./style.js";

export class GraphView {
  constructor(container, { onSelect, onStatus }) {
    this.mode = "pd";
    this.onStatus = onStatus;
    this.cy = cytoscape({
      container, style: cyStyle(), elements: [],
      minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false,
    });
    this.cy.on("select", "node", (e) => onSelect(e.target));
    let zoomTimer = null;
    this.cy.on("zoom", () => { clearTimeout(zoomTimer); zoomTimer = setTimeout(() => this.labelsFor(this.cy.zoom()), 150); });
    this.worker = new Worker(new URL("layout.worker.js", document.baseURI));
    this.jobs = 0;
    this.pending = new Map();
    this.worker.onmessage = (ev) => this.placed(ev.data);
    this.frameGap = 0;
    this.tuneForSize();
  }

  short(name) {
    if (!name) return "";
    return name.length > 14 ? name.slice(0, 13) + "…" : name;
  }

  nodeData(n) {
    const value = this.mode === "ce" ? n.ce : n.pd;
    return {
      ...n,
      colour: n.label === "Lender" ? "#1e3a8a" : riskColour(value, this.mode),
      size: n.label === "Lender" ? 30 : nodeSize(n.outstanding),
      short: this.short(n.name),
    };
  }

  // Merge nodes and edges from an answer. New nodes start around `around` (the node that was
  // expanded) so that an incremental layout only has to settle them. Returns the new nodes.
  merge(body, around = null) {
    const cy = this.cy;
    const added = [];
    const centre = around && cy.getElementById(around).nonempty()
      ? cy.getElementById(around).position() : this.viewCentre();
    cy.batch(() => {
      const fresh = (body.nodes || []).filter((n) => cy.getElementById(n.id).empty());
      // a big batch is not drawn until the worker has placed it (drawing thousands of nodes
      // piled on a ring would cost seconds for a picture nobody needs)
      const hide = fresh.length > 600;
      fresh.forEach((n, i) => {
        const angle = (2 * Math.PI * i) / Math.max(1, fresh.length);
        const r = 80 + 10 * Math.sqrt(fresh.length);
        added.push({ group: "nodes", data: this.nodeData(n), classes: hide ? "pending" : "", position: { x: centre.x + r * Math.cos(angle), y: centre.y + r * Math.sin(angle) } });
      });
      for (const n of body.nodes || []) {
        const el = cy.getElementById(n.id);
        if (el.nonempty()) el.data(this.nodeData(n));
      }
      if (added.length) cy.add(added);
      const edges = (body.edges || []).filter((e) => cy.getElementById(e.id).empty()
        && cy.getElementById(e.source).nonempty() && cy.getElementById(e.target).nonempty());
      if (edges.length) cy.add(edges.map((e) => ({ group: "edges", data: e })));
    });
    this.markMore();
    this.tuneForSize();
    this.freshIds = added.map((a) => a.data.id);
    return this.freshIds;
  }

  // Nodes with relationships not yet on screen get a soft halo: there is more to expand.
  markMore() {
    this.cy.batch(() => this.cy.nodes().forEach((n) => {
      n.data("more", (n.data("degree") || 0) > n.connectedEdges().length);
    }));
  }

  // Thousands of elements: straight edges (cheaper than curves, which keep parallel edges
  // apart) and no edges or labels redrawn while panning.
  tuneForSize() {
    const big = this.cy.elements().length > 1500;
    if (big === this.big) return;
    this.big = big;
    this.labelsFor(this.cy.zoom());
    const r = this.cy.renderer();
    if (r) {
      r.hideEdgesOnViewport = big;
      r.textureOnViewport = big;
    }
    this.cy.style().selector("edge").style("curve-style", big ? "haystack" : "bezier").update();
  }

  // Labels of thousands of nodes cost seconds to measure and are unreadable when the whole
  // graph is in view: a big graph shows names only when zoomed in (and always on the
  // selected and highlighted nodes).
  labelsFor(zoom) {
    const on = true; // measured: restyling every node costs more than the labels it saves
    if (on === this.labelsOn) return;
    this.labelsOn = on;
    this.cy.style().selector("node").style("label", on ? "data(short)" : "").update();
  }

  viewCentre() {
    const ext = this.cy.extent();
    return { x: (ext.x1 + ext.x2) / 2, y: (ext.y1 + ext.y2) / 2 };
  }

  setMode(mode) {
    this.mode = mode;
    this.cy.batch(() => this.cy.nodes().forEach((n) => {
      const d = n.data();
      if (d.label !== "Lender") n.data("colour", riskColour(mode === "ce" ? d.ce : d.pd, mode));
    }));
  }

  // -- layout off the main thread --------------------------------------------------------
  layout({ incremental = false, fit = true } = {}) {
    const cy = this.cy;
    if (cy.nodes().empty()) return Promise.resolve();
    const fresh = new Set(incremental ? this.freshIds || [] : []);
    if (incremental && fresh.size === 0) {
      // nothing new to place: keep the picture as it is
      if (fit) this.fit();
      this.onStatus(`${cy.nodes().length.toLocaleString()} nodes, ${cy.edges().length.toLocaleString()} edges`);
      return Promise.resolve();
    }
    const job = ++this.jobs;
    const nodes = cy.nodes().map((n) => ({
      id: n.id(), size: n.data("size"), x: n.position("x"), y: n.position("y"),
      fixed: incremental && !fresh.has(n.id()),
    }));
    const edges = cy.edges().map((e) => ({ id: e.id(), source: e.data("source"), target: e.data("target") }));
    document.body.dataset.layout = "running";
    this.onStatus(`laying out ${nodes.length.toLocaleString()} nodes…`);
    return new Promise((resolve) => {
      this.pending.set(job, { resolve, fit, count: nodes.length });
      this.worker.postMessage({ job, nodes, edges, incremental });
    });
  }

  placed({ job, positions, ms }) {
    const waiting = this.pending.get(job);
    this.pending.delete(job);
    if (!waiting) return;
    if (job !== this.jobs) { waiting.resolve(); return; } // a newer layout is on its way
    const cy = this.cy;
    const small = waiting.count <= 400;
    const done = () => {
      if (waiting.fit) this.fit(small);
      document.body.dataset.layout = "idle";
      this.onStatus(`${cy.nodes().length.toLocaleString()} nodes, ${cy.edges().length.toLocaleString()} edges (layout ${ms} ms off the main thread)`);
      waiting.resolve();
    };
    if (small) {
      cy.nodes(".pending").removeClass("pending");
      const l = cy.layout({ name: "preset", positions: (n) => positions[n.id()] || n.position(), animate: true, animationDuration: 300, fit: false });
      l.one("layoutstop", done);
      l.run();
    } else {
      cy.batch(() => {
        cy.nodes().forEach((n) => { const p = positions[n.id()]; if (p) n.position(p); });
        cy.nodes(".pending").removeClass("pending");
      });
      done();
    }
  }

  // Fit everything, but never zoom in so far that five nodes fill the screen.
  // (From node positions: cy.fit() measures every label, which takes a second for thousands.)
  fit() {
    const cy = this.cy;
    const nodes = cy.nodes();
    if (nodes.empty()) return;
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    nodes.forEach((n) => {
      const p = n.position();
      x1 = Math.min(x1, p.x); y1 = Math.min(y1, p.y); x2 = Math.max(x2, p.x); y2 = Math.max(y2, p.y);
    });
    const pad = 60;
    const w = cy.width(), h = cy.height();
    const zoom = Math.min(1.3, (w - 2 * pad) / Math.max(1, x2 - x1), (h - 2 * pad) / Math.max(1, y2 - y1));
    cy.stop();
    cy.viewport({ zoom, pan: { x: w / 2 - zoom * (x1 + x2) / 2, y: h / 2 - zoom * (y1 + y2) / 2 } });
    this.labelsFor(zoom);
  }

  // -- highlight --------------------------------------------------------------------------
  highlight(nodeIds, edgeIds = []) {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass("hl").addClass("faded");
      const nodes = cy.collection(nodeIds.map((id) => cy.getElementById(id)).filter((x) => x.nonempty()));
      const edges = cy.collection(edgeIds.map((id) => cy.getElementById(id)).filter((x) => x.nonempty()));
      nodes.union(edges).removeClass("faded").addClass("hl");
      // ties among the highlighted nodes stay visible too
      nodes.edgesWith(nodes).removeClass("faded");
    });
  }

  clearHighlight() {
    this.cy.elements().removeClass("hl faded");
  }
}
