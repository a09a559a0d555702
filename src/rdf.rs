//! Mapping extractions to RDF, and the ontology as the authority on the vocabulary.
//!
//! Each article becomes one named graph, named by the hash of its content, holding the
//! article node (Dublin Core, schema.org, PROV-O), its entities (typed, labelled, with
//! `owl:sameAs` to Wikidata), a direct triple for every asserted relation, and an
//! assertion node for every relation instance — negated and supposed ones included —
//! with its evidence, offsets, confidence and rule (see ARCHITECTURE.md for why nodes
//! use the RDF reification vocabulary).

use std::collections::{BTreeSet, HashMap, HashSet};

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};

use crate::data::DataError;
use crate::gazetteer::Gazetteer;
use crate::lexicon::Lexicon;
use crate::model::{Extraction, Modality};

/// The vocabulary namespace (the ontology's terms). Fixed: data may live under any base,
/// the vocabulary it uses is the published one.
pub const NKG: &str = "https://w3id.org/newskg/ontology#";
/// The default base of instance IRIs (entities, articles, assertions).
pub const DEFAULT_BASE: &str = "https://w3id.org/newskg/";
pub const PROV: &str = "http://www.w3.org/ns/prov#";
pub const DCTERMS: &str = "http://purl.org/dc/terms/";
pub const SCHEMA: &str = "https://schema.org/";
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
pub const WD: &str = "http://www.wikidata.org/entity/";
pub const SH: &str = "http://www.w3.org/ns/shacl#";

/// The ontology and shapes shipped with the binary.
pub const ONTOLOGY_TTL: &str = include_str!("../ontology/newskg.ttl");
pub const SHAPES_TTL: &str = include_str!("../ontology/shapes.ttl");

/// Where instance IRIs are minted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    base: String,
}

impl Default for Namespace {
    fn default() -> Namespace {
        Namespace { base: DEFAULT_BASE.to_string() }
    }
}

impl Namespace {
    /// A namespace under `base`, which must be an absolute IRI ending in `/` or `#`.
    pub fn new(base: &str) -> Result<Namespace, String> {
        if !(base.ends_with('/') || base.ends_with('#')) {
            return Err(format!("the base IRI {base:?} must end with '/' or '#'"));
        }
        NamedNode::new(format!("{base}x")).map_err(|e| format!("the base IRI {base:?} is not an absolute IRI: {e}"))?;
        Ok(Namespace { base: base.to_string() })
    }

    /// The base IRI.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `…/entity/<id>`.
    pub fn entity(&self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}entity/{}", self.base, iri_escape(id)))
    }

    /// `…/article/<content-hash>`: the article node and its graph's name.
    pub fn article(&self, hash: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}article/{}", self.base, iri_escape(hash)))
    }

    /// `…/assertion/<content-hash>-<n>`.
    pub fn assertion(&self, hash: &str, n: usize) -> NamedNode {
        NamedNode::new_unchecked(format!("{}assertion/{}-{n}", self.base, iri_escape(hash)))
    }

    /// The graph holding the ontology in a store.
    pub fn ontology_graph(&self) -> NamedNode {
        NamedNode::new_unchecked("https://w3id.org/newskg/ontology")
    }

    /// Prefixes for serializers and queries: vocabularies plus `ent:` and `art:` here.
    pub fn prefixes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("nkg", NKG.to_string()),
            ("ent", format!("{}entity/", self.base)),
            ("art", format!("{}article/", self.base)),
            ("asr", format!("{}assertion/", self.base)),
            ("rdf", rdf::TYPE.as_str().trim_end_matches("type").to_string()),
            ("rdfs", "http://www.w3.org/2000/01/rdf-schema#".to_string()),
            ("xsd", "http://www.w3.org/2001/XMLSchema#".to_string()),
            ("owl", OWL.to_string()),
            ("skos", SKOS.to_string()),
            ("prov", PROV.to_string()),
            ("dcterms", DCTERMS.to_string()),
            ("schema", SCHEMA.to_string()),
            ("wd", WD.to_string()),
        ]
    }
}

/// Keeps ids usable in IRIs: everything outside unreserved characters is percent-encoded.
fn iri_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes percent-encoding (`%C3%A9` → `é`), as in ids read back from IRIs and in URL
/// query strings. Malformed escapes stay as they are; bytes that do not decode to UTF-8
/// become U+FFFD.
pub fn iri_unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A term of the vocabulary namespace.
pub fn nkg(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{NKG}{local}"))
}

