//! GEXF 1.3 for Gephi: attributes declared before their values, and viz colours, sizes
//! and positions so Gephi opens the graph already laid out. Gephi's y axis points up, so
//! y is the layout's y negated.

use std::io::{self, Write};

use petgraph::visit::EdgeRef;

use super::style;
use super::xml::Xml;
use super::{number, Drawing};

const NODE_ATTRIBUTES: [(&str, &str); 5] =
    [("type", "string"), ("wikidata", "string"), ("iso3166", "string"), ("articles", "integer"), ("members", "string")];

const EDGE_ATTRIBUTES: [(&str, &str); 13] = [
    ("predicate", "string"),
    ("relation", "string"),
    ("cameo", "string"),
    ("quad_class", "string"),
    ("goldstein", "double"),
    ("assertions", "integer"),
    ("articles", "integer"),
    ("confidence", "double"),
    ("first_date", "string"),
    ("last_date", "string"),
    ("evidence", "string"),
    ("evidence_article", "string"),
    ("negated", "boolean"),
];

pub(super) fn write(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    let g = &d.graph.graph;
    let mut x = Xml::new(out)?;
    x.start(
        "gexf",
        &[
            ("xmlns", "http://gexf.net/1.3"),
            ("xmlns:viz", "http://gexf.net/1.3/viz"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xsi:schemaLocation", "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd"),
            ("version", "1.3"),
        ],
    )?;
    x.start("meta", &[])?;
    x.leaf("creator", &[], "newskg")?;
    x.leaf("description", &[], "Entities and the relations news articles state between them")?;
    x.end("meta")?;
    x.start("graph", &[("defaultedgetype", "directed"), ("mode", "static")])?;
    x.start("attributes", &[("class", "node")])?;
    for (name, ty) in NODE_ATTRIBUTES {
        x.empty("attribute", &[("id", name), ("title", name), ("type", ty)])?;
    }
    x.end("attributes")?;
    x.start("attributes", &[("class", "edge")])?;
    for (name, ty) in EDGE_ATTRIBUTES {
        x.empty("attribute", &[("id", name), ("title", name), ("type", ty)])?;
    }
    x.end("attributes")?;

    x.start("nodes", &[])?;
    for i in g.node_indices() {
        let n = &g[i];
        let (p, r) = (d.positions[i.index()], d.radii[i.index()]);
        x.start("node", &[("id", &n.id), ("label", &n.label)])?;
        x.start("attvalues", &[])?;
        let articles = n.articles.to_string();
        let members = n.members.join(" ");
        let values = [
            ("type", Some(n.kind.as_str())),
            ("wikidata", n.wikidata.as_deref()),
            ("iso3166", n.iso3166.as_deref()),
            ("articles", Some(articles.as_str())),
            ("members", (!members.is_empty()).then_some(members.as_str())),
        ];
        for (name, v) in values {
            if let Some(v) = v {
                x.empty("attvalue", &[("for", name), ("value", v)])?;
            }
        }
        x.end("attvalues")?;
        let (cr, cg, cb) = style::rgb(style::node_color(&n.kind));
        x.empty("viz:color", &[("r", &cr.to_string()), ("g", &cg.to_string()), ("b", &cb.to_string())])?;
        x.empty("viz:position", &[("x", &number(p.x)), ("y", &number(-p.y)), ("z", "0")])?;
        x.empty("viz:size", &[("value", &number(r))])?;
        x.end("node")?;
    }
    x.end("nodes")?;

    x.start("edges", &[])?;
    for (k, e) in g.edge_references().enumerate() {
        let w = e.weight();
        let id = k.to_string();
        let weight = w.assertions.to_string();
        x.start(
            "edge",
            &[
                ("id", &id),
                ("source", &g[e.source()].id),
                ("target", &g[e.target()].id),
                ("label", &w.predicate),
                ("weight", &weight),
            ],
        )?;
        x.start("attvalues", &[])?;
        let (goldstein, confidence) = (w.goldstein.map(number), number(w.confidence));
        let (assertions, articles) = (w.assertions.to_string(), w.articles.to_string());
        let values = [
            ("predicate", Some(w.predicate.as_str())),
            ("relation", Some(w.label.as_str())),
            ("cameo", w.cameo.as_deref()),
            ("quad_class", w.quad_class.as_deref()),
            ("goldstein", goldstein.as_deref()),
            ("assertions", Some(assertions.as_str())),
            ("articles", Some(articles.as_str())),
            ("confidence", Some(confidence.as_str())),
            ("first_date", w.first_date.as_deref()),
            ("last_date", w.last_date.as_deref()),
            ("evidence", Some(w.evidence.as_str())),
            ("evidence_article", Some(w.evidence_article.as_str())),
            ("negated", Some(if w.negated { "true" } else { "false" })),
        ];
        for (name, v) in values {
            if let Some(v) = v {
                x.empty("attvalue", &[("for", name), ("value", v)])?;
            }
        }
        x.end("attvalues")?;
        let (cr, cg, cb) = style::rgb(style::edge_color(w.quad_class.as_deref()));
        x.empty("viz:color", &[("r", &cr.to_string()), ("g", &cg.to_string()), ("b", &cb.to_string())])?;
        x.empty("viz:shape", &[("value", if w.negated { "dashed" } else { "solid" })])?;
        x.end("edge")?;
    }
    x.end("edges")?;
    x.end("graph")?;
    x.end("gexf")?;
    x.finish()
}
