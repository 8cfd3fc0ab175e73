// The investigator's graph browser: sign in, search, expand, paths, group, circle, panel,
// as-of date, colouring, exports, keyboard. Talks to /v1/search and /ui/api/* of the API.
import { api, ApiError } from "./api.js";
import { exportCsv, exportGraphml, exportPng, download } from "./exporters.js";
import { GraphView } from "./graph.js";
import { h, renderCircle, renderGroup, renderPaths, renderProfile, renderResult } from "./panel.js";
import { EDGE_KINDS, legendStops, riskColour, NO_SCORE } from "./style.js";

const $ = (id) => document.getElementById(id);
const statusLine = (text, isError = false) => {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", isError);
};

let graph;
let selected = null; // id of the node shown in the panel
let pathSource = null; // NodeRef when choosing a path target
const seeds = new Set(); // nodes the investigator asked for (kept across as-of changes)

function fail(err) {
  if (err instanceof ApiError && err.status === 401) {
    signOut("Your key is not valid any more: sign in again.");
    return;
  }
  statusLine(err.message || String(err), true);
}

async function guarded(fn) {
  try { return await fn(); } catch (err) { fail(err); return undefined; }
}

// -- sign in -----------------------------------------------------------------------------
async function signIn(key) {
  api.setKey(key);
  try {
    const s = await api.session();
    $("signin").hidden = true;
    $("signout").hidden = false;
    $("who").textContent = `${s.name} · ${s.role}`;
    $("asof").max = s.as_of || "";
    $("asof").value = s.as_of || "";
    document.body.dataset.served = s.as_of || "";
    statusLine(`Signed in. Portfolio as of ${s.as_of}; ${(s.nodes.Enterprise || 0).toLocaleString()} enterprises, ${(s.nodes.Person || 0).toLocaleString()} persons; ${s.scores.toLocaleString()} scores (${s.model_versions.join(", ") || "no model"}).`);
    $("q").focus();
    return true;
  } catch (err) {
    api.setKey("");
    $("signin").hidden = false;
    $("signin-error").textContent = err instanceof ApiError && err.status === 401 ? "That key is not valid (unknown or revoked)."
      : err instanceof ApiError && err.status === 403 ? "That key's role may not use the investigator UI (service keys cannot)." : err.message;
    $("key").focus();
    return false;
  }
}

function signOut(message = "") {
  api.setKey("");
  $("signin").hidden = false;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin-error").textContent = message;
  $("key").value = "";
  $("key").focus();
}

