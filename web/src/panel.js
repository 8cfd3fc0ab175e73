// The side panel: one entity's profile, loans, guarantees, score and top contributors (with
// their paths), the actions on it, and the results of path / group / circle questions.
import { EDGE_KINDS, riskColour } from "./style.js";

const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
};
export { h };

export const money = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
export const pct = (x, d = 2) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(d)}%`);

function table(head, rows, empty) {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h("table", {}, h("thead", {}, h("tr", {}, head.map(([t, n]) => h("th", { class: n ? "n" : null }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => h("td", { class: head[i][1] ? "n" : null }, c))))));
}

function section(title, ...body) {
  return h("section", {}, h("h3", {}, title), ...body);
}

export function renderProfile(root, p, actions) {
  const n = p.node;
  const flags = [];
  if (n.defaulted) flags.push(h("span", { class: "chip bad" }, "defaulted"));
  if (n.overdue) flags.push(h("span", { class: "chip warn" }, "overdue"));
  if (n.lost_contact) flags.push(h("span", { class: "chip bad" }, "lost contact"));
  const shownId = n.label === "Person" ? (n.id_masked || "") : n.id;
  const score = p.score;
  const expandButtons = Object.entries(EDGE_KINDS).map(([kind, k]) => h("button", {
    class: "kind", title: `Expand ${k.words} (${k.key})`, "data-kind": kind,
    onclick: () => actions.expand(n.id, [k.type]), disabled: !(p.ties[kind] > 0),
  }, h("i", { class: `swatch ${kind}` }), `${k.words} `, h("b", {}, p.ties[kind] || 0)));

  root.replaceChildren(
    h("header", { class: "ph" },
      h("div", { class: "kicker" }, n.label),
      h("h2", { id: "panel-title" }, n.name),
      h("div", { class: "id" }, shownId), flags.length ? h("div", { class: "flags" }, flags) : null),
    h("div", { class: "score" },
      h("div", {}, h("small", {}, "probability of default"),
        h("b", {}, h("i", { class: "dot", style: `background:${riskColour(score ? score.pd : null, "pd")}` }), score ? pct(score.pd) : "not scored")),
      h("div", {}, h("small", {}, "contagion exposure"),
        h("b", {}, h("i", { class: "dot", style: `background:${riskColour(score ? score.ce : null, "ce")}` }), score ? pct(score.ce) : "–")),
      h("div", {}, h("small", {}, "outstanding loans"), h("b", {}, money(n.outstanding)))),
    score ? h("p", { class: "muted small" }, `model ${score.model_version || "–"}, scores of ${score.as_of || "–"}`) : null,
    h("div", { class: "actions", role: "group", "aria-label": "Actions" },
      h("button", { class: "primary", onclick: () => actions.expand(n.id, null), title: "Expand every relationship (E)" }, "Expand all"),
      h("button", { onclick: () => actions.startPath(n), title: "Find paths to another party (P)" }, "Paths to…"),
      h("button", { onclick: () => actions.group(n.id), title: "Connected-counterparty group (G)" }, "Group"),
      h("button", { onclick: () => actions.circle(n.id), title: "Guarantee circle (K)" }, "Guarantee circle"),
      h("button", { onclick: () => actions.report(n.id), title: "Committee report (PDF)" }, "Report"),
      h("button", { onclick: () => actions.remove(n.id), title: "Remove from the view (Delete)" }, "Remove")),
    h("div", { id: "pathbox" }),
    section("Expand by relationship", h("div", { class: "kinds" }, expandButtons)),
    section("Top contributors to the score",
      p.contributors.length ? h("ol", { class: "contrib" }, p.contributors.map((c) => h("li", {},
        h("button", { class: "link", onclick: () => actions.showContributor(n.id, c), title: "Show the path on the graph" }, c.name),
        c.share !== null && c.share !== undefined ? h("span", { class: "share", title: "what it adds to the PD (percentage points)" }, ` ${c.share >= 0 ? "+" : ""}${(c.share * 100).toFixed(2)} pts`) : null,
        c.path && c.path.paths.length ? h("div", { class: "path" }, c.path.paths[0].text) : h("div", { class: "path muted" }, "no path within 4 hops"))))
        : h("p", { class: "muted" }, score ? "No network contributor above the reporting threshold." : "Not scored.")),
    section(`Loans (${p.loans.length})`, table([["loan"], ["lender"], ["outstanding", 1], ["status"]],
      p.loans.map((l) => [l.loan, l.lender || "–", money(l.outstanding), h("span", { class: l.status === "default" || l.status === "overdue" ? "bad" : "" }, l.status)]), "No open loans.")),
    section(`Guarantees given (${p.guarantees_given.length})`, table([["for"], ["loan"], ["at risk", 1]],
      p.guarantees_given.map((g) => [h("button", { class: "link", onclick: () => actions.focus(g.borrower, n.id) }, g.borrower_name), g.loan, money(g.at_risk)]), "None.")),
    section(`Guarantees received (${p.guarantees_received.length})`, table([["from"], ["loan"], ["at risk", 1]],
      p.guarantees_received.map((g) => [h("button", { class: "link", onclick: () => actions.focus(g.guarantor, n.id) }, g.guarantor_name), g.loan, money(g.at_risk)]), "None from outside.")),
    section("Profile", table([["property"], ["value"]],
      Object.entries(p.properties).map(([k, v]) => [k.replace(/_/g, " "), typeof v === "number" && Math.abs(v) >= 1000 ? money(v) : String(v)]), "–")),
    section(`Events (${p.events.length})`, p.events.length ? h("ul", { class: "events" },
      p.events.map((e) => h("li", {}, h("b", {}, e.date || "–"), ` ${(e.kind || "").replace(/_/g, " ")}`, e.detail ? h("span", { class: "muted" }, ` ${e.detail}`) : null))) : h("p", { class: "muted" }, "None.")),
  );
}

// Answers to questions (paths, group, circle) stay at the top of the panel while the
// investigator clicks through the nodes they name, until closed or replaced.
export function renderResult(title, ...body) {
  const box = document.getElementById("result");
  box.replaceChildren(h("div", { class: "result" },
    h("button", { class: "close", title: "Close", "aria-label": "Close", onclick: () => box.replaceChildren() }, "×"),
    h("h3", {}, title), ...body));
}

export function renderPaths(res, onPick) {
  if (!res.paths.length) {
    renderResult("Paths", h("p", {}, `No path within ${res.max_hops} hops.`));
    return;
  }
  const items = res.paths.map((p, i) => h("li", {},
    h("label", {}, h("input", { type: "radio", name: "path", checked: i === 0, onchange: () => onPick(p) }), ` ${p.text}`)));
  renderResult(`${res.paths.length}${res.truncated ? "+" : ""} shortest path${res.paths.length > 1 ? "s" : ""}, ${res.length} hop${res.length === 1 ? "" : "s"}`,
    h("ol", { class: "paths" }, items));
}

export function renderGroup(res, names) {
  const lenders = res.by_lender.slice(0, 6).map((x) => [x.lender, money(x.exposure), x.share === null ? "–" : pct(x.share), x.status]);
  const rules = {};
  for (const e of res.evidence) rules[e.rule] = (rules[e.rule] || 0) + 1;
  renderResult(`Group of ${res.size} (head ${names[res.head] || res.head})`,
    h("p", { class: "small" }, `Loans outstanding ${money(res.total_direct)}. Ties by rule: `,
      Object.entries(rules).map(([r, c]) => `${r.replace(/_/g, " ")} ${c}`).join(", ") || "none"),
    table([["lender"], ["exposure", 1], ["of tier-1", 1], ["status"]], lenders, "No open loans."));
}

export function renderCircle(res) {
  if (!res.circle) {
    renderResult("Guarantee circle", h("p", {}, res.members.length > 1
      ? `In no circle; mutual guarantees with ${res.members.length - 1} part${res.members.length > 2 ? "ies" : "y"}.`
      : "In no guarantee circle and no mutual guarantee."),
    h("p", { class: "small muted" }, `Guarantee chain above: ${res.chain_up} hops, below: ${res.chain_down}.`));
    return;
  }
  const c = res.circle;
  renderResult(`Guarantee circle ${c.key}: ${c.size} parties`,
    h("p", { class: "small" }, `${c.guarantees} guarantees inside, covering ${money(c.guaranteed_inside)}; members' loans ${money(c.outstanding)}.`));
}
