//! The persistent knowledge graph: an on-disk oxigraph store (RocksDB) holding the
//! ontology and one named graph per article. Each article is written in one transaction,
//! so an interrupted build never leaves half an article; an unchanged article is
//! skipped; an edited one (same source, new content) replaces its old graph.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Seek, Write};
use std::path::Path;

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::vocab::rdf as rdfv;
use oxigraph::model::{GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;

use crate::model::Extraction;
use crate::rdf::{self, Namespace, Provenance, DCTERMS};

message_error!(
    /// A store error, phrased for the user.
    StoreError
);

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
    /// The writer's lock, held for the store's lifetime (see [`KgStore::open`]).
    _writer: Option<File>,
}

/// The on-disk store's entry points, which exist only with the `rocksdb` feature; without
/// it (the fuzz targets' build) they say so instead.
#[cfg(feature = "rocksdb")]
mod disk {
    use oxigraph::store::StorageError;
    use oxigraph::store::Store;
    use std::fs;
    use std::path::Path;

    /// Opens the store at `path` (whose lock the caller holds), creating it first when
    /// there is none. Creation is made atomic: oxigraph writes a new store's first
    /// records as it opens it, and a store killed in between cannot be opened read-only
    /// afterwards. So a new store is made in a folder of its own and its files are moved
    /// in, RocksDB's `CURRENT` last: before that file, `path` holds no store at all (and
    /// the leftovers of an interrupted creation are cleared); after it, a complete one.
    pub fn open(path: &Path) -> Result<Store, StorageError> {
        if !path.join("CURRENT").exists() {
            create(path)?;
        }
        Store::open(path)
    }

    /// Whether a file name is one RocksDB or an interrupted creation leaves in a store
    /// folder (the only files `create` may remove).
    fn is_store_file(name: &str) -> bool {
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        matches!(name, "LOCK" | "LOG" | "IDENTITY" | CREATING | super::LOCK_FILE)
            || name.starts_with("MANIFEST-")
            || name.starts_with("OPTIONS-")
            || name.starts_with("LOG.old.")
            || matches!(ext, "log" | "sst" | "dbtmp" | "blob")
    }

    const CREATING: &str = ".newskg-creating";

    fn create(path: &Path) -> Result<(), StorageError> {
        let mut leftovers = Vec::new();
        for entry in fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !is_store_file(&name) {
                // Never delete what newskg did not write: this is someone's folder.
                return Err(StorageError::Other(
                    format!(
                        "{} holds {name:?} and other files that are not a store's: give --store a new or empty folder",
                        path.display()
                    )
                    .into(),
                ));
            }
            if name != super::LOCK_FILE {
                leftovers.push(entry);
            }
        }
        for entry in leftovers {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
        }
        let fresh = path.join(CREATING);
        drop(Store::open(&fresh)?);
        for entry in fs::read_dir(&fresh)? {
            let name = entry?.file_name();
            if name != "CURRENT" {
                fs::rename(fresh.join(&name), path.join(&name))?;
            }
        }
        fs::rename(fresh.join("CURRENT"), path.join("CURRENT"))?;
        fs::remove_dir(&fresh)?;
        // The renames are durable once the folder itself is synced.
        fs::File::open(path)?.sync_all()?;
        Ok(())
    }

    pub fn open_read_only(path: &Path) -> Result<Store, StorageError> {
        Store::open_read_only(path)
    }

    pub fn flush(store: &Store) -> Result<(), StorageError> {
        store.flush()
    }
}

#[cfg(not(feature = "rocksdb"))]
mod disk {
    use oxigraph::store::Store;
    use std::path::Path;

    const NO_DISK: &str = "this newskg was built without the on-disk store (cargo feature `rocksdb`)";

    pub fn open(_: &Path) -> Result<Store, &'static str> {
        Err(NO_DISK)
    }

    pub fn open_read_only(_: &Path) -> Result<Store, &'static str> {
        Err(NO_DISK)
    }

    pub fn flush(_: &Store) -> Result<(), &'static str> {
        Ok(())
    }
}

/// The file in a store's folder that its one writer locks.
pub const LOCK_FILE: &str = "newskg.lock";

