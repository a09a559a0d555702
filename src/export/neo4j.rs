//! Neo4j: `nodes.csv` and `relationships.csv` in the header format of
//! `neo4j-admin database import` (`:ID`, `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`,
//! typed columns such as `articles:int`), and `import.cypher`, the same graph as Cypher
//! `MERGE` statements for a running database. Relationship types are the predicates in
//! Neo4j's UPPER_SNAKE_CASE (`HAS_INTEREST_IN`); the entity type is a second label.

use std::io::{self, Write};

use petgraph::visit::EdgeRef;

use super::{clean, number, Drawing};

/// The import command the CSVs are written for (also printed in `import.cypher`).
pub const IMPORT_COMMAND: &str = "neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv --multiline-fields=true neo4j";

const NODE_HEADER: &str = "id:ID,name,type,wikidata,iso3166,articles:int,members:string[],x:double,y:double,:LABEL";
const REL_HEADER: &str = ":START_ID,:END_ID,:TYPE,predicate,relation,cameo,quadClass,goldstein:double,assertions:int,articles:int,confidence:double,firstDate:date,lastDate:date,evidence,evidenceArticle,evidenceTitle,negated:boolean";

/// A CSV field, always quoted (quotes doubled); line breaks stay inside the quotes, which
/// the importer reads with `--multiline-fields=true`.
fn field(s: &str) -> String {
    format!("\"{}\"", clean(s).replace('"', "\"\""))
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(field).unwrap_or_default()
}

/// `hasInterestIn` → `HAS_INTEREST_IN`.
pub(super) fn relationship_type(predicate: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in predicate.chars() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    if out.is_empty() {
        "RELATES_TO".into()
    } else {
        out
    }
}

/// A Cypher string literal.
fn cypher(s: &str) -> String {
    let s = clean(s);
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A label or type name for Cypher, in backticks.
fn name(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

/// Writes the three files' contents.
pub fn write(
    d: &Drawing<'_>,
    nodes: &mut dyn Write,
    relationships: &mut dyn Write,
    script: &mut dyn Write,
) -> io::Result<()> {
    let g = &d.graph.graph;
    writeln!(nodes, "{NODE_HEADER}")?;
    for i in g.node_indices() {
        let n = &g[i];
        let p = d.positions[i.index()];
        let label = if n.kind.is_empty() { "Entity".to_string() } else { format!("Entity;{}", n.kind) };
        writeln!(
            nodes,
            "{},{},{},{},{},{},{},{},{},{}",
            field(&n.id),
            field(&n.label),
            field(&n.kind),
            opt(&n.wikidata),
            opt(&n.iso3166),
            n.articles,
            if n.members.is_empty() { String::new() } else { field(&n.members.join(";")) },
            number(p.x),
            number(p.y),
            label
        )?;
    }
    writeln!(relationships, "{REL_HEADER}")?;
    for e in g.edge_references() {
        let w = e.weight();
        writeln!(
            relationships,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            field(&g[e.source()].id),
            field(&g[e.target()].id),
            relationship_type(&w.predicate),
            field(&w.predicate),
            field(&w.label),
            opt(&w.cameo),
            opt(&w.quad_class),
            w.goldstein.map(number).unwrap_or_default(),
            w.assertions,
            w.articles,
            number(w.confidence),
            w.first_date.as_deref().unwrap_or(""),
            w.last_date.as_deref().unwrap_or(""),
            field(&w.evidence),
            field(&w.evidence_article),
            opt(&w.evidence_title),
            w.negated
        )?;
    }

    writeln!(script, "// newskg entity graph: {} entities, {} relations.", g.node_count(), g.edge_count())?;
    writeln!(script, "// Run with: cypher-shell -f import.cypher (idempotent: MERGE on ids).")?;
    writeln!(script, "// Or import the CSVs into an empty database: {IMPORT_COMMAND}")?;
    writeln!(script, "CREATE CONSTRAINT newskg_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;")?;
    for i in g.node_indices() {
        let n = &g[i];
        let p = d.positions[i.index()];
        let mut props = vec![
            format!("name: {}", cypher(&n.label)),
            format!("type: {}", cypher(&n.kind)),
            format!("articles: {}", n.articles),
            format!("x: {}", number(p.x)),
            format!("y: {}", number(p.y)),
        ];
        if let Some(w) = &n.wikidata {
            props.push(format!("wikidata: {}", cypher(w)));
        }
        if let Some(c) = &n.iso3166 {
            props.push(format!("iso3166: {}", cypher(c)));
        }
        if !n.members.is_empty() {
            let list: Vec<String> = n.members.iter().map(|m| cypher(m)).collect();
            props.push(format!("members: [{}]", list.join(", ")));
        }
        let extra = if n.kind.is_empty() { String::new() } else { format!(" SET n:{}", name(&n.kind)) };
        writeln!(script, "MERGE (n:Entity {{id: {}}}){extra} SET n += {{{}}};", cypher(&n.id), props.join(", "))?;
    }
    for e in g.edge_references() {
        let w = e.weight();
        let mut props = vec![
            format!("relation: {}", cypher(&w.label)),
            format!("assertions: {}", w.assertions),
            format!("articles: {}", w.articles),
            format!("confidence: {}", number(w.confidence)),
            format!("evidence: {}", cypher(&w.evidence)),
            format!("evidenceArticle: {}", cypher(&w.evidence_article)),
        ];
        for (k, v) in [("cameo", &w.cameo), ("quadClass", &w.quad_class), ("evidenceTitle", &w.evidence_title)] {
            if let Some(v) = v {
                props.push(format!("{k}: {}", cypher(v)));
            }
        }
        if let Some(v) = w.goldstein {
            props.push(format!("goldstein: {}", number(v)));
        }
        for (k, v) in [("firstDate", &w.first_date), ("lastDate", &w.last_date)] {
            if let Some(v) = v {
                props.push(format!("{k}: date({})", cypher(v)));
            }
        }
        writeln!(
            script,
            "MATCH (a:Entity {{id: {}}}), (b:Entity {{id: {}}}) MERGE (a)-[r:{} {{predicate: {}, negated: {}}}]->(b) SET r += {{{}}};",
            cypher(&g[e.source()].id),
            cypher(&g[e.target()].id),
            name(&relationship_type(&w.predicate)),
            cypher(&w.predicate),
            w.negated,
            props.join(", ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_literals() {
        assert_eq!(relationship_type("hasInterestIn"), "HAS_INTEREST_IN");
        assert_eq!(relationship_type("recognizes"), "RECOGNIZES");
        assert_eq!(relationship_type("http://x.org/p#a-b"), "HTTP_X_ORG_P_A_B");
        assert_eq!(cypher("it's a \\ \"test\"\n"), r#"'it\'s a \\ "test"\n'"#);
        assert_eq!(field("say \"no\"\nthen"), "\"say \"\"no\"\"\nthen\"");
    }
}
