"""Reads every file `newskg export --format all` wrote, each with a reader that is not
newskg's, and prints one JSON summary per format on stdout:

    {"<format>": {"nodes": {id: label}, "edges": [[source, target, predicate, negated], ...],
                  "checks": [...what was verified on the way...]}}

Formats that carry no entity ids (mermaid, svg) give labels instead: nodes {label: label}
and edges [source label, target label, shown relation text]. Any problem raises, so the
test sees a non-zero exit with the traceback.

Usage: python3 read_exports.py DIR
"""

import csv
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx

out_dir = sys.argv[1]
path = lambda name: os.path.join(out_dir, name)
result = {}


def sorted_edges(edges):
    return sorted([list(e) for e in edges], key=lambda e: json.dumps(e, ensure_ascii=False))


# --- Graphviz: dot parses the file; its JSON gives the attributes as it read them. ----
def esc_string(s):
    """Graphviz escString: \\\\ is a backslash, \\n \\l \\r are line breaks."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "l": "\n", "r": "\n"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


svg_from_dot = subprocess.run(["dot", "-Tsvg", path("graph.dot")], capture_output=True, check=True).stdout
ET.fromstring(svg_from_dot)  # Graphviz's SVG must be well-formed XML
dot_json = json.loads(subprocess.run(["dot", "-Tjson0", path("graph.dot")], capture_output=True, check=True).stdout)
objects = dot_json.get("objects", [])
names = [esc_string(o["name"]) for o in objects]
result["dot"] = {
    "nodes": {esc_string(o["name"]): esc_string(o["label"]) for o in objects},
    "edges": sorted_edges(
        [names[e["tail"]], names[e["head"]], esc_string(e["predicate"]), e["negated"] == "true"]
        for e in dot_json.get("edges", [])
    ),
    "checks": ["dot -Tsvg renders it", "Graphviz SVG is well-formed XML"],
}

# --- GraphML: networkx, plus the key declarations. -------------------------------------
tree = ET.parse(path("graph.graphml"))
ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
keys = tree.getroot().findall("g:key", ns)
key_ids = [k.get("id") for k in keys]
assert len(key_ids) == len(set(key_ids)), "duplicate <key> ids"
assert all(k.get("attr.type") for k in keys if k.get("yfiles.type") is None), "untyped key"
assert any(k.get("yfiles.type") == "nodegraphics" for k in keys), "no yEd node graphics key"
g = nx.read_graphml(path("graph.graphml"))
for n, d in g.nodes(data=True):
    assert isinstance(d["articles"], int) and isinstance(d["x"], float), d
for u, v, d in g.edges(data=True):
    assert isinstance(d["negated"], bool) and isinstance(d["confidence"], float) and isinstance(d["assertions"], int), d
    assert d["label"] == d["predicate"]
result["graphml"] = {
    "nodes": {n: d["label"] for n, d in g.nodes(data=True)},
    "edges": sorted_edges([u, v, d["predicate"], d["negated"]] for u, v, d in g.edges(data=True)),
    "checks": ["networkx.read_graphml", "key ids unique", "every key typed", "yEd nodegraphics key"],
}

# --- GEXF 1.3: networkx, plus attribute declarations before values. ---------------------
root = ET.parse(path("graph.gexf")).getroot()
assert root.tag == "{http://gexf.net/1.3}gexf", root.tag
graph_el = root.find("{http://gexf.net/1.3}graph")
children = [c.tag.split("}")[1] for c in graph_el]
assert children.index("attributes") < children.index("nodes"), children
g = nx.read_gexf(path("graph.gexf"), version="1.3")
for n, d in g.nodes(data=True):
    assert "viz" in d and "position" in d["viz"] and "color" in d["viz"], d
result["gexf"] = {
    "nodes": {n: d["label"] for n, d in g.nodes(data=True)},
    "edges": sorted_edges([u, v, d["predicate"], d["negated"]] for u, v, d in g.edges(data=True)),
    "checks": ["networkx.read_gexf version 1.3", "attributes before nodes", "viz position and colour"],
}

# --- Cytoscape.js: ids unique across nodes and edges; edges reference nodes. -----------
doc = json.load(open(path("graph.cytoscape.json"), encoding="utf-8"))
nodes = doc["elements"]["nodes"]
edges = doc["elements"]["edges"]
ids = [n["data"]["id"] for n in nodes] + [e["data"]["id"] for e in edges]
assert len(ids) == len(set(ids)), "ids not unique across nodes and edges"
node_ids = {n["data"]["id"] for n in nodes}
assert all(e["data"]["source"] in node_ids and e["data"]["target"] in node_ids for e in edges)
assert all("x" in n["position"] for n in nodes)
result["cytoscape"] = {
    "nodes": {n["data"]["id"]: n["data"]["label"] for n in nodes},
    "edges": sorted_edges([e["data"]["source"], e["data"]["target"], e["data"]["predicate"], e["data"]["negated"]] for e in edges),
    "checks": ["ids unique across nodes and edges", "edges reference existing nodes"],
}

# --- D3 node-link: networkx's own reader of that form. ----------------------------------
doc = json.load(open(path("graph.d3.json"), encoding="utf-8"))
node_ids = {n["id"] for n in doc["nodes"]}
assert all(l["source"] in node_ids and l["target"] in node_ids for l in doc["links"])
g = nx.node_link_graph(doc, edges="links")
result["d3"] = {
    "nodes": {n: d["label"] for n, d in g.nodes(data=True)},
    "edges": sorted_edges([u, v, d["predicate"], d["negated"]] for u, v, d in g.edges(data=True)),
    "checks": ["networkx.node_link_graph", "links reference existing nodes"],
}

# --- Neo4j: the import headers, the rows, and the Cypher script. ------------------------
with open(path("neo4j/nodes.csv"), newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
header = rows[0]
assert header[0].endswith(":ID") and ":LABEL" in header, header
typed = [h for h in header if ":" in h and not h.startswith(":")]
assert all(re.fullmatch(r"\w+:(ID|int|long|double|float|boolean|string|date|string\[\])", h) for h in typed), typed
neo_nodes = {r[0]: r[1] for r in rows[1:]}
labels = [r[header.index(":LABEL")] for r in rows[1:]]
assert all(l.split(";")[0] == "Entity" for l in labels), labels
with open(path("neo4j/relationships.csv"), newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
header = rows[0]
assert header[:3] == [":START_ID", ":END_ID", ":TYPE"], header
assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", r[2]) for r in rows[1:])
assert all(r[0] in neo_nodes and r[1] in neo_nodes for r in rows[1:])
p, ng = header.index("predicate"), header.index("negated:boolean")
result["neo4j"] = {
    "nodes": neo_nodes,
    "edges": sorted_edges([r[0], r[1], r[p], r[ng] == "true"] for r in rows[1:]),
    "checks": ["neo4j-admin headers (:ID, :LABEL, :START_ID, :END_ID, :TYPE, typed columns)", "relationships reference nodes"],
}

LIT = r"'((?:[^'\\]|\\.)*)'"


def cypher_string(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


script = open(path("neo4j/import.cypher"), encoding="utf-8").read()
c_nodes, c_edges = {}, []
for line in script.splitlines():
    m = re.match(r"MERGE \(n:Entity \{id: " + LIT + r"\}\).* SET n \+= \{name: " + LIT, line)
    if m:
        c_nodes[cypher_string(m.group(1))] = cypher_string(m.group(2))
    m = re.match(r"MATCH \(a:Entity \{id: " + LIT + r"\}\), \(b:Entity \{id: " + LIT + r"\}\) MERGE \(a\)-\[r:`\w+` \{predicate: " + LIT + r", negated: (true|false)\}\]", line)
    if m:
        c_edges.append([cypher_string(m.group(1)), cypher_string(m.group(2)), cypher_string(m.group(3)), m.group(4) == "true"])
result["cypher"] = {"nodes": c_nodes, "edges": sorted_edges(c_edges), "checks": ["MERGE statements parsed"]}

# --- Mermaid: ids are generated, so labels are compared. --------------------------------
CODES = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}


def mermaid_label(s):
    s = s.replace("<br>", "\n")
    return re.sub(r"#(\w+);", lambda m: chr(int(m.group(1))) if m.group(1).isdigit() else CODES[m.group(1)], s)


text = open(path("graph.mmd"), encoding="utf-8").read()
lines = text.splitlines()
assert any(l.startswith("flowchart") for l in lines)
m_nodes, m_edges = {}, []
for line in lines:
    m = re.fullmatch(r'\s*n(\d+)\["([^"]*)"\]:::\w+', line)
    if m:
        m_nodes[m.group(1)] = mermaid_label(m.group(2))
    m = re.fullmatch(r'\s*n(\d+) (-->|-\.->)\|"([^"]*)"\| n(\d+)', line)
    if m:
        m_edges.append((m.group(1), m.group(4), mermaid_label(m.group(3))))
result["mermaid"] = {
    "nodes": {l: l for l in m_nodes.values()},
    "edges": sorted_edges([m_nodes[a], m_nodes[b], t] for a, b, t in m_edges),
    "checks": ["every node and edge line parsed"],
}

# --- SVG: well-formed, node and edge labels read from the text elements. ---------------
svg = ET.parse(path("graph.svg")).getroot()
S = "{http://www.w3.org/2000/svg}"


def text_of(t):
    spans = t.findall(S + "tspan")
    return "\n".join(s.text or "" for s in spans) if spans else (t.text or "")


s_nodes = [text_of(g.find(S + "text")) for g in svg.iter(S + "g") if g.get("class") == "node"]
s_edges = [text_of(t) for g in svg.iter(S + "g") if g.get("class") == "edge-labels" for t in g.findall(S + "text")]
assert svg.find(S + "title") is not None
assert any(g.get("class") == "legend" for g in svg.iter(S + "g"))
circles = [(float(c.get("cx")), float(c.get("cy")), float(c.get("r"))) for g in svg.iter(S + "g") if g.get("class") == "node" for c in g.findall(S + "circle")]
for i, a in enumerate(circles):
    for b in circles[i + 1:]:
        assert ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 >= a[2] + b[2], ("overlapping nodes", a, b)
result["svg"] = {
    "nodes": {l: l for l in s_nodes},
    "edges": sorted(s_edges),
    "checks": ["well-formed XML", "legend", "no overlapping nodes"],
}

json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
