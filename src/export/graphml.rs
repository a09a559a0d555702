//! GraphML for Gephi, Cytoscape, yEd and networkx: every attribute declared once with its
//! type (node and edge keys have distinct ids, `n_…` and `e_…`), plus yEd's graphics keys
//! so yEd shows labels, colours and the layout.

use std::io::{self, Write};

use petgraph::visit::EdgeRef;

use super::style;
use super::xml::Xml;
use super::{number, Drawing};

const NODE_KEYS: [(&str, &str, &str); 10] = [
    ("n_label", "label", "string"),
    ("n_type", "type", "string"),
    ("n_wikidata", "wikidata", "string"),
    ("n_iso3166", "iso3166", "string"),
    ("n_articles", "articles", "int"),
    ("n_members", "members", "string"),
    ("n_x", "x", "double"),
    ("n_y", "y", "double"),
    ("n_size", "size", "double"),
    ("n_color", "color", "string"),
];

const EDGE_KEYS: [(&str, &str, &str); 16] = [
    ("e_label", "label", "string"),
    ("e_predicate", "predicate", "string"),
    ("e_relation", "relation", "string"),
    ("e_cameo", "cameo", "string"),
    ("e_quad_class", "quad_class", "string"),
    ("e_goldstein", "goldstein", "double"),
    ("e_assertions", "assertions", "int"),
    ("e_articles", "articles", "int"),
    ("e_confidence", "confidence", "double"),
    ("e_first_date", "first_date", "string"),
    ("e_last_date", "last_date", "string"),
    ("e_evidence", "evidence", "string"),
    ("e_evidence_article", "evidence_article", "string"),
    ("e_evidence_title", "evidence_title", "string"),
    ("e_negated", "negated", "boolean"),
    ("e_color", "color", "string"),
];

pub(super) fn write(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    let g = &d.graph.graph;
    let mut x = Xml::new(out)?;
    x.start(
        "graphml",
        &[
            ("xmlns", "http://graphml.graphdrawing.org/xmlns"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xmlns:y", "http://www.yworks.com/xml/graphml"),
            (
                "xsi:schemaLocation",
                "http://graphml.graphdrawing.org/xmlns http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd",
            ),
        ],
    )?;
    x.comment("Written by newskg: entities and the relations news articles state between them")?;
    x.empty("key", &[("id", "n_graphics"), ("for", "node"), ("yfiles.type", "nodegraphics")])?;
    x.empty("key", &[("id", "e_graphics"), ("for", "edge"), ("yfiles.type", "edgegraphics")])?;
    for (id, name, ty) in NODE_KEYS {
        x.empty("key", &[("id", id), ("for", "node"), ("attr.name", name), ("attr.type", ty)])?;
    }
    for (id, name, ty) in EDGE_KEYS {
        x.empty("key", &[("id", id), ("for", "edge"), ("attr.name", name), ("attr.type", ty)])?;
    }
    x.start("graph", &[("id", "newskg"), ("edgedefault", "directed")])?;
    for i in g.node_indices() {
        let n = &g[i];
        let (p, r) = (d.positions[i.index()], d.radii[i.index()]);
        let color = style::node_color(&n.kind);
        x.start("node", &[("id", &n.id)])?;
        // yEd's graphics first: networkx reads them into x, y and label, and the typed
        // values below then take precedence.
        x.start("data", &[("key", "n_graphics")])?;
        x.start("y:ShapeNode", &[])?;
        let (gx, gy, size) = (number(p.x - r), number(p.y - r), number(2.0 * r));
        x.empty("y:Geometry", &[("x", &gx), ("y", &gy), ("width", &size), ("height", &size)])?;
        x.empty("y:Fill", &[("color", color), ("transparent", "false")])?;
        x.leaf("y:NodeLabel", &[("modelName", "sandwich"), ("modelPosition", "s")], &n.label)?;
        x.empty("y:Shape", &[("type", if n.kind == "Country" { "roundrectangle" } else { "ellipse" })])?;
        x.end("y:ShapeNode")?;
        x.end("data")?;
        x.leaf("data", &[("key", "n_label")], &n.label)?;
        x.leaf("data", &[("key", "n_type")], &n.kind)?;
        if let Some(w) = &n.wikidata {
            x.leaf("data", &[("key", "n_wikidata")], w)?;
        }
        if let Some(c) = &n.iso3166 {
            x.leaf("data", &[("key", "n_iso3166")], c)?;
        }
        x.leaf("data", &[("key", "n_articles")], &n.articles.to_string())?;
        if !n.members.is_empty() {
            x.leaf("data", &[("key", "n_members")], &n.members.join(" "))?;
        }
        x.leaf("data", &[("key", "n_x")], &number(p.x))?;
        x.leaf("data", &[("key", "n_y")], &number(p.y))?;
        x.leaf("data", &[("key", "n_size")], &number(2.0 * r))?;
        x.leaf("data", &[("key", "n_color")], color)?;
        x.end("node")?;
    }
    for (k, e) in g.edge_references().enumerate() {
        let w = e.weight();
        let color = style::edge_color(w.quad_class.as_deref());
        let id = format!("e{k}");
        x.start("edge", &[("id", &id), ("source", &g[e.source()].id), ("target", &g[e.target()].id)])?;
        x.start("data", &[("key", "e_graphics")])?;
        x.start("y:PolyLineEdge", &[])?;
        x.empty(
            "y:LineStyle",
            &[("color", color), ("type", if w.negated { "dashed" } else { "line" }), ("width", "2.0")],
        )?;
        x.empty("y:Arrows", &[("source", "none"), ("target", "standard")])?;
        x.leaf("y:EdgeLabel", &[], &w.predicate)?;
        x.end("y:PolyLineEdge")?;
        x.end("data")?;
        x.leaf("data", &[("key", "e_label")], &w.predicate)?;
        x.leaf("data", &[("key", "e_predicate")], &w.predicate)?;
        x.leaf("data", &[("key", "e_relation")], &w.label)?;
        if let Some(c) = &w.cameo {
            x.leaf("data", &[("key", "e_cameo")], c)?;
        }
        if let Some(q) = &w.quad_class {
            x.leaf("data", &[("key", "e_quad_class")], q)?;
        }
        if let Some(v) = w.goldstein {
            x.leaf("data", &[("key", "e_goldstein")], &number(v))?;
        }
        x.leaf("data", &[("key", "e_assertions")], &w.assertions.to_string())?;
        x.leaf("data", &[("key", "e_articles")], &w.articles.to_string())?;
        x.leaf("data", &[("key", "e_confidence")], &number(w.confidence))?;
        if let Some(v) = &w.first_date {
            x.leaf("data", &[("key", "e_first_date")], v)?;
        }
        if let Some(v) = &w.last_date {
            x.leaf("data", &[("key", "e_last_date")], v)?;
        }
        x.leaf("data", &[("key", "e_evidence")], &w.evidence)?;
        x.leaf("data", &[("key", "e_evidence_article")], &w.evidence_article)?;
        if let Some(v) = &w.evidence_title {
            x.leaf("data", &[("key", "e_evidence_title")], v)?;
        }
        x.leaf("data", &[("key", "e_negated")], if w.negated { "true" } else { "false" })?;
        x.leaf("data", &[("key", "e_color")], color)?;
        x.end("edge")?;
    }
    x.end("graph")?;
    x.end("graphml")?;
    x.finish()
}
