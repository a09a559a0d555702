//! SPARQL 1.1 queries over the store: SELECT, ASK, CONSTRUCT and DESCRIBE, results in
//! the W3C formats or as an aligned table with prefixed names for people to read. The
//! default graph is the union of all graphs unless the query names its own dataset.

use std::fmt;
use std::io::Write;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};

use crate::store::KgStore;

/// How to print results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultFormat {
    Table,
    Csv,
    Tsv,
    Json,
    Xml,
}

/// Why a query failed.
#[derive(Debug)]
pub enum QueryError {
    /// The query does not parse; the message gives line and column.
    Syntax(String),
    /// The query parsed but could not be evaluated.
    Evaluation(String),
    /// Writing the results failed.
    Output(std::io::Error),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Syntax(m) => write!(f, "the query does not parse: {m}"),
            QueryError::Evaluation(m) => write!(f, "the query failed: {m}"),
            QueryError::Output(e) => write!(f, "cannot write the results: {e}"),
        }
    }
}

impl std::error::Error for QueryError {}

impl From<std::io::Error> for QueryError {
    fn from(e: std::io::Error) -> QueryError {
        QueryError::Output(e)
    }
}

/// Runs `query` on `store` and writes the results to `out`.
pub fn run(store: &KgStore, query: &str, format: ResultFormat, out: &mut dyn Write) -> Result<(), QueryError> {
    let prefixes = store.namespace().prefixes();
    let mut evaluator = SparqlEvaluator::new();
    for (p, iri) in &prefixes {
        evaluator = evaluator.with_prefix(*p, iri.as_str()).map_err(|e| QueryError::Evaluation(e.to_string()))?;
    }
    let mut prepared = evaluator.parse_query(query).map_err(|e| QueryError::Syntax(e.to_string()))?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let results = prepared.on_store(store.inner()).execute().map_err(|e| QueryError::Evaluation(e.to_string()))?;
    match results {
        QueryResults::Solutions(solutions) => {
            let vars = solutions.variables().to_vec();
            if format == ResultFormat::Table {
                let mut rows: Vec<Vec<String>> = Vec::new();
                for s in solutions {
                    let s = s.map_err(|e| QueryError::Evaluation(e.to_string()))?;
                    rows.push(vars.iter().map(|v| s.get(v).map(|t| show(t, &prefixes)).unwrap_or_default()).collect());
                }
                let header: Vec<String> = vars.iter().map(|v| v.as_str().to_string()).collect();
                write_table(out, &header, &rows)?;
            } else {
                let mut ser = QueryResultsSerializer::from_format(results_format(format))
                    .serialize_solutions_to_writer(&mut *out, vars)?;
                for s in solutions {
                    let s = s.map_err(|e| QueryError::Evaluation(e.to_string()))?;
                    ser.serialize(s.iter().map(|(v, t)| (v.as_ref(), t.as_ref())))?;
                }
                ser.finish()?;
            }
        }
        QueryResults::Boolean(b) => {
            if format == ResultFormat::Table {
                writeln!(out, "{b}")?;
            } else {
                QueryResultsSerializer::from_format(results_format(format))
                    .serialize_boolean_to_writer(&mut *out, b)?;
            }
        }
        QueryResults::Graph(triples) => {
            let mut ser = RdfSerializer::from_format(RdfFormat::Turtle);
            for (p, iri) in &prefixes {
                ser = ser.with_prefix(*p, iri.as_str()).map_err(|e| QueryError::Evaluation(e.to_string()))?;
            }
            let mut w = ser.for_writer(&mut *out);
            for t in triples {
                let t = t.map_err(|e| QueryError::Evaluation(e.to_string()))?;
                w.serialize_triple(t.as_ref())?;
            }
            w.finish()?;
        }
    }
    Ok(())
}

fn results_format(f: ResultFormat) -> QueryResultsFormat {
    match f {
        ResultFormat::Csv => QueryResultsFormat::Csv,
        ResultFormat::Tsv => QueryResultsFormat::Tsv,
        ResultFormat::Xml => QueryResultsFormat::Xml,
        ResultFormat::Json | ResultFormat::Table => QueryResultsFormat::Json,
    }
}

/// A term for people: IRIs as prefixed names where a prefix fits, literals as their text.
fn show(t: &Term, prefixes: &[(&str, String)]) -> String {
    match t {
        Term::NamedNode(n) => {
            let s = n.as_str();
            for (p, iri) in prefixes {
                if let Some(local) = s.strip_prefix(iri.as_str()) {
                    if !local.is_empty() && local.chars().all(|c| c.is_alphanumeric() || "-_.%".contains(c)) {
                        return format!("{p}:{local}");
                    }
                }
            }
            format!("<{s}>")
        }
        Term::Literal(l) => l.value().to_string(),
        other => other.to_string(),
    }
}

fn write_table(out: &mut dyn Write, header: &[String], rows: &[Vec<String>]) -> std::io::Result<()> {
    let width =
        |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: &[String]| -> String {
        let cells: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
        cells.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header))?;
    writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "))?;
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    writeln!(out, "({} row{})", rows.len(), if rows.len() == 1 { "" } else { "s" })
}
