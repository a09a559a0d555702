//! SPARQL 1.1 queries over the store: SELECT, ASK, CONSTRUCT and DESCRIBE, results in
//! the W3C formats or as an aligned table with prefixed names for people to read. The
//! default graph is the union of all graphs unless the query names its own dataset.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::{NamedNode, Term};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
pub use oxigraph::sparql::CancellationToken;
use oxigraph::sparql::{
    DefaultServiceHandler, PreparedSparqlQuery, QueryEvaluationError, QueryResults, QuerySolutionIter, SparqlEvaluator,
};

use crate::store::KgStore;

/// How to write results: a table or a W3C results format for SELECT and ASK, an RDF
/// syntax for CONSTRUCT and DESCRIBE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultFormat {
    Table,
    Csv,
    Tsv,
    Json,
    Xml,
    Turtle,
    NTriples,
    JsonLd,
    RdfXml,
}

impl ResultFormat {
    /// Whether the format writes graphs (CONSTRUCT, DESCRIBE) rather than solutions.
    pub fn is_graph(self) -> bool {
        matches!(self, ResultFormat::Turtle | ResultFormat::NTriples | ResultFormat::JsonLd | ResultFormat::RdfXml)
    }

    /// The media type of the format.
    pub fn media_type(self) -> &'static str {
        match self {
            ResultFormat::Table => "text/plain; charset=utf-8",
            ResultFormat::Csv => "text/csv; charset=utf-8",
            ResultFormat::Tsv => "text/tab-separated-values; charset=utf-8",
            ResultFormat::Json => "application/sparql-results+json",
            ResultFormat::Xml => "application/sparql-results+xml",
            ResultFormat::Turtle => "text/turtle; charset=utf-8",
            ResultFormat::NTriples => "application/n-triples",
            ResultFormat::JsonLd => "application/ld+json",
            ResultFormat::RdfXml => "application/rdf+xml",
        }
    }
}

/// The query forms, as far as the output format goes (DESCRIBE answers like CONSTRUCT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Select,
    Ask,
    Construct,
}

