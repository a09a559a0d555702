// The newskg explorer: draws /api/graph at the positions newskg's layout computed, lets
// the reader pan, zoom, filter, search, click an entity or a relation to read the
// sentences behind it, and run SPARQL. Plain JavaScript, no libraries, no network access
// beyond this server.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const state = { graph: null, view: { x: 0, y: 0, k: 1 }, selected: null, meta: null };

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function html(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function selectedValues(select) {
  return Array.from(select.selectedOptions).map((o) => o.value);
}

function filterQuery() {
  const p = new URLSearchParams();
  const preds = selectedValues($("f-predicate"));
  if (preds.length) p.set("predicate", preds.join(","));
  const types = selectedValues($("f-type"));
  if (types.length) p.set("type", types.join(","));
  if ($("f-since").value) p.set("since", $("f-since").value);
  if ($("f-until").value) p.set("until", $("f-until").value);
  if (Number($("f-confidence").value) > 0) p.set("min_confidence", $("f-confidence").value);
  if ($("f-negated").checked) p.set("include_negated", "true");
  if ($("f-aggregate").checked) p.set("aggregate", "state");
  return p.toString();
}

async function loadMeta() {
  const meta = await getJson("/api/meta");
  state.meta = meta;
  $("summary").textContent = `${meta.articles} articles · ${meta.entities} entities · ${meta.assertions} statements`;
  for (const p of meta.predicates) {
    const o = html("option", p.label || p.name);
    o.value = p.name;
    $("f-predicate").appendChild(o);
  }
  for (const t of meta.types) {
    const o = html("option", t.label);
    o.value = t.name;
    $("f-type").appendChild(o);
  }
  for (const ex of meta.examples) {
    const o = html("option", ex.name.replace(/-/g, " "));
    o.value = ex.query;
    $("sparql-examples").appendChild(o);
  }
  const legend = $("legend");
  legend.appendChild(html("h2", "Legend"));
  for (const t of meta.types) {
    const d = html("div");
    const i = html("i");
    i.style.background = t.color;
    d.append(i, t.label);
    legend.appendChild(d);
  }
  const seen = new Set();
  for (const p of meta.predicates) {
    const key = p.quad_class || "other";
    if (seen.has(key)) continue;
    seen.add(key);
    const d = html("div");
    const i = html("i", null, "line");
    i.style.background = p.color;
    d.append(i, p.quad_class ? p.quad_class.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase() : "other (no CAMEO class)");
    legend.appendChild(d);
  }
}

function marker(color) {
  const id = "arrow-" + color.replace("#", "");
  if (!document.getElementById(id)) {
    const m = el("marker", { id, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" }, $("markers"));
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: color }, m);
  }
  return `url(#${id})`;
}

// The path of an edge: straight, or bent sideways when two entities share several;
// clipped where it leaves its source (circle and label) and reaches its target.
function edgePath(a, b, ra, rb, offset, wa, wb) {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const nx = -dy / len, ny = dx / len;
  const cx = (a.x + b.x) / 2 + nx * offset * 2, cy = (a.y + b.y) / 2 + ny * offset * 2;
  const at = (t) => [(1 - t) * (1 - t) * a.x + 2 * (1 - t) * t * cx + t * t * b.x, (1 - t) * (1 - t) * a.y + 2 * (1 - t) * t * cy + t * t * b.y];
  // Inside a node: its circle, or the label box under it.
  const inside = (p, c, r, w) => Math.hypot(p[0] - c.x, p[1] - c.y) < r + 2 || (Math.abs(p[0] - c.x) <= w / 2 && p[1] >= c.y && p[1] <= c.y + r + 22);
  let t0 = 0, t1 = 1;
  while (t0 < 1 && inside(at(t0), a, ra, wa)) t0 += 0.0025;
  while (t1 > 0 && inside(at(t1), b, rb, wb)) t1 -= 0.0025;
  if (t0 >= t1) { t0 = 0; t1 = 1; }
  const [sx, sy] = at(t0), [ex, ey] = at(t1), [lx, ly] = at((t0 + t1) / 2);
  // The control point of the sub-curve between t0 and t1.
  const k0 = (1 - t0) * (1 - t1), k1 = (1 - t0) * t1 + t0 * (1 - t1), k2 = t0 * t1;
  const qx = k0 * a.x + k1 * cx + k2 * b.x, qy = k0 * a.y + k1 * cy + k2 * b.y;
  const d = offset === 0 ? `M${sx},${sy} L${ex},${ey}` : `M${sx},${sy} Q${qx},${qy} ${ex},${ey}`;
  return { d, lx, ly };
}

// Rough width of a label in pixels (13px sans-serif).
function labelWidth(label) {
  return Math.max(...label.split("\n").map((l) => l.length * 7.3));
}

function draw(graph) {
  state.graph = graph;
  const nodesG = $("nodes"), edgesG = $("edges"), labelsG = $("edge-labels");
  nodesG.replaceChildren();
  edgesG.replaceChildren();
  labelsG.replaceChildren();
  const nodes = graph.elements.nodes, edges = graph.elements.edges;
  const byId = new Map(nodes.map((n) => [n.data.id, n]));
  const names = $("entity-names");
  names.replaceChildren();
  for (const n of nodes) {
    const o = html("option");
    o.value = n.data.label;
    names.appendChild(o);
  }
  // Fan out edges between the same two entities.
  const bundles = new Map();
  for (const e of edges) {
    const key = [e.data.source, e.data.target].sort().join("\u0000");
    if (!bundles.has(key)) bundles.set(key, []);
    bundles.get(key).push(e);
  }
  for (const list of bundles.values()) {
    list.forEach((e, k) => {
      const a = byId.get(e.data.source), b = byId.get(e.data.target);
      const lo = e.data.source < e.data.target;
      let offset = list.length === 1 ? 0 : (k - (list.length - 1) / 2) * 30;
      if (!lo) offset = -offset;
      const p = edgePath(a.position, b.position, a.data.size / 2, b.data.size / 2, offset, labelWidth(a.data.label), labelWidth(b.data.label));
      const g = el("g", { class: "edge" + (e.data.negated ? " negated" : ""), "data-id": e.data.id, "data-predicate": e.data.predicate, "data-source": e.data.source, "data-target": e.data.target }, edgesG);
      el("path", { d: p.d, class: "line", stroke: e.data.color, "marker-end": marker(e.data.color) }, g);
      el("path", { d: p.d, class: "hit" }, g);
      const title = el("title", {}, g);
      title.textContent = `${a.data.label} ${e.data.negated ? "not " : ""}${e.data.relation} ${b.data.label}`;
      g.addEventListener("click", (ev) => { ev.stopPropagation(); showEdge(e, g); });
      const t = el("text", { x: p.lx, y: p.ly + 4, class: "edge-label", fill: e.data.color }, labelsG);
      t.textContent = (e.data.negated ? "not " : "") + e.data.relation;
    });
  }
  for (const n of nodes) {
    const g = el("g", { class: "node", "data-id": n.data.id, transform: `translate(${n.position.x},${n.position.y})` }, nodesG);
    const r = n.data.size / 2;
    el("circle", { r, fill: n.data.color }, g);
    n.data.label.split("\n").forEach((line, i) => {
      const t = el("text", { y: r + 15 + i * 16 }, g);
      t.textContent = line;
    });
    const title = el("title", {}, g);
    title.textContent = `${n.data.label} (${n.data.type})`;
    g.addEventListener("click", (ev) => { ev.stopPropagation(); showEntity(n.data.id, g); });
  }
  $("status").textContent = `${nodes.length} entities, ${edges.length} relations`;
  fit();
}

function fit() {
  const nodes = state.graph ? state.graph.elements.nodes : [];
  const svg = $("graph");
  const w = svg.clientWidth || 800, h = svg.clientHeight || 500;
  if (!nodes.length) { state.view = { x: 0, y: 0, k: 1 }; applyView(); return; }
  const xs = nodes.map((n) => n.position.x), ys = nodes.map((n) => n.position.y);
  const minX = Math.min(...xs) - 80, maxX = Math.max(...xs) + 80;
  const minY = Math.min(...ys) - 50, maxY = Math.max(...ys) + 70;
  const k = Math.min(w / (maxX - minX), h / (maxY - minY), 1.5);
  state.view = { k, x: (w - (maxX - minX) * k) / 2 - minX * k, y: (h - (maxY - minY) * k) / 2 - minY * k };
  applyView();
}

function applyView() {
  const v = state.view;
  $("viewport").setAttribute("transform", `translate(${v.x},${v.y}) scale(${v.k})`);
}

function select(g) {
  document.querySelectorAll(".selected").forEach((x) => x.classList.remove("selected"));
  if (g) g.classList.add("selected");
}

function evidenceItem(r) {
  const li = html("li");
  const head = html("div", null, "rel" + (r.negated ? " denied" : ""));
  head.textContent = `${r.subject_label} ${r.relation} ${r.object_label}` + (r.negated ? " (denied)" : "") + (r.asserted ? "" : " (supposed)");
  li.appendChild(head);
  li.appendChild(html("blockquote", r.evidence, "evidence"));
  const a = r.article;
  li.appendChild(html("div", `${a.title || a.source || a.id}${a.date ? " · " + a.date : ""} · confidence ${r.confidence}`, "source"));
  return li;
}

async function showEntity(id, g) {
  select(g);
  const panel = $("details");
  panel.replaceChildren(html("p", "Loading…", "hint"));
  try {
    const data = await getJson("/api/entity/" + encodeURIComponent(id));
    const e = data.entity;
    panel.replaceChildren();
    panel.appendChild(html("h3", e.label));
    const meta = [e.type, e.wikidata ? "Wikidata " + e.wikidata : null, e.iso3166, `${e.articles} article(s)`].filter(Boolean).join(" · ");
    panel.appendChild(html("div", meta, "meta"));
    const ul = html("ul");
    for (const r of data.relations) ul.appendChild(evidenceItem(r));
    if (!data.relations.length) panel.appendChild(html("p", "No relation names this entity.", "hint"));
    panel.appendChild(ul);
  } catch (err) {
    panel.replaceChildren(html("p", "Could not load the entity: " + err.message, "hint"));
  }
}

async function showEdge(e, g) {
  select(g);
  const panel = $("details");
  const d = e.data;
  panel.replaceChildren();
  const byId = new Map(state.graph.elements.nodes.map((n) => [n.data.id, n.data.label]));
  panel.appendChild(html("h3", `${byId.get(d.source)} ${d.relation} ${byId.get(d.target)}` + (d.negated ? " (denied)" : "")));
  const meta = [d.cameo ? "CAMEO " + d.cameo : null, d.quad_class, `${d.assertions} sentence(s) in ${d.articles} article(s)`, `confidence ${d.confidence}`, d.first_date && d.first_date !== d.last_date ? `${d.first_date} – ${d.last_date}` : d.first_date].filter(Boolean).join(" · ");
  panel.appendChild(html("div", meta, "meta"));
  try {
    const data = await getJson("/api/entity/" + encodeURIComponent(d.source));
    const ul = html("ul");
    for (const r of data.relations) {
      if (r.predicate === d.predicate && r.object === d.target && r.negated === d.negated && r.asserted) ul.appendChild(evidenceItem(r));
    }
    if (!ul.children.length) ul.appendChild(evidenceItem({ subject_label: byId.get(d.source), object_label: byId.get(d.target), relation: d.relation, negated: d.negated, asserted: true, evidence: d.evidence, confidence: d.confidence, article: { id: d.evidence_article, title: d.evidence_title } }));
    panel.appendChild(ul);
  } catch (err) {
    panel.appendChild(html("blockquote", d.evidence, "evidence"));
  }
}

async function refresh() {
  $("status").textContent = "Loading…";
  try {
    draw(await getJson("/api/graph?" + filterQuery()));
  } catch (err) {
    $("status").textContent = "Cannot draw the graph: " + err.message;
  }
}

function search() {
  const q = $("search").value.trim().toLowerCase();
  document.querySelectorAll(".node.match").forEach((x) => x.classList.remove("match"));
  if (!q || !state.graph) return;
  const hit = state.graph.elements.nodes.find((n) => n.data.label.toLowerCase() === q) ||
    state.graph.elements.nodes.find((n) => n.data.label.toLowerCase().includes(q) || n.data.id.includes(q));
  if (!hit) { $("status").textContent = `No entity matches “${$("search").value}”`; return; }
  const g = document.querySelector(`.node[data-id="${CSS.escape(hit.data.id)}"]`);
  g.classList.add("match");
  const svg = $("graph");
  state.view.x = svg.clientWidth / 2 - hit.position.x * state.view.k;
  state.view.y = svg.clientHeight / 2 - hit.position.y * state.view.k;
  applyView();
  showEntity(hit.data.id, g);
}

function cell(term) {
  if (!term) return "";
  if (term.type === "uri") {
    for (const [p, iri] of [["ent:", "/entity/"], ["nkg:", "/ontology#"], ["art:", "/article/"], ["asr:", "/assertion/"]]) {
      const i = term.value.indexOf(iri);
      if (i >= 0 && term.value.startsWith("https://w3id.org/newskg")) return p + term.value.slice(i + iri.length);
    }
    return term.value;
  }
  return term.value;
}

async function runSparql() {
  const status = $("sparql-status"), out = $("sparql-results");
  status.className = "";
  status.textContent = "Running…";
  out.replaceChildren();
  const started = performance.now();
  try {
    const r = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.5" },
      body: $("sparql-query").value,
    });
    const text = await r.text();
    if (!r.ok) throw new Error(text);
    const ms = Math.round(performance.now() - started);
    if ((r.headers.get("Content-Type") || "").includes("turtle")) {
      out.appendChild(html("pre", text));
      status.textContent = `graph in ${ms} ms`;
      return;
    }
    const res = JSON.parse(text);
    if (typeof res.boolean === "boolean") {
      out.appendChild(html("p", String(res.boolean)));
      status.textContent = `answered in ${ms} ms`;
      return;
    }
    const table = html("table");
    const head = html("tr");
    for (const v of res.head.vars) head.appendChild(html("th", v));
    table.appendChild(html("thead")).appendChild(head);
    const body = html("tbody");
    for (const b of res.results.bindings) {
      const tr = html("tr");
      for (const v of res.head.vars) tr.appendChild(html("td", cell(b[v])));
      body.appendChild(tr);
    }
    table.appendChild(body);
    out.appendChild(table);
    status.textContent = `${res.results.bindings.length} row(s) in ${ms} ms`;
  } catch (err) {
    status.className = "error";
    status.textContent = err.message;
  }
}

