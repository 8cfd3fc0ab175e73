// The force-directed layout (fCoSE) in a Web Worker, so that the page stays responsive while
// thousands of nodes are placed. The main thread posts {job, nodes: [{id, size, x?, y?,
// fixed}], edges: [{source, target}], incremental}; the worker answers {job, positions, ms}.
// A headless Cytoscape instance (no DOM needed) runs the layout.
import cytoscape from "cytoscape";
import fcose from "cytoscape-fcose";

cytoscape.use(fcose);

self.onmessage = (event) => {
  const { job, nodes, edges, incremental } = event.data;
  const t0 = performance.now();
  const elements = [];
  for (const n of nodes) {
    elements.push({ data: { id: n.id, size: n.size || 20 }, position: { x: n.x || 0, y: n.y || 0 } });
  }
  for (const e of edges) elements.push({ data: { id: e.id, source: e.source, target: e.target } });
  const cy = cytoscape({
    headless: true, styleEnabled: true, elements,
    style: [{ selector: "node", style: { width: "data(size)", height: "data(size)" } }],
  });
  const big = nodes.length > 1500;
  const fixed = incremental ? nodes.filter((n) => n.fixed).map((n) => ({ nodeId: n.id, position: { x: n.x, y: n.y } })) : [];
  const options = {
    name: "fcose", animate: false, fit: false,
    quality: big ? "draft" : "default",
    // fCoSE keeps given positions only under constraints: without them it must randomise
    randomize: !(fixed.length && fixed.length < nodes.length),
    // room for a company name under each node when the view is small enough to read them
    nodeRepulsion: () => (nodes.length < 300 ? 14000 : 9000),
    idealEdgeLength: () => (nodes.length < 300 ? 130 : 90), edgeElasticity: () => 0.35,
    gravity: 0.3, numIter: big ? 800 : 2500, packComponents: true, tile: true,
    nodeSeparation: 90,
  };
  if (fixed.length && fixed.length < nodes.length) options.fixedNodeConstraint = fixed;
  try {
    cy.layout(options).run();
  } catch (err) {
    // a failed incremental layout falls back to a fresh one
    cy.layout({ ...options, randomize: true, fixedNodeConstraint: undefined }).run();
  }
  const positions = {};
  cy.nodes().forEach((n) => { positions[n.id()] = n.position(); });
  cy.destroy();
  self.postMessage({ job, positions, ms: Math.round(performance.now() - t0) });
};
