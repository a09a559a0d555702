//! The persistent knowledge graph: an on-disk oxigraph store (RocksDB) holding the
//! ontology and one named graph per article. Each article is written in one transaction,
//! so an interrupted build never leaves half an article; an unchanged article is
//! skipped; an edited one (same source, new content) replaces its old graph.

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::path::Path;

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::vocab::rdf as rdfv;
use oxigraph::model::{GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::store::Store;

use crate::model::Extraction;
use crate::rdf::{self, Namespace, Provenance, DCTERMS};

/// A store error, phrased for the user.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

fn err(context: &str, e: impl fmt::Display) -> StoreError {
    StoreError(format!("{context}: {e}"))
}

/// What happened to an article on load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    New,
    Unchanged,
    /// Replaced this many older graphs of the same source.
    Replaced(usize),
}

/// Size of the graph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub articles: usize,
    pub entities: usize,
    pub assertions: usize,
    pub triples: usize,
}

/// RDF syntaxes `dump` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Turtle,
    NTriples,
    NQuads,
    TriG,
    RdfXml,
    JsonLd,
}

impl Syntax {
    fn format(self) -> RdfFormat {
        match self {
            Syntax::Turtle => RdfFormat::Turtle,
            Syntax::NTriples => RdfFormat::NTriples,
            Syntax::NQuads => RdfFormat::NQuads,
            Syntax::TriG => RdfFormat::TriG,
            Syntax::RdfXml => RdfFormat::RdfXml,
            Syntax::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
        }
    }

    /// Whether the syntax holds named graphs.
    pub fn holds_datasets(self) -> bool {
        self.format().supports_datasets()
    }
}

/// The knowledge graph store.
pub struct KgStore {
    store: Store,
    ns: Namespace,
}

impl KgStore {
    /// Opens (creating if needed) the store at `path` for writing.
    pub fn open(path: &Path, ns: Namespace) -> Result<KgStore, StoreError> {
        let store = Store::open(path).map_err(|e| {
            StoreError(format!(
                "cannot open the store {}: {e}\n(is another newskg build or server using it? only one writer at a time)",
                path.display()
            ))
        })?;
        Ok(KgStore { store, ns })
    }

    /// Opens an existing store at `path` for reading.
    pub fn open_read_only(path: &Path, ns: Namespace) -> Result<KgStore, StoreError> {
        if !path.join("CURRENT").exists() {
            return Err(StoreError(format!(
                "no store at {}: run `newskg build` first, or pass --store PATH",
                path.display()
            )));
        }
        let store =
            Store::open_read_only(path).map_err(|e| err(&format!("cannot open the store {}", path.display()), e))?;
        Ok(KgStore { store, ns })
    }

    /// An in-memory store (tests, validation of files).
    pub fn in_memory(ns: Namespace) -> Result<KgStore, StoreError> {
        Ok(KgStore { store: Store::new().map_err(|e| err("cannot create a store", e))?, ns })
    }

    /// The namespace of instance IRIs.
    pub fn namespace(&self) -> &Namespace {
        &self.ns
    }

    pub(crate) fn inner(&self) -> &Store {
        &self.store
    }

    /// Replaces the ontology graph with `ttl` (in one transaction).
    pub fn load_ontology(&self, ttl: &str) -> Result<(), StoreError> {
        let triples = rdf::parse_turtle(ttl, "ontology")?;
        let g = self.ns.ontology_graph();
        let mut tx = self.store.start_transaction().map_err(|e| err("cannot start a transaction", e))?;
        tx.clear_graph(GraphNameRef::NamedNode(g.as_ref())).map_err(|e| err("cannot clear the ontology graph", e))?;
        tx.insert_named_graph(g.as_ref());
        tx.extend(
            triples
                .iter()
                .map(|q| Quad::new(q.subject.clone(), q.predicate.clone(), q.object.clone(), g.clone()))
                .collect::<Vec<_>>()
                .iter(),
        );
        tx.commit().map_err(|e| err("cannot write the ontology", e))
    }

    /// Loads any RDF file into the store (used to validate data made elsewhere).
    pub fn load_file(&self, text: &[u8], path: &str) -> Result<(), StoreError> {
        let format = RdfFormat::from_extension(path.rsplit('.').next().unwrap_or("")).ok_or_else(|| {
            StoreError(format!("{path}: unknown RDF syntax; name the file .ttl, .nt, .nq, .trig, .rdf or .jsonld"))
        })?;
        self.store.load_from_slice(format, text).map_err(|e| err(path, e))
    }