/// Takes the exclusive writer lock of the store folder `path` (creating the folder),
/// and writes who holds it into the lock file for the next writer's error message.
/// The lock is the operating system's (`flock`), so a writer that dies, even by
/// `kill -9`, releases it: there is never a stale lock to remove by hand.
fn lock_for_writing(path: &Path) -> Result<File, StoreError> {
    let cannot = |e: std::io::Error| StoreError(format!("cannot lock the store {}: {e}", path.display()));
    fs::create_dir_all(path).map_err(cannot)?;
    let lock_path = path.join(LOCK_FILE);
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&lock_path).map_err(cannot)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&lock_path).unwrap_or_default();
            let holder = holder.trim();
            return Err(StoreError(format!(
                "the store {} is being written by another process{}\nonly one build or writable server may use a store at a time: wait for it to finish or stop it (readers such as query, export, dump and serve without --writable can run alongside it)",
                path.display(),
                if holder.is_empty() { String::new() } else { format!(" ({holder})") }
            )));
        }
        Err(TryLockError::Error(e)) => return Err(cannot(e)),
    }
    let command: Vec<String> = std::env::args().collect();
    let since = rdf::now_xsd();
    // Who holds the lock is a courtesy for the error above; failing to write it is harmless.
    let _ = file
        .set_len(0)
        .and_then(|_| file.rewind())
        .and_then(|_| writeln!(file, "pid {}, since {since}: {}", std::process::id(), command.join(" ")));
    Ok(file)
}

impl KgStore {
    /// Opens (creating if needed) the store at `path` for writing.
    ///
    /// A writer holds the store's lock until the `KgStore` is dropped: a second writer
    /// (another build, a writable server) gets an error naming the holder instead of
    /// interleaving its writes. Readers take no lock.
    pub fn open(path: &Path, ns: Namespace) -> Result<KgStore, StoreError> {
        let lock = lock_for_writing(path)?;
        let store =
            disk::open(path).map_err(|e| StoreError(format!("cannot open the store {}: {e}", path.display())))?;
        Ok(KgStore { store, ns, _writer: Some(lock) })
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
            disk::open_read_only(path).map_err(|e| err(&format!("cannot open the store {}", path.display()), e))?;
        Ok(KgStore { store, ns, _writer: None })
    }

    /// An in-memory store (tests, validation of files).
    pub fn in_memory(ns: Namespace) -> Result<KgStore, StoreError> {
        Ok(KgStore { store: Store::new().map_err(|e| err("cannot create a store", e))?, ns, _writer: None })
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
        let quads = rdf::ontology_quads(&self.ns, ttl)?;
        let g = self.ns.ontology_graph();
        let mut tx = self.store.start_transaction().map_err(|e| err("cannot start a transaction", e))?;
        tx.clear_graph(GraphNameRef::NamedNode(g.as_ref())).map_err(|e| err("cannot clear the ontology graph", e))?;
        tx.insert_named_graph(g.as_ref());
        tx.extend(quads.iter());
        tx.commit().map_err(|e| err("cannot write the ontology", e))
    }

    /// Loads any RDF file into the store (used to validate data made elsewhere).
    pub fn load_file(&self, text: &[u8], path: &str) -> Result<(), StoreError> {
        let format = RdfFormat::from_extension(path.rsplit('.').next().unwrap_or("")).ok_or_else(|| {
            StoreError(format!("{path}: unknown RDF syntax; name the file .ttl, .nt, .nq, .trig, .rdf or .jsonld"))
        })?;
        self.store.load_from_slice(format, text).map_err(|e| err(path, e))
    }

    /// Loads one article's graph; see [`KgStore::put_batch`].
    pub fn put(&self, x: &Extraction, prov: &Provenance) -> Result<Outcome, StoreError> {
        let mut out = self.put_batch(vec![rdf::ArticleGraph::new(&self.ns, x, prov)])?;
        Ok(out.pop().unwrap_or(Outcome::Unchanged))
    }

