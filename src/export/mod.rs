//! Writers that turn the entity graph into the files analysts' tools open: Graphviz DOT,
//! GraphML (Gephi, Cytoscape, yEd, networkx), GEXF (Gephi), Cytoscape.js JSON, D3
//! node-link JSON, Neo4j import CSVs with a Cypher script, Mermaid, and an SVG picture
//! drawn here, without Graphviz.
//!
//! Every writer takes a [`Drawing`] (the graph, its layout and its styles), so positions
//! and colours agree across formats, and writes to any `io::Write`: the caller chooses
//! files. Text is cleaned once ([`clean`]) and then escaped by each format's own rules;
//! XML is written with quick-xml.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::graph::EntityGraph;
use crate::layout::{self, Placed};

mod dot;
mod gexf;
mod graphml;
mod json;
mod mermaid;
mod neo4j;
pub mod style;
mod svg;
mod xml;

pub use json::cytoscape_value;
pub use neo4j::{write as write_neo4j, IMPORT_COMMAND as NEO4J_IMPORT_COMMAND};

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Dot,
    Graphml,
    Gexf,
    Cytoscape,
    D3,
    Neo4j,
    Mermaid,
    Svg,
}

impl Format {
    /// Every format, in the order `--format all` writes them.
    pub const ALL: [Format; 8] = [
        Format::Dot,
        Format::Graphml,
        Format::Gexf,
        Format::Cytoscape,
        Format::D3,
        Format::Neo4j,
        Format::Mermaid,
        Format::Svg,
    ];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Dot => "dot",
            Format::Graphml => "graphml",
            Format::Gexf => "gexf",
            Format::Cytoscape => "cytoscape",
            Format::D3 => "d3",
            Format::Neo4j => "neo4j",
            Format::Mermaid => "mermaid",
            Format::Svg => "svg",
        }
    }

    /// The format named `name` on the command line.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What the format is for, in one line (the CLI's help).
    pub fn description(self) -> &'static str {
        match self {
            Format::Dot => "Graphviz DOT (render with `dot -Tsvg`)",
            Format::Graphml => "GraphML with typed attributes and yEd graphics (Gephi, Cytoscape, yEd, networkx)",
            Format::Gexf => "GEXF 1.3 with colours, sizes and positions (Gephi)",
            Format::Cytoscape => "Cytoscape.js elements JSON (also Cytoscape desktop: File > Import > Network)",
            Format::D3 => "D3 / networkx node-link JSON",
            Format::Neo4j => "nodes.csv, relationships.csv and import.cypher for Neo4j (needs -o DIR)",
            Format::Mermaid => "a Mermaid flowchart (Markdown, GitHub, GitLab, Notion)",
            Format::Svg => "an SVG picture drawn by newskg itself",
        }
    }

    /// The file name `--format all` gives it (Neo4j's is a folder).
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Dot => "graph.dot",
            Format::Graphml => "graph.graphml",
            Format::Gexf => "graph.gexf",
            Format::Cytoscape => "graph.cytoscape.json",
            Format::D3 => "graph.d3.json",
            Format::Neo4j => "neo4j",
            Format::Mermaid => "graph.mmd",
            Format::Svg => "graph.svg",
        }
    }

    /// Whether the format is several files (written to a folder).
    pub fn is_folder(self) -> bool {
        self == Format::Neo4j
    }
}

/// A graph ready to draw: positions and sizes shared by every format.
pub struct Drawing<'g> {
    pub graph: &'g EntityGraph,
    /// Node centres, by node index, from [`layout::layout`].
    pub positions: Vec<Placed>,
    /// Node radii, by node index.
    pub radii: Vec<f64>,
    /// The box each node and its label take, by node index (what the layout kept apart).
    pub extents: Vec<layout::Extent>,
}

impl<'g> Drawing<'g> {
    /// Lays `graph` out with the default settings.
    pub fn new(graph: &'g EntityGraph) -> Drawing<'g> {
        let radii = style::radii(graph);
        let extents: Vec<layout::Extent> =
            graph.graph.node_weights().zip(&radii).map(|(n, &r)| style::extent(&n.label, r)).collect();
        let positions = layout::layout(graph, &extents, layout::Settings::default());
        Drawing { graph, positions, radii, extents }
    }
}

/// Writes `drawing` in `format` (not Neo4j, which is several files: see [`write_neo4j`]).
pub fn write(format: Format, drawing: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Dot => dot::write(drawing, out),
        Format::Graphml => graphml::write(drawing, out),
        Format::Gexf => gexf::write(drawing, out),
        Format::Cytoscape => json::write_cytoscape(drawing, out),
        Format::D3 => json::write_d3(drawing, out),
        Format::Mermaid => mermaid::write(drawing, out),
        Format::Svg => svg::write(drawing, out),
        Format::Neo4j => Err(io::Error::new(io::ErrorKind::InvalidInput, "neo4j writes three files: use write_neo4j")),
    }
}

/// Makes text safe for every format without losing what a reader sees: line ends become
/// `\n`, and control characters (which XML 1.0 cannot carry, and which make Graphviz
/// write invalid SVG) become U+FFFD, as do the non-characters U+FFFE and U+FFFF.
pub fn clean(s: &str) -> Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t') || c == '\u{FFFE}' || c == '\u{FFFF}';
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    Cow::Owned(s.chars().map(|c| if bad(c) { '\u{FFFD}' } else { c }).collect())
}

/// A number as every format writes it: no exponent, no trailing zeros.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_keeps_text_and_replaces_controls() {
        assert!(matches!(clean("Кремль \"<&>\" 😀"), Cow::Borrowed(_)));
        assert_eq!(clean("a\r\nb\rc\u{1}d\u{7f}\u{FFFF}"), "a\nb\nc\u{FFFD}d\u{FFFD}\u{FFFD}");
        assert_eq!(clean("tab\tnew\nline"), "tab\tnew\nline");
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.75), "0.75");
        assert_eq!(number(-6.5), "-6.5");
        assert_eq!(number(1.0 / 3.0), "0.3333");
    }
}