    /// Writes one article's graph, in one transaction.
    pub fn put(&self, x: &Extraction, content_hash: &str, prov: &Provenance) -> Result<Outcome, StoreError> {
        let g = self.ns.article(content_hash);
        if self.store.contains_named_graph(g.as_ref()).map_err(|e| err("cannot read the store", e))? {
            return Ok(Outcome::Unchanged);
        }
        let quads = rdf::article_quads(&self.ns, x, content_hash, prov);
        let source = Literal::new_simple_literal(&x.article.source);
        let source_p = NamedNode::new_unchecked(format!("{DCTERMS}source"));
        let mut tx = self.store.start_transaction().map_err(|e| err("cannot start a transaction", e))?;
        // Older graphs of the same source: an edited article replaces them.
        let mut old: HashSet<NamedOrBlankNode> = HashSet::new();
        for q in tx.quads_for_pattern(None, Some(source_p.as_ref()), Some(source.as_ref().into()), None) {
            let q = q.map_err(|e| err("cannot read the store", e))?;
            if let GraphName::NamedNode(name) = q.graph_name {
                if name != g {
                    old.insert(name.into());
                }
            }
        }
        for name in &old {
            tx.remove_named_graph(name.as_ref()).map_err(|e| err("cannot remove an old graph", e))?;
        }
        tx.insert_named_graph(g.as_ref());
        tx.extend(quads.iter());
        tx.commit().map_err(|e| err("cannot write the article", e))?;
        Ok(if old.is_empty() { Outcome::New } else { Outcome::Replaced(old.len()) })
    }

    /// Articles, distinct entities, assertion nodes and quads in the store.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count_type = |class: &str| -> Result<usize, StoreError> {
            let c = rdf::nkg(class);
            let mut seen = HashSet::new();
            for q in self.store.quads_for_pattern(None, Some(rdfv::TYPE), Some(c.as_ref().into()), None) {
                seen.insert(q.map_err(|e| err("cannot read the store", e))?.subject);
            }
            Ok(seen.len())
        };
        let mut entities = HashSet::new();
        for t in crate::model::EntityType::ALL {
            let c = rdf::nkg(t.as_str());
            for q in self.store.quads_for_pattern(None, Some(rdfv::TYPE), Some(c.as_ref().into()), None) {
                entities.insert(q.map_err(|e| err("cannot read the store", e))?.subject);
            }
        }
        Ok(Counts {
            articles: count_type("Article")?,
            entities: entities.len(),
            assertions: count_type("Assertion")?,
            triples: self.store.len().map_err(|e| err("cannot count the store", e))?,
        })
    }

    /// Writes the whole store (dataset syntaxes) or one graph in `syntax`.
    pub fn dump(&self, syntax: Syntax, graph: Option<&str>, out: &mut dyn Write) -> Result<(), StoreError> {
        let mut ser = RdfSerializer::from_format(syntax.format());
        for (p, iri) in self.ns.prefixes() {
            ser = ser.with_prefix(p, iri).map_err(|e| err("bad prefix", e))?;
        }
        match graph {
            Some(name) => {
                let g = NamedNode::new(name).map_err(|e| err(&format!("--graph {name:?} is not an IRI"), e))?;
                if !self.store.contains_named_graph(g.as_ref()).map_err(|e| err("cannot read the store", e))? {
                    return Err(StoreError(format!("the store has no graph <{name}>; list them with: newskg query 'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{}} }}'")));
                }
                self.store.dump_graph_to_writer(GraphNameRef::NamedNode(g.as_ref()), ser, out).map_err(|e| err("cannot write the dump", e))?;
            }
            None if syntax.holds_datasets() => {
                self.store.dump_to_writer(ser, out).map_err(|e| err("cannot write the dump", e))?;
            }
            None => {
                return Err(StoreError(
                    "this syntax holds one graph: pass --graph IRI for one article's graph, or use --format trig or nquads for the whole store".into(),
                ))
            }
        }
        Ok(())
    }

    /// Checks the store's internal consistency (indexes agree).
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        self.store.validate().map_err(|e| err("the store is inconsistent", e))
    }

    /// Objects of (subject, predicate) in any graph, deduplicated.
    pub(crate) fn objects(&self, s: &NamedOrBlankNode, p: &NamedNode) -> Vec<Term> {
        let mut out: Vec<Term> = Vec::new();
        for q in self.store.quads_for_pattern(Some(s.as_ref()), Some(p.as_ref()), None, None).flatten() {
            if !out.contains(&q.object) {
                out.push(q.object);
            }
        }
        out
    }

    /// Subjects typed `class` in any graph.
    pub(crate) fn instances(&self, class: &NamedNode) -> Vec<NamedOrBlankNode> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for q in self.store.quads_for_pattern(None, Some(rdfv::TYPE), Some(class.as_ref().into()), None).flatten() {
            if seen.insert(q.subject.clone()) {
                out.push(q.subject);
            }
        }
        out
    }

    /// All quads with predicate `p` (and object `o`, when given), in any graph.
    pub(crate) fn quads_with(&self, p: &NamedNode, o: Option<&Term>) -> Vec<Quad> {
        self.store.quads_for_pattern(None, Some(p.as_ref()), o.map(Term::as_ref), None).flatten().collect()
    }
}

impl From<String> for StoreError {
    fn from(s: String) -> StoreError {
        StoreError(s)
    }
}