fn iri(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

fn typed(value: impl Into<String>, dt: oxigraph::model::NamedNodeRef<'_>) -> Literal {
    Literal::new_typed_literal(value, dt)
}

/// When and by what the graph was made.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// `xsd:dateTime` of the extraction.
    pub generated_at: String,
    pub extractor_version: String,
}

impl Provenance {
    /// Now, by this build of newskg.
    pub fn now() -> Provenance {
        Provenance { generated_at: now_xsd(), extractor_version: format!("newskg {}", env!("CARGO_PKG_VERSION")) }
    }

    /// At the given time (`xsd:dateTime`, such as `2026-03-01T00:00:00Z`), by this build
    /// of newskg: a fixed time makes the same inputs give the same graphs, byte for byte.
    pub fn at(generated_at: &str) -> Result<Provenance, String> {
        let ok = regex::Regex::new(
            r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$",
        )
        .is_ok_and(|r| r.is_match(generated_at));
        if !ok {
            return Err(format!(
                "{generated_at:?} is not an xsd:dateTime: write it as YYYY-MM-DDTHH:MM:SSZ (for example 2026-03-01T00:00:00Z)"
            ));
        }
        Ok(Provenance { generated_at: generated_at.to_string(), ..Provenance::now() })
    }
}

/// The current UTC time as `xsd:dateTime`.
pub fn now_xsd() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    xsd_date_time(secs)
}

/// A Unix time (seconds since 1970-01-01 UTC, as in `SOURCE_DATE_EPOCH`) as `xsd:dateTime`.
pub fn xsd_date_time(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The quads of one article's named graph. `content_hash` names the graph.
/// One article's named graph, ready to load: made on any thread (it holds no store),
/// loaded by [`crate::store::KgStore::put_batch`].
#[derive(Clone, Debug)]
pub struct ArticleGraph {
    /// The content hash that names the graph.
    pub content_hash: String,
    /// Where the article came from: an edited article (same source, new content)
    /// replaces its older graph.
    pub source: String,
    pub(crate) quads: Vec<Quad>,
}

impl ArticleGraph {
    /// The graph of extraction `x`, named by its article id (a content hash).
    pub fn new(ns: &Namespace, x: &Extraction, prov: &Provenance) -> ArticleGraph {
        ArticleGraph {
            content_hash: x.article.id.clone(),
            source: x.article.source.clone(),
            quads: article_quads(ns, x, &x.article.id, prov),
        }
    }

    /// How many quads the graph holds.
    pub fn len(&self) -> usize {
        self.quads.len()
    }

    /// Whether the graph holds no quad (never, for a real article: it is always typed).
    pub fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }
}