function wirePanZoom() {
  const svg = $("graph");
  let drag = null;
  svg.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, vx: state.view.x, vy: state.view.y, moved: false }; svg.classList.add("dragging"); });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    state.view.x = drag.vx + e.clientX - drag.x;
    state.view.y = drag.vy + e.clientY - drag.y;
    drag.moved = true;
    applyView();
  });
  window.addEventListener("mouseup", () => { drag = null; svg.classList.remove("dragging"); });
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = svg.getBoundingClientRect();
    const mx = e.clientX - rect.left, my = e.clientY - rect.top;
    const factor = Math.exp(-e.deltaY * 0.0015);
    const k = Math.min(8, Math.max(0.05, state.view.k * factor));
    state.view.x = mx - ((mx - state.view.x) * k) / state.view.k;
    state.view.y = my - ((my - state.view.y) * k) / state.view.k;
    state.view.k = k;
    applyView();
  }, { passive: false });
  svg.addEventListener("dblclick", fit);
}

function wire() {
  wirePanZoom();
  $("f-apply").addEventListener("click", refresh);
  $("f-reset").addEventListener("click", () => {
    for (const id of ["f-predicate", "f-type"]) Array.from($(id).options).forEach((o) => (o.selected = false));
    $("f-since").value = $("f-until").value = "";
    $("f-confidence").value = 0;
    $("f-conf-out").textContent = "0";
    $("f-negated").checked = $("f-aggregate").checked = false;
    refresh();
  });
  $("f-confidence").addEventListener("input", () => ($("f-conf-out").textContent = $("f-confidence").value));
  $("search").addEventListener("change", search);
  $("search").addEventListener("keydown", (e) => { if (e.key === "Enter") search(); });
  $("sparql-run").addEventListener("click", runSparql);
  $("sparql-query").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) runSparql(); });
  $("sparql-examples").addEventListener("change", () => { if ($("sparql-examples").value) $("sparql-query").value = $("sparql-examples").value; });
}

wire();
loadMeta().then(refresh).catch((err) => ($("status").textContent = "Cannot reach the server: " + err.message));