    /// Loads article graphs and tells the outcome of each, as if they were loaded one by
    /// one: an article already stored is skipped (`Unchanged`), and an edited one (same
    /// source, new content) replaces its older graphs. Only the last graph of a source is
    /// written when the batch holds several.
    ///
    /// New graphs go in through oxigraph's bulk loader, which writes sorted tables and
    /// adds them to the store in one atomic step: a crash leaves all of the batch or none
    /// of it, never half an article. Older graphs are removed first, in a transaction of
    /// their own, so a crash in between leaves the source absent, and the next build
    /// loads it again, rather than old and new side by side.
    pub fn put_batch(&self, graphs: Vec<rdf::ArticleGraph>) -> Result<Vec<Outcome>, StoreError> {
        let read = |e| err("cannot read the store", e);
        let source_p = NamedNode::new_unchecked(format!("{DCTERMS}source"));
        let mut outcomes = vec![Outcome::Unchanged; graphs.len()];
        // Per source, the first and the last new graph of the batch: the last is written,
        // each later one replaces the one before, and the first replaces the store's.
        let (mut first, mut last): (HashMap<&str, usize>, HashMap<&str, usize>) = Default::default();
        let mut in_batch: HashSet<&str> = HashSet::new();
        for (i, g) in graphs.iter().enumerate() {
            if !in_batch.insert(&g.content_hash)
                || self.store.contains_named_graph(self.ns.article(&g.content_hash).as_ref()).map_err(read)?
            {
                continue;
            }
            outcomes[i] = match last.insert(&g.source, i) {
                Some(_) => Outcome::Replaced(1),
                None => {
                    first.insert(&g.source, i);
                    Outcome::New
                }
            };
        }
        // Older graphs of the same sources, already in the store.
        let mut old: HashSet<NamedOrBlankNode> = HashSet::new();
        for (source, &i) in &first {
            let source = Literal::new_simple_literal(*source);
            let mut n = 0;
            for q in self.store.quads_for_pattern(None, Some(source_p.as_ref()), Some(source.as_ref().into()), None) {
                if let GraphName::NamedNode(other) = q.map_err(read)?.graph_name {
                    if old.insert(other.into()) {
                        n += 1;
                    }
                }
            }
            if n > 0 {
                outcomes[i] = Outcome::Replaced(n);
            }
        }
        let keep: Vec<usize> = last.into_values().collect();
        if !old.is_empty() {
            let mut tx = self.store.start_transaction().map_err(|e| err("cannot start a transaction", e))?;
            for name in &old {
                tx.remove_named_graph(name.as_ref()).map_err(|e| err("cannot remove an old graph", e))?;
            }
            tx.commit().map_err(|e| err("cannot remove an old graph", e))?;
        }
        if keep.is_empty() {
            return Ok(outcomes);
        }
        let mut keep = keep;
        keep.sort_unstable();
        let mut graphs: Vec<Option<rdf::ArticleGraph>> = graphs.into_iter().map(Some).collect();
        let quads = keep.iter().filter_map(|&i| graphs[i].take()).flat_map(|g| g.quads);
        let mut loader = self.store.bulk_loader().with_num_threads(1);
        loader.load_quads(quads).map_err(|e| err("cannot write the articles", e))?;
        loader.commit().map_err(|e| err("cannot write the articles", e))?;
        Ok(outcomes)
    }