pub fn article_quads(ns: &Namespace, x: &Extraction, content_hash: &str, prov: &Provenance) -> Vec<Quad> {
    let g = GraphName::NamedNode(ns.article(content_hash));
    let art = ns.article(content_hash);
    let mut q: Vec<Quad> = Vec::new();
    let mut add = |s: NamedOrBlankNode, p: NamedNode, o: Term| q.push(Quad::new(s, p, o, g.clone()));
    let a: NamedOrBlankNode = art.clone().into();
    add(a.clone(), rdf::TYPE.into_owned(), nkg("Article").into());
    if let Some(t) = &x.article.title {
        add(a.clone(), iri(DCTERMS, "title"), Literal::new_simple_literal(t).into());
    }
    if let Some(d) = &x.article.published {
        add(a.clone(), iri(DCTERMS, "date"), typed(d, xsd::DATE).into());
    }
    for k in &x.article.keywords {
        add(a.clone(), iri(SCHEMA, "keywords"), Literal::new_simple_literal(k).into());
    }
    add(a.clone(), iri(DCTERMS, "source"), Literal::new_simple_literal(&x.article.source).into());
    if let Some(u) = &x.article.url {
        add(a.clone(), iri(SCHEMA, "url"), typed(u, xsd::ANY_URI).into());
    }
    add(a.clone(), iri(PROV, "generatedAtTime"), typed(&prov.generated_at, xsd::DATE_TIME).into());
    add(a.clone(), nkg("extractorVersion"), Literal::new_simple_literal(&prov.extractor_version).into());
    add(a.clone(), nkg("contentHash"), Literal::new_simple_literal(content_hash).into());

    for e in &x.entities {
        let s: NamedOrBlankNode = ns.entity(&e.id).into();
        add(s.clone(), rdf::TYPE.into_owned(), nkg(e.kind.as_str()).into());
        add(s.clone(), rdfs::LABEL.into_owned(), Literal::new_simple_literal(&e.label).into());
        let aliases: BTreeSet<&str> = e.mentions.iter().map(|m| m.text.as_str()).filter(|t| *t != e.label).collect();
        for alias in aliases {
            add(s.clone(), iri(SKOS, "altLabel"), Literal::new_simple_literal(alias).into());
        }
        if let Some(w) = &e.codes.wikidata {
            add(s.clone(), iri(OWL, "sameAs"), iri(WD, w).into());
        }
        if let Some(c) = &e.codes.iso3166 {
            add(s.clone(), nkg("iso3166"), Literal::new_simple_literal(c).into());
        }
    }
    let mut n = 0;
    for r in &x.relations {
        let (s, p, o) = (ns.entity(&r.subject), nkg(&r.predicate), ns.entity(&r.object));
        if !r.negated && r.modality == Modality::Asserted {
            add(s.clone().into(), p.clone(), o.clone().into());
        }
        for ev in &r.evidence {
            n += 1;
            let node: NamedOrBlankNode = ns.assertion(content_hash, n).into();
            add(node.clone(), rdf::TYPE.into_owned(), nkg("Assertion").into());
            add(node.clone(), rdf::SUBJECT.into_owned(), s.clone().into());
            add(node.clone(), rdf::PREDICATE.into_owned(), p.clone().into());
            add(node.clone(), rdf::OBJECT.into_owned(), o.clone().into());
            add(node.clone(), nkg("negated"), Literal::from(r.negated).into());
            add(node.clone(), nkg("modality"), nkg(modality_local(r.modality)).into());
            add(node.clone(), nkg("confidence"), typed(format!("{:.2}", r.confidence), xsd::DECIMAL).into());
            add(node.clone(), nkg("rule"), Literal::new_simple_literal(&r.rule).into());
            add(node.clone(), nkg("evidence"), Literal::new_simple_literal(&ev.text).into());
            add(node.clone(), nkg("evidenceStart"), typed(ev.start.to_string(), xsd::INTEGER).into());
            add(node.clone(), nkg("evidenceEnd"), typed(ev.end.to_string(), xsd::INTEGER).into());
            add(node.clone(), nkg("sentenceIndex"), typed(ev.sentence.to_string(), xsd::INTEGER).into());
            add(node, iri(PROV, "wasDerivedFrom"), art.clone().into());
        }
    }
    q
}

fn modality_local(m: Modality) -> &'static str {
    match m {
        Modality::Asserted => "Asserted",
        Modality::Hypothetical => "Hypothetical",
        Modality::Conditional => "Conditional",
        Modality::Future => "Future",
    }
}

/// The ontology's triples as quads of the ontology graph, with stable blank-node labels.
///
/// A parser mints random labels for `[ … ]` and `( … )`, so the same ontology would be
/// written differently on every run; labels derived from the ontology's own hash and the
/// order of appearance keep dumps, pushes and N-Quads shards byte-identical across runs.
pub fn ontology_quads(ns: &Namespace, ttl: &str) -> Result<Vec<Quad>, String> {
    use sha2::{Digest, Sha256};
    let triples = parse_turtle(ttl, "ontology")?;
    let digest = Sha256::digest(ttl.as_bytes());
    let stem: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let mut labels: HashMap<BlankNode, BlankNode> = HashMap::new();
    let mut stable = |b: &BlankNode| -> BlankNode {
        let n = labels.len();
        labels.entry(b.clone()).or_insert_with(|| BlankNode::new_unchecked(format!("ontology-{stem}-{n}"))).clone()
    };
    let g = GraphName::NamedNode(ns.ontology_graph());
    Ok(triples
        .into_iter()
        .map(|q| {
            let subject = match q.subject {
                NamedOrBlankNode::BlankNode(b) => stable(&b).into(),
                s => s,
            };
            let object = match q.object {
                Term::BlankNode(b) => stable(&b).into(),
                o => o,
            };
            Quad::new(subject, q.predicate, object, g.clone())
        })
        .collect())
}

