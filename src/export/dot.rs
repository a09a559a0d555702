//! Graphviz DOT: shapes and colours by entity type, edge colours by cooperation or
//! conflict, dashed denied relations. Every string is quoted and escaped the Graphviz
//! way (`\\`, `\"`, `\n`), control characters included, so `dot` renders any label.

use std::io::{self, Write};

use petgraph::visit::EdgeRef;

use super::{clean, number, style, Drawing};

/// A DOT double-quoted string. Labels are Graphviz escStrings, so a backslash is doubled
/// and a line break becomes `\n`; other attributes use the same convention.
pub(super) fn quote(s: &str) -> String {
    let s = clean(s);
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn write(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    let g = &d.graph.graph;
    writeln!(out, "// newskg entity graph: {} entities, {} relations", g.node_count(), g.edge_count())?;
    writeln!(out, "// Render with: dot -Tsvg graph.dot > graph.svg")?;
    writeln!(out, "digraph \"newskg\" {{")?;
    writeln!(
        out,
        "  graph [fontname=\"Helvetica,Arial,sans-serif\", overlap=false, splines=true, nodesep=0.5, ranksep=1.0];"
    )?;
    writeln!(out, "  node [fontname=\"Helvetica,Arial,sans-serif\", fontsize=12, style=filled, penwidth=0];")?;
    writeln!(out, "  edge [fontname=\"Helvetica,Arial,sans-serif\", fontsize=10, penwidth=1.5];")?;
    for n in g.node_weights() {
        write!(
            out,
            "  {} [label={}, shape={}, fillcolor=\"{}\", fontcolor=\"{}\", type={}, articles={}",
            quote(&n.id),
            quote(&n.label),
            style::dot_shape(&n.kind),
            style::node_color(&n.kind),
            style::node_text_color(&n.kind),
            quote(&n.kind),
            n.articles
        )?;
        if let Some(w) = &n.wikidata {
            write!(out, ", wikidata={}", quote(w))?;
        }
        if let Some(c) = &n.iso3166 {
            write!(out, ", iso3166={}", quote(c))?;
        }
        if !n.members.is_empty() {
            write!(out, ", members={}", quote(&n.members.join(" ")))?;
        }
        writeln!(out, "];")?;
    }
    for e in g.edge_references() {
        let w = e.weight();
        let color = style::edge_color(w.quad_class.as_deref());
        let label = if w.negated { format!("not {}", w.label) } else { w.label.clone() };
        write!(
            out,
            "  {} -> {} [label={}, color=\"{color}\", fontcolor=\"{color}\", predicate={}, assertions={}, articles={}, confidence={}, evidence={}, evidence_article={}, negated={}",
            quote(&g[e.source()].id),
            quote(&g[e.target()].id),
            quote(&label),
            quote(&w.predicate),
            w.assertions,
            w.articles,
            number(w.confidence),
            quote(&w.evidence),
            quote(&w.evidence_article),
            w.negated
        )?;
        if w.negated {
            write!(out, ", style=dashed")?;
        }
        if let Some(c) = &w.cameo {
            write!(out, ", cameo={}", quote(c))?;
        }
        if let Some(q) = &w.quad_class {
            write!(out, ", quad_class={}", quote(q))?;
        }
        if let Some(v) = w.goldstein {
            write!(out, ", goldstein={}", number(v))?;
        }
        for (k, v) in [("first_date", &w.first_date), ("last_date", &w.last_date)] {
            if let Some(v) = v {
                write!(out, ", {k}={}", quote(v))?;
            }
        }
        writeln!(out, "];")?;
    }
    writeln!(out, "}}")
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_escapes_what_graphviz_reads() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quote("line\nnext\u{7}"), "\"line\\nnext\u{FFFD}\"");
        assert_eq!(quote("ends with \\"), "\"ends with \\\\\"");
    }
}