    /// Articles, distinct entities, assertion nodes and quads in the store.
    ///
    /// Counted by one SPARQL query, which works on the store's term ids and never turns
    /// them back into strings: scanning the type triples by hand would decode every
    /// subject, which costs more than the rest of a large build's summary.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let entity_types: Vec<String> =
            crate::model::EntityType::ALL.iter().map(|t| format!("<{}>", rdf::nkg(t.as_str()).as_str())).collect();
        let q = format!(
            "SELECT (COUNT(DISTINCT ?a) AS ?articles) (COUNT(DISTINCT ?e) AS ?entities) (COUNT(DISTINCT ?s) AS ?assertions) WHERE {{
               {{ GRAPH ?g {{ ?a a <{article}> }} }} UNION
               {{ GRAPH ?g {{ ?e a ?t }} VALUES ?t {{ {types} }} }} UNION
               {{ GRAPH ?g {{ ?s a <{assertion}> }} }}
             }}",
            article = rdf::nkg("Article").as_str(),
            assertion = rdf::nkg("Assertion").as_str(),
            types = entity_types.join(" ")
        );
        let results = SparqlEvaluator::new()
            .parse_query(&q)
            .map_err(|e| err("cannot count the store", e))?
            .on_store(&self.store)
            .execute()
            .map_err(|e| err("cannot count the store", e))?;
        let QueryResults::Solutions(mut rows) = results else {
            return Err(StoreError("cannot count the store: the count query gave no rows".into()));
        };
        let row = rows
            .next()
            .ok_or_else(|| StoreError("cannot count the store: the count query gave no rows".into()))?
            .map_err(|e| err("cannot count the store", e))?;
        let get = |name: &str| -> usize {
            match row.get(name) {
                Some(Term::Literal(l)) => l.value().parse().unwrap_or(0),
                _ => 0,
            }
        };
        Ok(Counts {
            articles: get("articles"),
            entities: get("entities"),
            assertions: get("assertions"),
            triples: self.store.len().map_err(|e| err("cannot count the store", e))?,
        })
    }

    /// A serializer for `syntax` with the namespace's prefixes.
    fn serializer(&self, syntax: Syntax) -> Result<RdfSerializer, StoreError> {
        let mut ser = RdfSerializer::from_format(syntax.format());
        for (p, iri) in self.ns.prefixes() {
            ser = ser.with_prefix(p, iri).map_err(|e| err("bad prefix", e))?;
        }
        Ok(ser)
    }

    /// Writes the whole store (dataset syntaxes) or one graph in `syntax`.
    pub fn dump(&self, syntax: Syntax, graph: Option<&str>, out: &mut dyn Write) -> Result<(), StoreError> {
        let ser = self.serializer(syntax)?;
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

    /// Moves what the write-ahead log holds into the store's tables. Without it, every
    /// later read-only open replays the log: seconds for a large build.
    pub fn flush(&self) -> Result<(), StoreError> {
        disk::flush(&self.store).map_err(|e| err("cannot flush the store", e))
    }

    /// Whether the store has a named graph `iri`.
    pub fn has_graph(&self, iri: &str) -> Result<bool, StoreError> {
        let g = NamedNode::new(iri).map_err(|e| err(&format!("{iri:?} is not an IRI"), e))?;
        self.store.contains_named_graph(g.as_ref()).map_err(|e| err("cannot read the store", e))
    }

    /// The IRIs of the store's named graphs: the ontology graph first (when present),
    /// then the articles' graphs in the store's order (stable for a given store).
    pub fn named_graphs(&self) -> Result<Vec<String>, StoreError> {
        let ontology = self.ns.ontology_graph();
        let mut out = Vec::new();
        let mut has_ontology = false;
        for g in self.store.named_graphs() {
            match g.map_err(|e| err("cannot read the store", e))? {
                NamedOrBlankNode::NamedNode(n) if n == ontology => has_ontology = true,
                NamedOrBlankNode::NamedNode(n) => out.push(n.into_string()),
                // Blank graph names have no IRI to address them by; newskg makes none.
                NamedOrBlankNode::BlankNode(_) => {}
            }
        }
        if has_ontology {
            out.insert(0, ontology.into_string());
        }
        Ok(out)
    }

    /// The number of triples in the named graph `iri` (0 when there is no such graph).
    pub fn graph_len(&self, iri: &str) -> Result<usize, StoreError> {
        let g = NamedNode::new(iri).map_err(|e| err(&format!("{iri:?} is not an IRI"), e))?;
        let mut n = 0;
        for q in self.store.quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref()))) {
            q.map_err(|e| err("cannot read the store", e))?;
            n += 1;
        }
        Ok(n)
    }

    /// Writes the default graph (empty in stores newskg builds: articles are named
    /// graphs) in `syntax`.
    pub fn dump_default_graph(&self, syntax: Syntax, out: &mut dyn Write) -> Result<(), StoreError> {
        let ser = self.serializer(syntax)?;
        self.store
            .dump_graph_to_writer(GraphNameRef::DefaultGraph, ser, out)
            .map_err(|e| err("cannot write the dump", e))?;
        Ok(())
    }

    /// Graph Store Protocol writes: replaces (`replace`) or extends the graph `iri` (the
    /// default graph when `None`) with RDF `data` in the syntax of `media_type`, in one
    /// transaction.
    pub fn write_graph(
        &self,
        iri: Option<&str>,
        media_type: &str,
        data: &[u8],
        replace: bool,
    ) -> Result<(), StoreError> {
        let format = RdfFormat::from_media_type(media_type).ok_or_else(|| {
            StoreError(format!("cannot read {media_type:?}: send text/turtle, application/n-triples, application/rdf+xml or application/ld+json"))
        })?;
        let graph: GraphName = match iri {
            Some(i) => NamedNode::new(i).map_err(|e| err(&format!("{i:?} is not an IRI"), e))?.into(),
            None => GraphName::DefaultGraph,
        };
        let parser =
            oxigraph::io::RdfParser::from_format(format).without_named_graphs().with_default_graph(graph.clone());
        let mut quads = Vec::new();
        for q in parser.for_slice(data) {
            quads.push(q.map_err(|e| err("the data does not parse", e))?);
        }
        let mut tx = self.store.start_transaction().map_err(|e| err("cannot start a transaction", e))?;
        if replace {
            tx.clear_graph(graph.as_ref()).map_err(|e| err("cannot clear the graph", e))?;
        }
        if let GraphName::NamedNode(n) = &graph {
            tx.insert_named_graph(n.as_ref());
        }
        tx.extend(quads.iter());
        tx.commit().map_err(|e| err("cannot write the graph", e))
    }

    /// Removes the graph `iri` (clears the default graph when `None`). Returns whether
    /// there was such a graph.
    pub fn remove_graph(&self, iri: Option<&str>) -> Result<bool, StoreError> {
        match iri {
            Some(i) => {
                let g = NamedNode::new(i).map_err(|e| err(&format!("{i:?} is not an IRI"), e))?;
                if !self.store.contains_named_graph(g.as_ref()).map_err(|e| err("cannot read the store", e))? {
                    return Ok(false);
                }
                self.store.remove_named_graph(g.as_ref()).map_err(|e| err("cannot remove the graph", e))?;
            }
            None => self.store.clear_graph(GraphNameRef::DefaultGraph).map_err(|e| err("cannot clear the graph", e))?,
        }
        Ok(true)
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

/// A relation property as the ontology describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PredicateRecord {
    /// Local name in the vocabulary namespace (`recognizes`).
    pub name: String,
    /// `rdfs:label` (`has an interest in`).
    pub label: Option<String>,
    pub cameo: Option<String>,
    /// Local name of the QuadClass individual (`VerbalCooperation`).
    pub quad_class: Option<String>,
    pub goldstein: Option<f64>,
    pub symmetric: bool,
}