/// A graph written as N-Quads, one quad a line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NQuads {
    pub text: String,
    /// Distinct quads (lines) in `text`.
    pub quads: usize,
}

/// Writes `quads` as N-Quads exactly as a store holds them: each distinct quad once (RDF
/// graphs are sets) and literals in their canonical form (`"0.90"^^xsd:decimal` is held
/// as `"0.9"`), so a bulk load of the text gives the same graph as `newskg build`. The
/// order is the store's, the same for the same quads.
pub fn nquads(quads: &[Quad]) -> Result<NQuads, String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write N-Quads: {e}");
    let store = oxigraph::store::Store::new().map_err(|e| fail(&e))?;
    store.extend(quads.iter().cloned()).map_err(|e| fail(&e))?;
    let bytes =
        store.dump_to_writer(RdfSerializer::from_format(RdfFormat::NQuads), Vec::new()).map_err(|e| fail(&e))?;
    let text = String::from_utf8(bytes).map_err(|e| fail(&e))?;
    Ok(NQuads { quads: text.lines().count(), text })
}

/// Parses Turtle into triples (as quads in the default graph).
pub fn parse_turtle(text: &str, what: &str) -> Result<Vec<Quad>, String> {
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{what}: {e}"))
}

/// What the ontology declares: its classes, object properties, and for each property the
/// classes its domain and range allow (unions and subclasses expanded).
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    pub classes: HashSet<String>,
    pub properties: HashSet<String>,
    pub domain: HashMap<String, HashSet<String>>,
    pub range: HashMap<String, HashSet<String>>,
    /// Each class with itself and all its superclasses.
    pub superclasses: HashMap<String, HashSet<String>>,
}

