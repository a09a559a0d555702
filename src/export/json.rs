//! The JSON formats: Cytoscape.js elements (also imported by Cytoscape desktop) and D3's
//! node-link form (the one networkx's `node_link_graph` reads). Node ids are entity ids;
//! edge ids are chosen so that no edge id equals a node id, as Cytoscape.js requires.

use std::collections::HashSet;
use std::io::{self, Write};

use petgraph::visit::EdgeRef;
use serde_json::{json, Map, Value};

use super::{clean, style, Drawing};

fn text(s: &str) -> Value {
    Value::String(clean(s).into_owned())
}

fn node_data(d: &Drawing<'_>, i: petgraph::graph::NodeIndex) -> Map<String, Value> {
    let n = &d.graph.graph[i];
    let mut m = Map::new();
    m.insert("id".into(), text(&n.id));
    m.insert("label".into(), text(&n.label));
    m.insert("name".into(), text(&n.label));
    m.insert("type".into(), text(&n.kind));
    if let Some(w) = &n.wikidata {
        m.insert("wikidata".into(), text(w));
    }
    if let Some(c) = &n.iso3166 {
        m.insert("iso3166".into(), text(c));
    }
    m.insert("articles".into(), json!(n.articles));
    if !n.members.is_empty() {
        m.insert("members".into(), Value::Array(n.members.iter().map(|s| text(s)).collect()));
    }
    m.insert("color".into(), json!(style::node_color(&n.kind)));
    m.insert("size".into(), json!(2.0 * d.radii[i.index()]));
    m
}

fn edge_data(d: &Drawing<'_>, e: petgraph::graph::EdgeReference<'_, crate::graph::Edge>) -> Map<String, Value> {
    let g = &d.graph.graph;
    let w = e.weight();
    let mut m = Map::new();
    m.insert("source".into(), text(&g[e.source()].id));
    m.insert("target".into(), text(&g[e.target()].id));
    m.insert("label".into(), text(&w.predicate));
    m.insert("predicate".into(), text(&w.predicate));
    m.insert("interaction".into(), text(&w.predicate));
    m.insert("relation".into(), text(&w.label));
    for (k, v) in
        [("cameo", &w.cameo), ("quad_class", &w.quad_class), ("first_date", &w.first_date), ("last_date", &w.last_date)]
    {
        if let Some(v) = v {
            m.insert(k.into(), text(v));
        }
    }
    if let Some(v) = w.goldstein {
        m.insert("goldstein".into(), json!(v));
    }
    m.insert("assertions".into(), json!(w.assertions));
    m.insert("articles".into(), json!(w.articles));
    m.insert("confidence".into(), json!(w.confidence));
    m.insert("evidence".into(), text(&w.evidence));
    m.insert("evidence_article".into(), text(&w.evidence_article));
    if let Some(t) = &w.evidence_title {
        m.insert("evidence_title".into(), text(t));
    }
    m.insert("negated".into(), json!(w.negated));
    m.insert("color".into(), json!(style::edge_color(w.quad_class.as_deref())));
    m
}

/// A prefix `p` such that no node id is `p` followed by digits.
fn edge_prefix(d: &Drawing<'_>) -> String {
    let ids: HashSet<&str> = d.graph.graph.node_weights().map(|n| n.id.as_str()).collect();
    let mut prefix = String::from("e");
    while ids
        .iter()
        .any(|id| id.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit())))
    {
        prefix.insert(0, '_');
    }
    prefix
}

/// The Cytoscape.js elements document, also what the explorer draws.
pub fn cytoscape_value(d: &Drawing<'_>) -> Value {
    let g = &d.graph.graph;
    let nodes: Vec<Value> = g
        .node_indices()
        .map(|i| {
            let p = d.positions[i.index()];
            json!({"data": node_data(d, i), "position": {"x": p.x, "y": p.y}})
        })
        .collect();
    let prefix = edge_prefix(d);
    let edges: Vec<Value> = g
        .edge_references()
        .enumerate()
        .map(|(k, e)| {
            let mut data = edge_data(d, e);
            data.insert("id".into(), json!(format!("{prefix}{k}")));
            json!({ "data": data })
        })
        .collect();
    json!({
        "format_version": "1.0",
        "generated_by": "newskg",
        "data": {"name": "newskg"},
        "elements": {"nodes": nodes, "edges": edges}
    })
}

pub(super) fn write_cytoscape(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &cytoscape_value(d))?;
    writeln!(out)
}

pub(super) fn write_d3(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    let g = &d.graph.graph;
    let nodes: Vec<Value> = g
        .node_indices()
        .map(|i| {
            let mut m = node_data(d, i);
            let p = d.positions[i.index()];
            m.insert("x".into(), json!(p.x));
            m.insert("y".into(), json!(p.y));
            Value::Object(m)
        })
        .collect();
    let links: Vec<Value> = g
        .edge_references()
        .enumerate()
        .map(|(k, e)| {
            let mut m = edge_data(d, e);
            m.insert("key".into(), json!(k));
            Value::Object(m)
        })
        .collect();
    let doc = json!({
        "directed": true,
        "multigraph": true,
        "graph": {"name": "newskg"},
        "nodes": nodes,
        "links": links
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