/// An entity as the store knows it, merged over every graph that mentions it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EntityRecord {
    /// The entity id (the IRI's last segment, decoded; the whole IRI outside the base).
    pub id: String,
    /// The most frequent `rdfs:label` (ties: the smallest).
    pub label: String,
    /// The most frequent entity type (ties: the first in `EntityType::ALL`'s order).
    pub kind: String,
    pub wikidata: Option<String>,
    pub iso3166: Option<String>,
    /// Number of article graphs that type it.
    pub articles: usize,
}

/// An article node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArticleRecord {
    /// The content hash (the IRI's last segment; the whole IRI outside the base).
    pub id: String,
    pub title: Option<String>,
    /// `dcterms:date`, ISO `YYYY-MM-DD`.
    pub date: Option<String>,
    pub source: Option<String>,
}

/// One assertion node: one relation stated by one sentence.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssertionRecord {
    pub subject: String,
    /// Local name of the predicate (whole IRI outside the vocabulary).
    pub predicate: String,
    pub object: String,
    pub negated: bool,
    /// Whether the modality is `nkg:Asserted` (the others are only supposed).
    pub asserted: bool,
    pub confidence: f64,
    pub evidence: String,
    /// Index into [`GraphRecords::articles`].
    pub article: usize,
    pub sentence: usize,
}

/// The store's content as plain data: what the graph projection needs, so that no stage
/// after the store names an RDF type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphRecords {
    pub predicates: Vec<PredicateRecord>,
    pub entities: Vec<EntityRecord>,
    pub articles: Vec<ArticleRecord>,
    pub assertions: Vec<AssertionRecord>,
}

#[derive(Default)]
struct PartialAssertion {
    subject: Option<String>,
    predicate: Option<String>,
    object: Option<String>,
    negated: bool,
    asserted: Option<bool>,
    confidence: f64,
    evidence: String,
    sentence: usize,
    article: Option<String>,
    graph: Option<String>,
}

#[derive(Default)]
struct PartialEntity {
    labels: HashMap<String, usize>,
    kinds: HashMap<usize, usize>,
    graphs: HashSet<String>,
    wikidata: Option<String>,
    iso3166: Option<String>,
}