impl Vocabulary {
    /// Reads the ontology's declarations.
    pub fn from_ontology(ttl: &str) -> Result<Vocabulary, String> {
        let quads = parse_turtle(ttl, "ontology/newskg.ttl")?;
        let mut by_subject: HashMap<Term, Vec<(&NamedNode, &Term)>> = HashMap::new();
        for q in &quads {
            by_subject.entry(q.subject.clone().into()).or_default().push((&q.predicate, &q.object));
        }
        let objects = |s: &Term, p: &str| -> Vec<Term> {
            by_subject
                .get(s)
                .map(|v| v.iter().filter(|(pp, _)| pp.as_str() == p).map(|(_, o)| (*o).clone()).collect())
                .unwrap_or_default()
        };
        let rdf_type = rdf::TYPE.as_str();
        let owl_class = format!("{OWL}Class");
        let mut v = Vocabulary::default();
        for q in &quads {
            if q.predicate.as_str() == rdf_type {
                if let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(o)) = (&q.subject, &q.object) {
                    if o.as_str() == owl_class {
                        v.classes.insert(s.as_str().to_string());
                    } else if o.as_str() == format!("{OWL}ObjectProperty") {
                        v.properties.insert(s.as_str().to_string());
                    }
                }
            }
        }
        // Subclass closure.
        let sub = "http://www.w3.org/2000/01/rdf-schema#subClassOf";
        for c in &v.classes {
            let mut seen: HashSet<String> = HashSet::new();
            let mut stack = vec![c.clone()];
            while let Some(x) = stack.pop() {
                if seen.insert(x.clone()) {
                    for o in objects(&NamedNode::new_unchecked(x.clone()).into(), sub) {
                        if let Term::NamedNode(n) = o {
                            stack.push(n.as_str().to_string());
                        }
                    }
                }
            }
            v.superclasses.insert(c.clone(), seen);
        }
        // Domain and range as sets of named classes (owl:unionOf lists expanded).
        let expand = |t: &Term| -> HashSet<String> {
            match t {
                Term::NamedNode(n) => [n.as_str().to_string()].into(),
                Term::BlankNode(_) => {
                    let mut out = HashSet::new();
                    for list in objects(t, &format!("{OWL}unionOf")) {
                        let mut cur = list;
                        while let Some(first) = objects(&cur, rdf::FIRST.as_str()).pop() {
                            if let Term::NamedNode(n) = first {
                                out.insert(n.as_str().to_string());
                            }
                            match objects(&cur, rdf::REST.as_str()).pop() {
                                Some(next) => cur = next,
                                None => break,
                            }
                        }
                    }
                    out
                }
                _ => HashSet::new(),
            }
        };
        for p in &v.properties {
            let node: Term = NamedNode::new_unchecked(p.clone()).into();
            if let Some(d) = objects(&node, "http://www.w3.org/2000/01/rdf-schema#domain").first() {
                v.domain.insert(p.clone(), expand(d));
            }
            if let Some(r) = objects(&node, "http://www.w3.org/2000/01/rdf-schema#range").first() {
                v.range.insert(p.clone(), expand(r));
            }
        }
        Ok(v)
    }

    /// Checks that every predicate of the lexicon and every type of the gazetteer and
    /// lexicon is declared by the ontology; the error names what is missing.
    pub fn check(&self, lex: &Lexicon, gaz: &Gazetteer) -> Result<(), DataError> {
        let err = |file: &str, message: String| Err(DataError { file: file.to_string(), line: 0, message });
        for p in &lex.predicates {
            if !self.properties.contains(&format!("{NKG}{}", p.name)) {
                return err(
                    "data/lexicon/predicates.toml",
                    format!("predicate {:?} is not declared in ontology/newskg.ttl: declare nkg:{} as an owl:ObjectProperty, or remove it", p.name, p.name),
                );
            }
        }
        for e in gaz.entries() {
            let class = format!("{NKG}{}", e.kind.as_str());
            if !self.classes.contains(&class) {
                return err(
                    "data/gazetteer",
                    format!("type {:?} of {:?} is not a class of ontology/newskg.ttl", e.kind.as_str(), e.id),
                );
            }
        }
        Ok(())
    }

    /// Whether an entity with `types` may be the subject (or object, with `range`) of `property`.
    pub fn allows(&self, property: &str, types: &[String], range: bool) -> bool {
        let table = if range { &self.range } else { &self.domain };
        let Some(allowed) = table.get(property) else { return true };
        types
            .iter()
            .any(|t| self.superclasses.get(t).is_some_and(|sup| !sup.is_disjoint(allowed)) || allowed.contains(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ontology_blank_nodes_are_labelled_the_same_on_every_parse() {
        let ns = Namespace::default();
        let a = nquads(&ontology_quads(&ns, ONTOLOGY_TTL).unwrap()).unwrap();
        let b = nquads(&ontology_quads(&ns, ONTOLOGY_TTL).unwrap()).unwrap();
        assert_eq!(a, b);
        assert!(a.text.contains("_:ontology-"), "the ontology has blank nodes (owl:unionOf lists)");
        assert!(a.text.lines().all(|l| l.ends_with("<https://w3id.org/newskg/ontology> .")));
        assert_eq!(a.quads, a.text.lines().count());
    }

    #[test]
    fn nquads_are_written_as_a_store_holds_them() {
        let g = GraphName::NamedNode(nkg("g"));
        let q = Quad::new(nkg("s"), nkg("p"), Literal::new_simple_literal("a \"b\"\n"), g.clone());
        let r = Quad::new(nkg("s"), nkg("p"), typed("0.90", xsd::DECIMAL), g);
        let out = nquads(&[q.clone(), r, q]).unwrap();
        assert_eq!(out.quads, 2);
        let mut lines: Vec<&str> = out.text.lines().collect();
        lines.sort();
        assert_eq!(
            lines,
            [
                "<https://w3id.org/newskg/ontology#s> <https://w3id.org/newskg/ontology#p> \"0.9\"^^<http://www.w3.org/2001/XMLSchema#decimal> <https://w3id.org/newskg/ontology#g> .",
                "<https://w3id.org/newskg/ontology#s> <https://w3id.org/newskg/ontology#p> \"a \\\"b\\\"\\n\" <https://w3id.org/newskg/ontology#g> .",
            ]
        );
    }

    #[test]
    fn fixed_generation_times() {
        assert_eq!(xsd_date_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(xsd_date_time(1_772_323_200), "2026-03-01T00:00:00Z");
        assert_eq!(Provenance::at("2026-03-01T00:00:00Z").unwrap().generated_at, "2026-03-01T00:00:00Z");
        assert!(Provenance::at("2026-03-01T12:30:00.5+02:00").is_ok());
        for bad in ["2026-03-01", "2026-13-01T00:00:00Z", "yesterday", "2026-03-01T25:00:00Z"] {
            assert!(Provenance::at(bad).unwrap_err().contains("xsd:dateTime"), "{bad}");
        }
    }
}
