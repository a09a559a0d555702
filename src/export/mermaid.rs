//! Mermaid flowcharts. Node ids are generated (`n0`, `n1`…) because Mermaid ids cannot
//! hold arbitrary text; labels are quoted, and every character Mermaid or the HTML it
//! renders would read as syntax is written as a Mermaid entity code (`#quot;`, `#lt;`…).

use std::collections::BTreeSet;
use std::io::{self, Write};

use petgraph::visit::EdgeRef;

use super::{clean, style, Drawing};

/// A quoted Mermaid label. Line breaks become `<br>`; a literal `<br>` in the text is
/// written as entity codes, so the two never mix.
pub(super) fn label(s: &str) -> String {
    let s = clean(s);
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A class name for an entity type (letters only).
fn class(kind: &str) -> String {
    let c: String = kind.chars().filter(char::is_ascii_alphanumeric).collect();
    if c.is_empty() {
        "Other".into()
    } else {
        c
    }
}

pub(super) fn write(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    let g = &d.graph.graph;
    writeln!(out, "%% newskg entity graph: {} entities, {} relations", g.node_count(), g.edge_count())?;
    writeln!(out, "flowchart LR")?;
    let mut kinds = BTreeSet::new();
    for i in g.node_indices() {
        let n = &g[i];
        kinds.insert(n.kind.clone());
        writeln!(out, "  n{}[{}]:::{}", i.index(), label(&n.label), class(&n.kind))?;
    }
    for (k, e) in g.edge_references().enumerate() {
        let w = e.weight();
        let (arrow, text) = if w.negated { ("-.->", format!("not {}", w.label)) } else { ("-->", w.label.clone()) };
        writeln!(out, "  n{} {arrow}|{}| n{}", e.source().index(), label(&text), e.target().index())?;
        writeln!(out, "  linkStyle {k} stroke:{}", style::edge_color(w.quad_class.as_deref()))?;
    }
    for kind in kinds {
        writeln!(
            out,
            "  classDef {} fill:{},color:{},stroke:#ffffff",
            class(&kind),
            style::node_color(&kind),
            style::node_text_color(&kind)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_are_quoted_and_coded() {
        assert_eq!(label(r#"say "hi" <b>&#1;|`"#), "\"say #quot;hi#quot; #lt;b#gt;#amp;#35;1;#124;#96;\"");
        assert_eq!(label("two\nlines"), "\"two<br>lines\"");
    }
}