impl KgStore {
    /// Reads everything the graph projection needs in one pass over the store:
    /// relation properties (from the ontology graph), entities, articles and assertions.
    /// Assertions whose subject, predicate or object is missing are skipped (`validate`
    /// reports them).
    pub fn graph_records(&self) -> Result<GraphRecords, StoreError> {
        use crate::model::EntityType;
        const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
        const OWL_OBJECT_PROPERTY: &str = "http://www.w3.org/2002/07/owl#ObjectProperty";
        const OWL_SYMMETRIC_PROPERTY: &str = "http://www.w3.org/2002/07/owl#SymmetricProperty";
        let ent_prefix = self.ns.entity("").as_str().to_string();
        let art_prefix = self.ns.article("").as_str().to_string();
        let ontology_graph = self.ns.ontology_graph();
        let kinds: Vec<String> = EntityType::ALL.iter().map(|t| format!("{}{}", rdf::NKG, t.as_str())).collect();

        let mut predicates: BTreeMap<String, PredicateRecord> = BTreeMap::new();
        let mut entities: HashMap<String, PartialEntity> = HashMap::new();
        let mut articles: HashMap<String, ArticleRecord> = HashMap::new();
        let mut assertions: HashMap<String, PartialAssertion> = HashMap::new();
        let node_id = |t: &Term, prefix: &str| -> Option<String> {
            match t {
                Term::NamedNode(n) => Some(local_id(n.as_str(), prefix)),
                _ => None,
            }
        };
        let literal = |t: &Term| -> Option<String> {
            match t {
                Term::Literal(l) => Some(l.value().to_string()),
                _ => None,
            }
        };
        for q in self.store.iter() {
            let q = q.map_err(|e| err("cannot read the store", e))?;
            let p = q.predicate.as_str();
            let subject = match &q.subject {
                NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
                NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
            };
            if matches!(&q.graph_name, GraphName::NamedNode(g) if *g == ontology_graph) {
                let Some(name) = subject.strip_prefix(rdf::NKG) else { continue };
                let entry = || PredicateRecord { name: name.to_string(), ..PredicateRecord::default() };
                if p == rdfv::TYPE.as_str() {
                    if let Term::NamedNode(o) = &q.object {
                        let o = o.as_str();
                        if o == OWL_OBJECT_PROPERTY {
                            predicates.entry(name.to_string()).or_insert_with(entry);
                        } else if o == OWL_SYMMETRIC_PROPERTY {
                            predicates.entry(name.to_string()).or_insert_with(entry).symmetric = true;
                        }
                    }
                } else if p == RDFS_LABEL {
                    predicates.entry(name.to_string()).or_insert_with(entry).label = literal(&q.object);
                } else if p.strip_prefix(rdf::NKG) == Some("cameoCode") {
                    predicates.entry(name.to_string()).or_insert_with(entry).cameo = literal(&q.object);
                } else if p.strip_prefix(rdf::NKG) == Some("quadClass") {
                    if let Term::NamedNode(o) = &q.object {
                        predicates.entry(name.to_string()).or_insert_with(entry).quad_class =
                            Some(local_id(o.as_str(), rdf::NKG));
                    }
                } else if p.strip_prefix(rdf::NKG) == Some("goldstein") {
                    predicates.entry(name.to_string()).or_insert_with(entry).goldstein =
                        literal(&q.object).and_then(|v| v.parse().ok());
                }
                continue;
            }
            let graph = match &q.graph_name {
                GraphName::NamedNode(g) => Some(local_id(g.as_str(), &art_prefix)),
                _ => None,
            };
            if p == rdfv::TYPE.as_str() {
                let Term::NamedNode(o) = &q.object else { continue };
                let o = o.as_str();
                if o.strip_prefix(rdf::NKG) == Some("Article") {
                    let id = local_id(&subject, &art_prefix);
                    articles.entry(subject).or_insert_with(|| ArticleRecord { id, ..ArticleRecord::default() });
                } else if o.strip_prefix(rdf::NKG) == Some("Assertion") {
                    assertions.entry(subject).or_default().graph = graph;
                } else if let Some(k) = kinds.iter().position(|k| k == o) {
                    let e = entities.entry(subject).or_default();
                    *e.kinds.entry(k).or_default() += 1;
                    e.graphs.insert(graph.unwrap_or_default());
                }
                continue;
            }
            let Some(local) = p.strip_prefix(rdf::NKG).or_else(|| {
                [rdf::DCTERMS, rdf::PROV, rdf::OWL, "http://www.w3.org/2000/01/rdf-schema#"]
                    .iter()
                    .find_map(|ns| p.strip_prefix(ns))
                    .or_else(|| (p == rdfv::SUBJECT.as_str()).then_some("subject"))
                    .or_else(|| (p == rdfv::PREDICATE.as_str()).then_some("predicate"))
                    .or_else(|| (p == rdfv::OBJECT.as_str()).then_some("object"))
            }) else {
                continue;
            };
            match local {
                "label" => {
                    if let Some(l) = literal(&q.object) {
                        *entities.entry(subject).or_default().labels.entry(l).or_default() += 1;
                    }
                }
                "sameAs" => {
                    if let Term::NamedNode(o) = &q.object {
                        if let Some(w) = o.as_str().strip_prefix(rdf::WD) {
                            entities.entry(subject).or_default().wikidata = Some(w.to_string());
                        }
                    }
                }
                "iso3166" => entities.entry(subject).or_default().iso3166 = literal(&q.object),
                "title" | "date" | "source" => {
                    let id = local_id(&subject, &art_prefix);
                    let a = articles.entry(subject).or_insert_with(|| ArticleRecord { id, ..ArticleRecord::default() });
                    let v = literal(&q.object);
                    match local {
                        "title" => a.title = v,
                        "date" => a.date = v,
                        _ => a.source = v,
                    }
                }
                "subject" => assertions.entry(subject).or_default().subject = node_id(&q.object, &ent_prefix),
                "object" => assertions.entry(subject).or_default().object = node_id(&q.object, &ent_prefix),
                "predicate" => assertions.entry(subject).or_default().predicate = node_id(&q.object, rdf::NKG),
                "negated" => {
                    assertions.entry(subject).or_default().negated = literal(&q.object).as_deref() == Some("true")
                }
                "modality" => {
                    assertions.entry(subject).or_default().asserted =
                        Some(node_id(&q.object, rdf::NKG).as_deref() == Some("Asserted"))
                }
                "confidence" => {
                    assertions.entry(subject).or_default().confidence =
                        literal(&q.object).and_then(|v| v.parse().ok()).unwrap_or(0.0)
                }
                "evidence" => assertions.entry(subject).or_default().evidence = literal(&q.object).unwrap_or_default(),
                "sentenceIndex" => {
                    assertions.entry(subject).or_default().sentence =
                        literal(&q.object).and_then(|v| v.parse().ok()).unwrap_or(0)
                }
                "wasDerivedFrom" => assertions.entry(subject).or_default().article = node_id(&q.object, &art_prefix),
                _ => {}
            }
        }

        let mut out = GraphRecords { predicates: predicates.into_values().collect(), ..GraphRecords::default() };
        let mut article_list: Vec<ArticleRecord> = articles.into_values().collect();
        article_list.sort_by(|a, b| a.id.cmp(&b.id));
        let article_index: HashMap<String, usize> =
            article_list.iter().enumerate().map(|(i, a)| (a.id.clone(), i)).collect();
        out.articles = article_list;
        for (iri, e) in entities {
            let Some((&kind, _)) = e.kinds.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
                continue; // labelled but untyped: not an entity (predicate labels, articles…)
            };
            let label = e
                .labels
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(l, _)| l.clone())
                .unwrap_or_else(|| local_id(&iri, &ent_prefix));
            out.entities.push(EntityRecord {
                id: local_id(&iri, &ent_prefix),
                label,
                kind: EntityType::ALL[kind].as_str().to_string(),
                wikidata: e.wikidata,
                iso3166: e.iso3166,
                articles: e.graphs.len(),
            });
        }
        out.entities.sort_by(|a, b| a.id.cmp(&b.id));
        let mut list: Vec<(String, PartialAssertion)> = assertions.into_iter().collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, a) in list {
            let (Some(subject), Some(predicate), Some(object)) = (a.subject, a.predicate, a.object) else { continue };
            let Some(&article) = a.article.or(a.graph).and_then(|g| article_index.get(&g)) else { continue };
            out.assertions.push(AssertionRecord {
                subject,
                predicate,
                object,
                negated: a.negated,
                asserted: a.asserted.unwrap_or(true),
                confidence: a.confidence,
                evidence: a.evidence,
                article,
                sentence: a.sentence,
            });
        }
        Ok(out)
    }
}