/// Why a query failed.
#[derive(Debug)]
pub enum QueryError {
    /// The query does not parse; the message gives line and column.
    Syntax(String),
    /// The query parsed but could not be evaluated.
    Evaluation(String),
    /// The query calls a remote SERVICE (named here), which newskg never does.
    Service(String),
    /// The query asks for something the evaluator does not offer (a custom function).
    Unsupported(String),
    /// The query was cancelled (its time ran out).
    Cancelled,
    /// The results have more rows than allowed.
    TooLarge(usize),
    /// Writing the results failed.
    Output(std::io::Error),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Syntax(m) => write!(f, "the query does not parse: {m}"),
            QueryError::Evaluation(m) => write!(f, "the query failed: {m}"),
            QueryError::Service(s) => write!(
                f,
                "the query calls SERVICE {s}: federated queries are refused, newskg makes no outbound requests"
            ),
            QueryError::Unsupported(m) => write!(f, "the query cannot be run: {m}"),
            QueryError::Cancelled => write!(f, "the query was stopped: it ran out of time"),
            QueryError::TooLarge(n) => {
                write!(f, "the results have more than {n} rows: add a LIMIT or narrow the query")
            }
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

fn evaluation(e: QueryEvaluationError) -> QueryError {
    match e {
        QueryEvaluationError::UnsupportedService(name) => QueryError::Service(name.to_string()),
        QueryEvaluationError::InvalidServiceName(term) => QueryError::Service(term.to_string()),
        QueryEvaluationError::UnboundService => QueryError::Service("with an unbound variable".into()),
        QueryEvaluationError::Service(e) => QueryError::Service(e.to_string()),
        QueryEvaluationError::Cancelled => QueryError::Cancelled,
        e @ (QueryEvaluationError::UnsupportedCustomFunction(_)
        | QueryEvaluationError::UnsupportedCustomFunctionArity { .. }
        | QueryEvaluationError::NotExistingSubstitutedVariable(_)) => QueryError::Unsupported(e.to_string()),
        e => QueryError::Evaluation(e.to_string()),
    }
}

/// A parsed query, ready to run on its store.
pub struct Prepared<'s> {
    store: &'s KgStore,
    query: PreparedSparqlQuery,
    prefixes: Vec<(&'static str, String)>,
    services: NoService,
}

/// The handler of every `SERVICE` call: refuses it and remembers the first service asked
/// for, so that `SERVICE SILENT`, whose failure the standard says to swallow, is refused
/// as well. It replaces oxigraph's HTTP handler, so no query can make a request even in a
/// build with oxigraph's HTTP client.
#[derive(Clone, Default)]
struct NoService(Arc<Mutex<Option<String>>>);

impl NoService {
    fn called(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl DefaultServiceHandler for NoService {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        service_name: &NamedNode,
        _pattern: &spargebra::algebra::GraphPattern,
        _base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(|| service_name.to_string());
        Err(QueryEvaluationError::UnsupportedService(service_name.clone()))
    }
}

/// Limits on one evaluation.
#[derive(Clone, Default)]
pub struct Limits {
    /// Cancelling the token stops the evaluation.
    pub cancel: Option<CancellationToken>,
    /// At most this many solutions or triples.
    pub max_rows: Option<usize>,
}

/// An evaluator with the store's prefixes predeclared and `services` answering `SERVICE`.
fn evaluator(prefixes: &[(&'static str, String)], services: &NoService) -> Result<SparqlEvaluator, QueryError> {
    let mut evaluator = SparqlEvaluator::new().with_default_service_handler(services.clone());
    for (p, iri) in prefixes {
        evaluator = evaluator.with_prefix(*p, iri.as_str()).map_err(|e| QueryError::Evaluation(e.to_string()))?;
    }
    Ok(evaluator)
}

/// Parses `query` for `store` (prefixes predeclared, default graph the union of all graphs
/// unless the query names its dataset). No SERVICE call ever leaves the process: every
/// one, `SERVICE SILENT` included, fails the query with [`QueryError::Service`].
pub fn prepare<'s>(store: &'s KgStore, query: &str, limits: &Limits) -> Result<Prepared<'s>, QueryError> {
    let prefixes = store.namespace().prefixes();
    let services = NoService::default();
    let mut evaluator = evaluator(&prefixes, &services)?;
    if let Some(token) = &limits.cancel {
        evaluator = evaluator.with_cancellation_token(token.clone());
    }
    let mut prepared = evaluator.parse_query(query).map_err(|e| QueryError::Syntax(e.to_string()))?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    Ok(Prepared { store, query: prepared, prefixes, services })
}

impl Prepared<'_> {
    /// Runs the query and writes its results in the format `choose` picks for the query's
    /// form (a solutions format for SELECT and ASK, a graph format for CONSTRUCT and
    /// DESCRIBE; a mismatched choice becomes JSON or Turtle). Returns the format written.
    /// A query that called `SERVICE` fails, whatever it wrote.
    pub fn write(
        self,
        choose: &dyn Fn(Form) -> ResultFormat,
        limits: &Limits,
        out: &mut dyn Write,
    ) -> Result<ResultFormat, QueryError> {
        let services = self.services.clone();
        let written = self.write_results(choose, limits, out);
        match services.called() {
            Some(service) => Err(QueryError::Service(service)),
            None => written,
        }
    }