// -- search ------------------------------------------------------------------------------
function setupSearch(input, list, onPick) {
  let timer = null;
  let hits = [];
  let active = -1;
  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; };
  const paint = () => list.querySelectorAll("li").forEach((li, i) => {
    li.classList.toggle("active", i === active);
    li.setAttribute("aria-selected", i === active ? "true" : "false");
    if (i === active) input.setAttribute("aria-activedescendant", li.id);
  });
  const pick = (i) => { const hit = hits[i]; if (!hit) return; close(); input.value = ""; onPick(hit); };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { close(); return; }
    timer = setTimeout(() => guarded(async () => {
      const res = await api.search(q);
      if (input.value.trim() !== q) return;
      hits = res.hits;
      list.replaceChildren(...(hits.length ? hits.map((hit, i) => h("li", {
        id: `${list.id}-${i}`, role: "option", onmousedown: (e) => { e.preventDefault(); pick(i); },
      }, h("i", { class: "dot", style: `background:${riskColour(hit.pd, "pd")}` }), h("b", {}, hit.name || hit.id),
      h("span", { class: "muted" }, ` ${hit.label} ${hit.label === "Person" ? hit.id_masked || "" : hit.id}`)))
        : [h("li", { class: "muted" }, "No match")]));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = hits.length ? 0 : -1;
      paint();
    }), 180);
  });
  input.addEventListener("keydown", (e) => {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { active = Math.min(hits.length - 1, active + 1); paint(); e.preventDefault(); }
    else if (e.key === "ArrowUp") { active = Math.max(0, active - 1); paint(); e.preventDefault(); }
    else if (e.key === "Enter") { pick(active); e.preventDefault(); }
    else if (e.key === "Escape") { close(); e.stopPropagation(); }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

// -- actions -----------------------------------------------------------------------------
async function expand(id, types = null, { select = false } = {}) {
  return guarded(async () => {
    const res = await api.expand(id, types);
    const fresh = graph.merge(res, id);
    if (res.truncated) statusLine(`Showing ${res.nodes.length - 1} ties of ${res.nodes.length - 1 + res.left_out}: the rest were cut at the server's limit.`);
    await graph.layout({ incremental: graph.cy.nodes().length > fresh.length, fit: true });
    if (select) selectNode(id);
    return res;
  });
}

async function addAndExpand(hit) {
  seeds.add(hit.id);
  await expand(hit.id, null, { select: true });
}

function selectNode(id) {
  const n = graph.cy.getElementById(id);
  if (n.empty()) return;
  graph.cy.nodes().unselect();
  n.select();
  graph.cy.nodes().removeClass("focus");
  n.addClass("focus");
}

function lenderPanel(node) {
  const d = node.data();
  $("profile").replaceChildren(
    h("header", { class: "ph" }, h("div", { class: "kicker" }, "Lender"), h("h2", { id: "panel-title" }, d.name)),
    h("p", {}, `Lent to the parties of this portfolio: ${Math.round(d.outstanding || 0).toLocaleString("en-US")} outstanding.`),
    h("p", { class: "muted small" }, "A bank is not expanded (all its borrowers would flood the view); its exposure to a group is in the group view and the committee report."));
}

// Roles that may not see person keys get persons by masked resident id, which cannot be
// looked up: the panel shows what the graph already says.
function maskedPanel(node) {
  const d = node.data();
  $("profile").replaceChildren(
    h("header", { class: "ph" }, h("div", { class: "kicker" }, "Person"), h("h2", { id: "panel-title" }, d.name), h("div", { class: "id" }, d.id)),
    h("p", {}, `Probability of default ${d.pd == null ? "–" : (d.pd * 100).toFixed(2) + "%"}, contagion exposure ${d.ce == null ? "–" : (d.ce * 100).toFixed(2) + "%"}.`),
    h("p", { class: "muted small" }, "Your role sees persons by masked resident id only; expanding a person needs an investigator key."));
}

async function showProfile(id) {
  selected = id;
  document.body.dataset.selected = id;
  const node = graph.cy.getElementById(id);
  if (node.nonempty() && node.data("label") === "Lender") { lenderPanel(node); return; }
  if (id.includes("*")) { maskedPanel(node); return; }
  await guarded(async () => {
    const p = await api.profile(id);
    if (selected !== id) return;
    renderProfile($("profile"), p, actions);
  });
}

async function findPaths(source, target) {
  await guarded(async () => {
    const res = await api.paths(source, target);
    graph.merge(res, source);
    await graph.layout({ incremental: true, fit: true });
    const names = Object.fromEntries(res.nodes.map((n) => [n.id, n.name]));
    const show = (p) => graph.highlight(p.nodes, p.edges);
    if (res.paths.length) show(res.paths[0]);
    renderPaths(res, show);
    statusLine(res.paths.length ? `Path: ${res.paths[0].text}` : `No path between ${names[source]} and ${names[target]} within ${res.max_hops} hops.`);
  });
}

const actions = {
  expand: (id, types) => expand(id, types),
  remove(id) {
    graph.cy.getElementById(id).remove();
    seeds.delete(id);
    graph.markMore();
    $("profile").replaceChildren(h("p", { class: "muted" }, "Removed from the view."));
  },
  startPath(node) {
    pathSource = node;
    const box = $("pathbox");
    const input = h("input", { id: "pq", type: "search", placeholder: "Target: name or id, or click a node", "aria-label": "Path target", autocomplete: "off", role: "combobox", "aria-controls": "phits", "aria-expanded": "false" });
    const list = h("ul", { id: "phits", role: "listbox", hidden: true });
    box.replaceChildren(h("div", { class: "pathpick" }, h("label", { for: "pq" }, `Paths from ${node.name} to…`), h("div", { class: "search inpanel" }, input, list),
      h("button", { onclick: () => { pathSource = null; box.replaceChildren(); } }, "Cancel")));
    setupSearch(input, list, (hit) => { const from = pathSource.id; pathSource = null; box.replaceChildren(); findPaths(from, hit.id); });
    input.focus();
    statusLine(`Choose the target: search it, or click a node on the graph.`);
  },
  async group(id) {
    await guarded(async () => {
      const res = await api.group(id);
      graph.merge(res, id);
      await graph.layout({ incremental: true, fit: true });
      graph.highlight(res.members.concat(res.nodes.map((n) => n.id)), res.edges.map((e) => e.id));
      renderGroup(res, Object.fromEntries(res.nodes.map((n) => [n.id, n.name])));
      statusLine(`Connected-counterparty group: ${res.size} members.`);
    });
  },
  async circle(id) {
    await guarded(async () => {
      const res = await api.circle(id);
      graph.merge(res, id);
      await graph.layout({ incremental: true, fit: true });
      graph.highlight(res.members, res.edges.map((e) => e.id));
      renderCircle(res);
      statusLine(res.circle ? `Guarantee circle ${res.circle.key}: ${res.circle.size} parties.` : "In no guarantee circle.");
    });
  },
  async showContributor(from, c) {
    if (!c.path || !c.path.paths.length) return;
    graph.merge(c.path, from);
    await graph.layout({ incremental: true, fit: true });
    graph.highlight(c.path.paths[0].nodes, c.path.paths[0].edges);
    statusLine(`Contributor ${c.name}: ${c.path.paths[0].text}`);
  },
  async focus(id, from) {
    if (graph.cy.getElementById(id).empty()) await expand(from, ["GUARANTEES"]);
    selectNode(id);
  },
  async report(id) {
    await guarded(async () => {
      statusLine("Preparing the committee report (PDF)…");
      try {
        const res = await api.report(id, "pdf");
        download(await res.blob(), `report-${id}.pdf`);
        statusLine("Committee report downloaded.");
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && err.code !== "not_found") {
          statusLine("The report endpoint is not enabled on this server; use `riskgraph report ID`.", true);
        } else throw err;
      }
    });
  },
};

// -- legend ------------------------------------------------------------------------------
function paintLegend() {
  const mode = $("colour").value;
  const stops = legendStops(mode);
  const label = mode === "ce" ? "contagion exposure" : "probability of default";
  $("legend").replaceChildren(
    h("div", { class: "lg-title" }, label),
    h("div", { class: "lg-row" }, stops.map((x, i) => h("span", { class: "lg-item" },
      h("i", { class: "dot", style: `background:${riskColour(x, mode)}` }), `${(x * 100).toFixed(x < 0.01 && x > 0 ? 1 : 0)}%${i === stops.length - 1 ? "+" : ""}`)),
    h("span", { class: "lg-item" }, h("i", { class: "dot", style: `background:${NO_SCORE}` }), "none")),
    h("div", { class: "lg-row" }, Object.entries(EDGE_KINDS).map(([kind, k]) => h("span", { class: "lg-item" }, h("i", { class: `swatch ${kind}` }), k.words))),
    h("div", { class: "lg-row muted" }, "▢ enterprise  ○ person  ◇ lender · size: outstanding loans · red dashed rim: lost contact · dark rim: defaulted · halo: more to expand"));
}

// -- keyboard ----------------------------------------------------------------------------
function nearest(direction) {
  const cy = graph.cy;
  const from = selected ? cy.getElementById(selected) : cy.nodes().first();
  if (!from || from.empty()) return null;
  const p = from.position();
  let best = null;
  let bestScore = Infinity;
  cy.nodes().forEach((n) => {
    if (n.same(from)) return;
    const q = n.position();
    const dx = q.x - p.x;
    const dy = q.y - p.y;
    const along = { left: -dx, right: dx, up: -dy, down: dy }[direction];
    const across = direction === "left" || direction === "right" ? Math.abs(dy) : Math.abs(dx);
    if (along <= 0) return;
    const score = along + 2 * across;
    if (score < bestScore) { bestScore = score; best = n; }
  });
  return best;
}

function onKey(e) {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (e.key === "Escape") {
    $("helpbox").hidden = true;
    graph.clearHighlight();
    pathSource = null;
    return;
  }
  if (typing || !$("signin").hidden || e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key;
  const onGraph = document.activeElement === $("cy");
  if (key === "/") { $("q").focus(); e.preventDefault(); return; }
  if (key === "?") { $("helpbox").hidden = false; $("help-close").focus(); return; }
  if (key === "f" || key === "F") { graph.fit(); return; }
  if (key === "l" || key === "L") { graph.layout({ incremental: false, fit: true }); return; }
  if (key === "c" || key === "C") { $("colour").value = $("colour").value === "pd" ? "ce" : "pd"; $("colour").dispatchEvent(new Event("change")); return; }
  if (key === "a" || key === "A") { $("asof").focus(); return; }
  if (onGraph && (key.startsWith("Arrow") || key === "Tab")) {
    let next;
    if (key === "Tab") {
      const nodes = graph.cy.nodes().sort((a, b) => a.position("x") - b.position("x") || a.position("y") - b.position("y"));
      const i = nodes.toArray().findIndex((n) => n.id() === selected);
      next = nodes[(i + (e.shiftKey ? -1 : 1) + nodes.length) % nodes.length];
    } else next = nearest(key.slice(5).toLowerCase());
    if (next) { selectNode(next.id()); e.preventDefault(); }
    return;
  }
  if (!selected) return;
  const node = graph.cy.getElementById(selected);
  if (node.nonempty() && node.data("label") === "Lender" && /^[eE1-6pPgGkK]$/.test(key)) {
    statusLine("A lender is not expanded; select a borrower or guarantor.");
    return;
  }
  if (selected.includes("*") && /^[eE1-6pPgGkK]$/.test(key)) {
    statusLine("Persons are masked for your role: select an enterprise.");
    return;
  }
  if (key === "Enter" && onGraph) { $("panel").focus(); return; }
  if (key === "e" || key === "E") expand(selected);
  else if (/^[1-6]$/.test(key)) { const kind = Object.values(EDGE_KINDS).find((k) => k.key === key); expand(selected, [kind.type]); }
  else if ((key === "p" || key === "P") && node.nonempty()) actions.startPath(node.data());
  else if (key === "g" || key === "G") actions.group(selected);
  else if (key === "k" || key === "K") actions.circle(selected);
  else if (key === "Delete" || key === "Backspace") actions.remove(selected);
}

// -- start -------------------------------------------------------------------------------
function start() {
  graph = new GraphView($("cy"), {
    onSelect: (node) => {
      if (pathSource && pathSource.id !== node.id()) {
        const from = pathSource.id;
        pathSource = null;
        $("pathbox").replaceChildren();
        findPaths(from, node.id());
      }
      showProfile(node.id());
    },
    onStatus: (t) => statusLine(t),
  });
  graph.cy.on("dbltap", "node", (e) => {
    if (e.target.data("label") !== "Lender" && !e.target.id().includes("*")) expand(e.target.id());
  });
  window.riskgraphUI = { graph, api, expand, selectNode, actions, seeds };
  setupSearch($("q"), $("hits"), addAndExpand);
  $("signin-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("key").value.trim()); });
  $("signout").addEventListener("click", () => signOut());
  $("fit").addEventListener("click", () => graph.fit());
  $("relayout").addEventListener("click", () => graph.layout({ incremental: false, fit: true }));
  $("clear-hl").addEventListener("click", () => graph.clearHighlight());
  $("clear").addEventListener("click", () => { graph.cy.elements().remove(); seeds.clear(); selected = null; $("result").replaceChildren(); statusLine("Cleared."); });
  $("png").addEventListener("click", () => exportPng(graph.cy, api.asOf || document.body.dataset.served));
  $("graphml").addEventListener("click", () => exportGraphml(graph.cy, api.asOf || document.body.dataset.served));
  $("csv").addEventListener("click", () => exportCsv(graph.cy, api.asOf || document.body.dataset.served));
  $("help").addEventListener("click", () => { $("helpbox").hidden = false; $("help-close").focus(); });
  $("help-close").addEventListener("click", () => { $("helpbox").hidden = true; });
  $("colour").addEventListener("change", () => { graph.setMode($("colour").value); paintLegend(); });
  $("asof").addEventListener("change", async () => {
    const v = $("asof").value;
    api.asOf = v && v !== document.body.dataset.served ? v : null;
    const keep = [...seeds];
    graph.cy.elements().remove();
    statusLine(`Portfolio as of ${v}: reloading ${keep.length} node${keep.length === 1 ? "" : "s"}…`);
    for (const id of keep) await expand(id);
    if (selected) showProfile(selected);
  });
  document.addEventListener("keydown", onKey);
  paintLegend();
  if (api.key) signIn(api.key);
  else $("key").focus();
}

start();