/// The id of `iri` under `prefix`, percent-decoded; the whole IRI when it is elsewhere.
fn local_id(iri: &str, prefix: &str) -> String {
    match iri.strip_prefix(prefix) {
        Some(rest) if !rest.is_empty() => rdf::iri_unescape(rest),
        _ => iri.to_string(),
    }
}

impl From<String> for StoreError {
    fn from(s: String) -> StoreError {
        StoreError(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{self, Format, GivenMeta};
    use crate::rdf::ArticleGraph;
    use crate::Extractor;

    fn graph(ex: &Extractor, st: &KgStore, source: &str, text: &str) -> ArticleGraph {
        let (a, _) = article::parse(text.to_string(), source, Format::Plain, &GivenMeta::default());
        ArticleGraph::new(st.namespace(), &ex.extract(&a), &Provenance::now())
    }

    #[test]
    fn a_folder_of_other_files_is_not_taken_for_a_store() {
        let dir = std::env::temp_dir().join(format!("newskg-store-foreign-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = KgStore::open(&dir, Namespace::default()).err().expect("refused");
        assert!(e.to_string().contains("not a store's: give --store a new or empty folder"), "{e}");
        assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
        // The leftovers of an interrupted creation, by contrast, are cleared and the store made.
        fs::remove_file(dir.join("notes.txt")).unwrap();
        fs::create_dir_all(dir.join(".newskg-creating")).unwrap();
        fs::write(dir.join("000004.log"), "partial").unwrap();
        let st = KgStore::open(&dir, Namespace::default()).unwrap();
        assert_eq!(st.counts().unwrap().triples, 0);
        drop(st);
        assert!(dir.join("CURRENT").exists() && !dir.join(".newskg-creating").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_batch_loads_as_if_one_by_one() {
        let ex = Extractor::embedded().unwrap();
        let st = KgStore::in_memory(Namespace::default()).unwrap();
        let a1 = graph(&ex, &st, "a.txt", "Russia recognized the Taliban on Thursday.");
        let b1 = graph(&ex, &st, "b.txt", "China condemned Japan.");
        assert_eq!(st.put_batch(vec![a1.clone(), b1.clone()]).unwrap(), vec![Outcome::New, Outcome::New]);
        assert_eq!(st.counts().unwrap().articles, 2);

        // Unchanged (stored, or twice in the batch), edited in the store, edited twice in
        // the batch, and new.
        let a2 = graph(&ex, &st, "a.txt", "Russia sanctioned Iran.");
        let a3 = graph(&ex, &st, "a.txt", "Russia sanctioned Syria.");
        let c1 = graph(&ex, &st, "c.txt", "Iran backed Hamas.");
        let outcomes = st.put_batch(vec![b1.clone(), a2, c1.clone(), c1, a3.clone()]).unwrap();
        assert_eq!(
            outcomes,
            vec![Outcome::Unchanged, Outcome::Replaced(1), Outcome::New, Outcome::Unchanged, Outcome::Replaced(1)]
        );
        // Only the last version of a.txt is kept: b, c and a3.
        assert_eq!(st.counts().unwrap().articles, 3);
        assert!(st.has_graph(st.namespace().article(&a3.content_hash).as_str()).unwrap());
        assert!(!st.has_graph(st.namespace().article(&a1.content_hash).as_str()).unwrap());
        assert_eq!(st.put_batch(vec![b1]).unwrap(), vec![Outcome::Unchanged]);
    }

    #[test]
    fn counts_see_every_graph() {
        let ex = Extractor::embedded().unwrap();
        let st = KgStore::in_memory(Namespace::default()).unwrap();
        let g = graph(&ex, &st, "a.txt", "Russia recognized the Taliban. China condemned Japan.");
        let quads = g.len();
        st.put_batch(vec![g]).unwrap();
        let c = st.counts().unwrap();
        assert_eq!((c.articles, c.entities, c.assertions, c.triples), (1, 4, 2, quads));
    }
}