    fn write_results(
        self,
        choose: &dyn Fn(Form) -> ResultFormat,
        limits: &Limits,
        out: &mut dyn Write,
    ) -> Result<ResultFormat, QueryError> {
        let prefixes = &self.prefixes;
        let too_many = |n: usize| limits.max_rows.is_some_and(|m| n > m);
        let results = self.query.on_store(self.store.inner()).execute().map_err(evaluation)?;
        let written;
        match results {
            QueryResults::Solutions(solutions) => {
                let format = choose(Form::Select);
                let format = if format.is_graph() { ResultFormat::Json } else { format };
                written = format;
                let vars = solutions.variables().to_vec();
                if format == ResultFormat::Table {
                    let mut rows: Vec<Vec<String>> = Vec::new();
                    for s in solutions {
                        let s = s.map_err(evaluation)?;
                        rows.push(
                            vars.iter().map(|v| s.get(v).map(|t| show(t, prefixes)).unwrap_or_default()).collect(),
                        );
                        if too_many(rows.len()) {
                            return Err(QueryError::TooLarge(rows.len() - 1));
                        }
                    }
                    let header: Vec<String> = vars.iter().map(|v| v.as_str().to_string()).collect();
                    write_table(out, &header, &rows)?;
                } else {
                    let mut ser = QueryResultsSerializer::from_format(results_format(format))
                        .serialize_solutions_to_writer(&mut *out, vars)?;
                    for (n, s) in solutions.enumerate() {
                        let s = s.map_err(evaluation)?;
                        if too_many(n + 1) {
                            return Err(QueryError::TooLarge(n));
                        }
                        ser.serialize(s.iter().map(|(v, t)| (v.as_ref(), t.as_ref())))?;
                    }
                    ser.finish()?;
                }
            }
            QueryResults::Boolean(b) => {
                let format = choose(Form::Ask);
                let format = if format.is_graph() { ResultFormat::Json } else { format };
                written = format;
                if format == ResultFormat::Table {
                    writeln!(out, "{b}")?;
                } else {
                    QueryResultsSerializer::from_format(results_format(format))
                        .serialize_boolean_to_writer(&mut *out, b)?;
                }
            }
            QueryResults::Graph(triples) => {
                let format = choose(Form::Construct);
                let format = if format.is_graph() { format } else { ResultFormat::Turtle };
                written = format;
                let syntax = match format {
                    ResultFormat::NTriples => RdfFormat::NTriples,
                    ResultFormat::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
                    ResultFormat::RdfXml => RdfFormat::RdfXml,
                    _ => RdfFormat::Turtle,
                };
                let mut ser = RdfSerializer::from_format(syntax);
                if syntax != RdfFormat::NTriples {
                    for (p, iri) in prefixes {
                        ser = ser.with_prefix(*p, iri.as_str()).map_err(|e| QueryError::Evaluation(e.to_string()))?;
                    }
                }
                let mut w = ser.for_writer(&mut *out);
                for (n, t) in triples.enumerate() {
                    let t = t.map_err(evaluation)?;
                    if too_many(n + 1) {
                        return Err(QueryError::TooLarge(n));
                    }
                    w.serialize_triple(t.as_ref())?;
                }
                w.finish()?;
            }
        }
        Ok(written)
    }
}

/// Runs `query` on `store` and writes the results to `out` (CONSTRUCT and DESCRIBE as
/// Turtle when `format` is a solutions format).
pub fn run(store: &KgStore, query: &str, format: ResultFormat, out: &mut dyn Write) -> Result<(), QueryError> {
    let limits = Limits::default();
    prepare(store, query, &limits)?.write(&|_| format, &limits, out).map(|_| ())
}

/// Runs a SPARQL 1.1 Update on `store` (only a writable server does this).
pub fn update(store: &KgStore, update: &str) -> Result<(), QueryError> {
    let prepared = evaluator(&store.namespace().prefixes(), &NoService::default())?
        .parse_update(update)
        .map_err(|e| QueryError::Syntax(e.to_string()))?;
    prepared.on_store(store.inner()).execute().map_err(|e| QueryError::Evaluation(e.to_string()))
}

fn results_format(f: ResultFormat) -> QueryResultsFormat {
    match f {
        ResultFormat::Csv => QueryResultsFormat::Csv,
        ResultFormat::Tsv => QueryResultsFormat::Tsv,
        ResultFormat::Xml => QueryResultsFormat::Xml,
        _ => QueryResultsFormat::Json,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdf::Namespace;

    fn run_json(store: &KgStore, q: &str) -> Result<String, QueryError> {
        let mut out = Vec::new();
        run(store, q, ResultFormat::Json, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn every_service_call_is_refused_silent_or_not() {
        let store = KgStore::in_memory(Namespace::default()).unwrap();
        for q in [
            "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
            "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
            "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/x> { ?c ?d ?e } } }",
            "SELECT * WHERE { VALUES ?svc { <http://127.0.0.1:9/a> } SERVICE ?svc { ?s ?p ?o } }",
        ] {
            match run_json(&store, q) {
                Err(QueryError::Service(s)) => assert!(s.contains("127.0.0.1:9") || s.contains("unbound"), "{q}: {s}"),
                other => panic!("{q}: {:?}", other.map_err(|e| e.to_string())),
            }
        }
        assert!(run_json(&store, "ASK { }").unwrap().contains("true"));
    }
}
