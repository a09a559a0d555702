//! The entity graph: the store's relations projected into a petgraph graph, the one model
//! every export format and the server draw from.
//!
//! Nodes are entities; an edge is one (subject, predicate, object, negated) relation with
//! everything that supports it summed up: how many assertions and articles, the highest
//! confidence, the first and last dates, and the best evidence sentence. Only asserted
//! statements become edges (supposed ones stay in the store as provenance); denied ones
//! become distinct, marked edges when asked for. The filters are shared by every format so
//! that a picture and a table of the same options show the same graph.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::gazetteer::Gazetteer;
use crate::model::EntityType;
use crate::store::{AssertionRecord, GraphRecords};

/// An entity of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The entity id (`russia`), the last segment of its IRI.
    pub id: String,
    pub label: String,
    /// The entity type's name (`Country`, `ArmedGroup`…).
    pub kind: String,
    pub wikidata: Option<String>,
    pub iso3166: Option<String>,
    /// Articles that mention the entity (for a folded state: the largest count among it and
    /// the actors folded into it).
    pub articles: usize,
    /// With `--aggregate state`: the ids of the people and bodies folded into this node.
    pub members: Vec<String>,
}

/// A relation between two entities, summed over everything that states it.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The predicate's local name (`hasInterestIn`): the relation type importers keep.
    pub predicate: String,
    /// The predicate's label in the ontology (`has an interest in`): what pictures show.
    pub label: String,
    pub cameo: Option<String>,
    /// Cooperation or conflict: `VerbalCooperation`, `MaterialCooperation`,
    /// `VerbalConflict`, `MaterialConflict`; `None` for relations CAMEO does not code
    /// (hasInterestIn, controls, memberOf…).
    pub quad_class: Option<String>,
    pub goldstein: Option<f64>,
    /// Evidence sentences (assertion nodes) that state the relation.
    pub assertions: usize,
    /// Distinct articles among them.
    pub articles: usize,
    /// The highest confidence among them.
    pub confidence: f64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// The best evidence sentence: highest confidence, then earliest article.
    pub evidence: String,
    /// The content hash of the evidence sentence's article.
    pub evidence_article: String,
    pub evidence_title: Option<String>,
    /// A denied relation ("Russia does not endorse…"), shown only with `include_negated`.
    pub negated: bool,
}

/// The projected graph. Nodes are sorted by id and edges by (source, target, predicate,
/// negated), so the same store and filter always give the same graph, index for index.
#[derive(Clone, Debug, Default)]
pub struct EntityGraph {
    pub graph: DiGraph<Node, Edge>,
}

impl EntityGraph {
    /// The node with entity id `id`.
    pub fn node_index(&self, id: &str) -> Option<NodeIndex> {
        self.graph.node_indices().find(|&i| self.graph[i].id == id)
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }
}

/// How actors are grouped before drawing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Aggregate {
    /// Every entity is its own node.
    #[default]
    None,
    /// People and bodies are folded into the state they act for: a gazetteer parent that
    /// is a country (a minister's state, a state force's country), or else the country the
    /// store says they lead or belong to (`leaderOf`, `memberOf`).
    State,
}

/// Which part of the store to draw. The default draws every asserted, non-negated
/// relation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Keep only these predicates (local names, `recognizes`).
    pub predicates: Vec<String>,
    /// Keep only entities of these types (`Country`, `ArmedGroup`…); edges need both ends.
    pub types: Vec<String>,
    /// Keep only evidence from these articles: a content hash (or a prefix of at least 8
    /// characters of one) or an article's source path.
    pub articles: Vec<String>,
    /// Keep only evidence from articles dated on or after this day (`YYYY-MM-DD`);
    /// undated articles are then left out.
    pub since: Option<String>,
    /// Keep only evidence from articles dated on or before this day.
    pub until: Option<String>,
    /// Keep only assertions at least this confident.
    pub min_confidence: f64,
    /// Add denied relations as distinct edges marked `negated`.
    pub include_negated: bool,
    /// Draw only the neighbourhood of this entity (an id or a label, any case).
    pub entity: Option<String>,
    /// How many hops from `entity` (default 1).
    pub depth: usize,
    pub aggregate: Aggregate,
    /// Also add entities the kept articles mention but no kept edge connects.
    pub isolated: bool,
}

/// A filter that cannot be applied, phrased for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

/// Predicates by which an actor's state can be read from the store when the gazetteer
/// does not know it.
const AFFILIATION_PREDICATES: [&str; 2] = ["leaderOf", "memberOf"];

/// Entity types that `Aggregate::State` may fold into a state.
fn foldable(kind: &str) -> bool {
    matches!(kind, "Person" | "PoliticalOrganization" | "ArmedGroup" | "InternationalOrganization")
}

/// A `YYYY-MM-DD` day.
fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

impl Filter {
    /// Checks names and values against the data, so a typo is an error and not an empty
    /// picture.
    fn check(&self, records: &GraphRecords) -> Result<(), FilterError> {
        let known: BTreeSet<&str> = records
            .predicates
            .iter()
            .map(|p| p.name.as_str())
            .chain(records.assertions.iter().map(|a| a.predicate.as_str()))
            .collect();
        for p in &self.predicates {
            if !known.contains(p.as_str()) {
                let near: Vec<&str> = known
                    .iter()
                    .copied()
                    .filter(|k| {
                        k.to_lowercase().contains(&p.to_lowercase()) || p.to_lowercase().contains(&k.to_lowercase())
                    })
                    .collect();
                let hint =
                    if near.is_empty() { String::new() } else { format!(" (did you mean {}?)", near.join(", ")) };
                return Err(FilterError(format!(
                    "--predicate {p:?}: no such relation{hint}; the relations are: {}",
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        for t in &self.types {
            if EntityType::parse(t).is_none() {
                let names: Vec<&str> = EntityType::ALL.iter().map(|t| t.as_str()).collect();
                return Err(FilterError(format!(
                    "--type {t:?}: no such entity type; the types are: {}",
                    names.join(", ")
                )));
            }
        }
        for (flag, d) in [("--since", &self.since), ("--until", &self.until)] {
            if let Some(d) = d {
                if !is_day(d) {
                    return Err(FilterError(format!("{flag} {d:?}: give a day as YYYY-MM-DD, e.g. 2025-07-03")));
                }
            }
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(FilterError(format!("--min-confidence {}: give a number from 0 to 1", self.min_confidence)));
        }
        for a in &self.articles {
            if !records.articles.iter().any(|r| article_matches(a, &r.id, r.source.as_deref())) {
                return Err(FilterError(format!(
                    "--article {a:?}: no such article in the store; list them with: newskg query 'SELECT ?a ?source WHERE {{ ?a dcterms:source ?source }}'"
                )));
            }
        }
        Ok(())
    }
}

fn article_matches(wanted: &str, id: &str, source: Option<&str>) -> bool {
    id == wanted || (wanted.len() >= 8 && id.starts_with(wanted)) || source == Some(wanted)
}

/// What folding needs beyond the store: the gazetteer's parent links, and the states'
/// names for states no article mentions.
#[derive(Clone, Debug, Default)]
pub struct Affiliations {
    parent: HashMap<String, String>,
    states: HashMap<String, Node>,
}

impl Affiliations {
    /// The parent links and countries of the gazetteer.
    pub fn from_gazetteer(gaz: &Gazetteer) -> Affiliations {
        let mut a = Affiliations::default();
        for e in gaz.entries() {
            if let Some(p) = &e.parent {
                a.parent.insert(e.id.clone(), p.clone());
            }
            if e.kind == EntityType::Country {
                a.states.insert(
                    e.id.clone(),
                    Node {
                        id: e.id.clone(),
                        label: e.label.clone(),
                        kind: "Country".into(),
                        wikidata: e.wikidata.clone(),
                        iso3166: e.iso3.clone(),
                        articles: 0,
                        members: Vec::new(),
                    },
                );
            }
        }
        a
    }
}

/// Projects `records` through `filter`. `affiliations` is used by `Aggregate::State`.
pub fn project(
    records: &GraphRecords,
    filter: &Filter,
    affiliations: &Affiliations,
) -> Result<EntityGraph, FilterError> {
    filter.check(records)?;
    let entity_of: HashMap<&str, usize> =
        records.entities.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
    let predicate_of: HashMap<&str, usize> =
        records.predicates.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
    let wanted_types: HashSet<&str> = filter.types.iter().map(String::as_str).collect();
    let kind_of = |id: &str| -> &str {
        entity_of
            .get(id)
            .map(|&i| records.entities[i].kind.as_str())
            .or_else(|| affiliations.states.get(id).map(|_| "Country"))
            .unwrap_or("")
    };

    // Which articles count.
    let article_ok: Vec<bool> = records
        .articles
        .iter()
        .map(|a| {
            (filter.articles.is_empty()
                || filter.articles.iter().any(|w| article_matches(w, &a.id, a.source.as_deref())))
                && filter.since.as_ref().is_none_or(|s| a.date.as_ref().is_some_and(|d| d.as_str() >= s.as_str()))
                && filter.until.as_ref().is_none_or(|u| a.date.as_ref().is_some_and(|d| d.as_str() <= u.as_str()))
        })
        .collect();

    let fold = folding(records, filter.aggregate, affiliations, &kind_of);
    let folded = |id: &str| -> String { fold.get(id).cloned().unwrap_or_else(|| id.to_string()) };

    // Group the kept assertions into edges.
    type Key = (String, String, String, bool);
    let mut groups: BTreeMap<Key, Vec<&AssertionRecord>> = BTreeMap::new();
    for a in &records.assertions {
        if !a.asserted
            || (a.negated && !filter.include_negated)
            || a.confidence < filter.min_confidence
            || !article_ok[a.article]
            || (!filter.predicates.is_empty() && !filter.predicates.contains(&a.predicate))
        {
            continue;
        }
        let (s, o) = (folded(&a.subject), folded(&a.object));
        if s == o && (s != a.subject || o != a.object) {
            continue; // a minister's relation to the state he was folded into
        }
        let type_ok = |id: &str| wanted_types.is_empty() || wanted_types.contains(kind_of(id));
        if !(type_ok(&s) && type_ok(&o)) {
            continue;
        }
        groups.entry((s, a.predicate.clone(), o, a.negated)).or_default().push(a);
    }

    // Nodes: the edges' ends, plus isolated entities when asked.
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for (s, _, o, _) in groups.keys() {
        ids.insert(s.clone());
        ids.insert(o.clone());
    }
    if filter.isolated {
        let mentioned: HashSet<&str> = if filter.articles.is_empty() && filter.since.is_none() && filter.until.is_none()
        {
            records.entities.iter().map(|e| e.id.as_str()).collect()
        } else {
            // Entities of kept articles: those that appear in their assertions.
            records
                .assertions
                .iter()
                .filter(|a| article_ok[a.article])
                .flat_map(|a| [a.subject.as_str(), a.object.as_str()])
                .collect()
        };
        for e in &records.entities {
            let id = folded(&e.id);
            if mentioned.contains(e.id.as_str()) && (wanted_types.is_empty() || wanted_types.contains(kind_of(&id))) {
                ids.insert(id);
            }
        }
    }

    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for (from, to) in &fold {
        members.entry(to.clone()).or_default().push(from.clone());
    }
    let mut eg = EntityGraph::default();
    let mut index: HashMap<String, NodeIndex> = HashMap::new();
    for id in &ids {
        let mut m = members.remove(id).unwrap_or_default();
        m.sort();
        let mut node = match entity_of.get(id.as_str()) {
            Some(&i) => {
                let e = &records.entities[i];
                Node {
                    id: e.id.clone(),
                    label: e.label.clone(),
                    kind: e.kind.clone(),
                    wikidata: e.wikidata.clone(),
                    iso3166: e.iso3166.clone(),
                    articles: e.articles,
                    members: Vec::new(),
                }
            }
            None => affiliations.states.get(id).cloned().unwrap_or_else(|| Node {
                id: id.clone(),
                label: id.clone(),
                kind: String::new(),
                wikidata: None,
                iso3166: None,
                articles: 0,
                members: Vec::new(),
            }),
        };
        for member in &m {
            if let Some(&i) = entity_of.get(member.as_str()) {
                node.articles = node.articles.max(records.entities[i].articles);
            }
        }
        node.members = m;
        index.insert(id.clone(), eg.graph.add_node(node));
    }

    for ((s, p, o, negated), list) in groups {
        let info = predicate_of.get(p.as_str()).map(|&i| &records.predicates[i]);
        let date = |a: &AssertionRecord| records.articles[a.article].date.clone();
        let best = list
            .iter()
            .min_by(|a, b| {
                b.confidence
                    .total_cmp(&a.confidence)
                    .then_with(|| cmp_dates(date(a).as_deref(), date(b).as_deref()))
                    .then_with(|| records.articles[a.article].id.cmp(&records.articles[b.article].id))
                    .then(a.sentence.cmp(&b.sentence))
            })
            .copied()
            .expect("a group has at least one assertion");
        let dates: BTreeSet<String> = list.iter().filter_map(|a| date(a)).collect();
        let articles: HashSet<usize> = list.iter().map(|a| a.article).collect();
        let edge = Edge {
            label: info.and_then(|i| i.label.clone()).unwrap_or_else(|| p.clone()),
            cameo: info.and_then(|i| i.cameo.clone()),
            quad_class: info.and_then(|i| i.quad_class.clone()),
            goldstein: info.and_then(|i| i.goldstein),
            predicate: p,
            assertions: list.len(),
            articles: articles.len(),
            confidence: list.iter().map(|a| a.confidence).fold(0.0, f64::max),
            first_date: dates.first().cloned(),
            last_date: dates.last().cloned(),
            evidence: best.evidence.clone(),
            evidence_article: records.articles[best.article].id.clone(),
            evidence_title: records.articles[best.article].title.clone(),
            negated,
        };
        eg.graph.add_edge(index[&s], index[&o], edge);
    }

    if let Some(wanted) = &filter.entity {
        let centre = find_entity(&eg, records, wanted, &folded)?;
        eg = ego(&eg, centre, filter.depth.max(1));
    }
    Ok(eg)
}

/// Undated articles sort after dated ones.
fn cmp_dates(a: Option<&str>, b: Option<&str>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// entity id → the state it is folded into.
fn folding<'a>(
    records: &'a GraphRecords,
    aggregate: Aggregate,
    affiliations: &Affiliations,
    kind_of: &dyn Fn(&str) -> &'a str,
) -> HashMap<String, String> {
    let mut fold = HashMap::new();
    if aggregate == Aggregate::None {
        return fold;
    }
    // What the store says: the country an actor most often leads or belongs to.
    let mut stated: HashMap<&str, BTreeMap<&str, usize>> = HashMap::new();
    for a in &records.assertions {
        if a.asserted
            && !a.negated
            && AFFILIATION_PREDICATES.contains(&a.predicate.as_str())
            && kind_of(&a.object) == "Country"
        {
            *stated.entry(a.subject.as_str()).or_default().entry(a.object.as_str()).or_default() += 1;
        }
    }
    for e in &records.entities {
        if !foldable(&e.kind) {
            continue;
        }
        // The gazetteer's parent chain, up to the first country.
        let mut state = None;
        let mut at = e.id.as_str();
        for _ in 0..4 {
            let Some(p) = affiliations.parent.get(at) else { break };
            if affiliations.states.contains_key(p) || kind_of(p) == "Country" {
                state = Some(p.clone());
                break;
            }
            at = p;
        }
        let state = state.or_else(|| {
            stated
                .get(e.id.as_str())
                .and_then(|m| m.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(s, _)| s.to_string()))
        });
        if let Some(s) = state {
            fold.insert(e.id.clone(), s);
        }
    }
    fold
}

/// The node `wanted` names: an id, or a label in any case.
fn find_entity(
    eg: &EntityGraph,
    records: &GraphRecords,
    wanted: &str,
    folded: &dyn Fn(&str) -> String,
) -> Result<NodeIndex, FilterError> {
    let lower = wanted.to_lowercase();
    let id = records
        .entities
        .iter()
        .find(|e| e.id == wanted)
        .or_else(|| records.entities.iter().find(|e| e.label.to_lowercase() == lower))
        .map(|e| folded(&e.id))
        .or_else(|| eg.node_index(wanted).map(|_| wanted.to_string()));
    let Some(id) = id else {
        let near: Vec<String> = records
            .entities
            .iter()
            .filter(|e| e.id.contains(&lower) || e.label.to_lowercase().contains(&lower))
            .take(8)
            .map(|e| format!("{} ({})", e.id, e.label))
            .collect();
        let hint = if near.is_empty() {
            "list entities with: newskg query 'SELECT ?e ?label WHERE { ?e a/rdfs:subClassOf* nkg:Entity ; rdfs:label ?label }'".to_string()
        } else {
            format!("did you mean {}?", near.join(", "))
        };
        return Err(FilterError(format!("--entity {wanted:?}: no such entity in the store; {hint}")));
    };
    eg.node_index(&id).ok_or_else(|| {
        FilterError(format!("--entity {wanted:?}: the entity has no relation that the other filters keep"))
    })
}

/// The subgraph within `depth` hops of `centre`, edges followed both ways.
fn ego(eg: &EntityGraph, centre: NodeIndex, depth: usize) -> EntityGraph {
    let mut dist: HashMap<NodeIndex, usize> = HashMap::from([(centre, 0)]);
    let mut queue = VecDeque::from([centre]);
    while let Some(n) = queue.pop_front() {
        let d = dist[&n];
        if d == depth {
            continue;
        }
        for m in eg.graph.neighbors_undirected(n) {
            if let std::collections::hash_map::Entry::Vacant(v) = dist.entry(m) {
                v.insert(d + 1);
                queue.push_back(m);
            }
        }
    }
    let mut out = EntityGraph::default();
    let mut map = HashMap::new();
    for n in eg.graph.node_indices() {
        if dist.contains_key(&n) {
            map.insert(n, out.graph.add_node(eg.graph[n].clone()));
        }
    }
    for e in eg.graph.edge_references() {
        if let (Some(&s), Some(&t)) = (map.get(&e.source()), map.get(&e.target())) {
            out.graph.add_edge(s, t, e.weight().clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ArticleRecord, EntityRecord, PredicateRecord};

    fn entity(id: &str, kind: &str) -> EntityRecord {
        EntityRecord { id: id.into(), label: id.to_uppercase(), kind: kind.into(), articles: 1, ..Default::default() }
    }

    fn assertion(s: &str, p: &str, o: &str, article: usize, confidence: f64) -> AssertionRecord {
        AssertionRecord {
            subject: s.into(),
            predicate: p.into(),
            object: o.into(),
            asserted: true,
            confidence,
            evidence: format!("{s} {p} {o} in {article}"),
            article,
            ..Default::default()
        }
    }

    fn records() -> GraphRecords {
        GraphRecords {
            predicates: ["recognizes", "leaderOf", "attacks", "criticizes"]
                .iter()
                .map(|p| PredicateRecord {
                    name: p.to_string(),
                    label: Some(format!("{p} label")),
                    ..Default::default()
                })
                .collect(),
            entities: vec![
                entity("russia", "Country"),
                entity("taliban", "ArmedGroup"),
                entity("putin", "Person"),
                entity("ukraine", "Country"),
                entity("lonely", "Region"),
            ],
            articles: vec![
                ArticleRecord { id: "aaaaaaaaaaaa".into(), date: Some("2025-07-01".into()), ..Default::default() },
                ArticleRecord { id: "bbbbbbbbbbbb".into(), date: Some("2025-08-01".into()), ..Default::default() },
            ],
            assertions: vec![
                assertion("russia", "recognizes", "taliban", 0, 0.9),
                assertion("russia", "recognizes", "taliban", 1, 0.7),
                assertion("putin", "leaderOf", "russia", 0, 0.8),
                assertion("putin", "criticizes", "ukraine", 1, 0.6),
                AssertionRecord { negated: true, ..assertion("russia", "attacks", "taliban", 1, 0.9) },
                AssertionRecord { asserted: false, ..assertion("ukraine", "attacks", "russia", 1, 0.9) },
            ],
        }
    }

    fn edges(eg: &EntityGraph) -> Vec<String> {
        eg.graph
            .edge_references()
            .map(|e| {
                let (s, t, w) = (&eg.graph[e.source()], &eg.graph[e.target()], e.weight());
                format!("{} {}{} {}", s.id, if w.negated { "not " } else { "" }, w.predicate, t.id)
            })
            .collect()
    }

    #[test]
    fn asserted_relations_become_summed_edges() {
        let eg = project(&records(), &Filter::default(), &Affiliations::default()).unwrap();
        assert_eq!(edges(&eg), ["putin criticizes ukraine", "putin leaderOf russia", "russia recognizes taliban"]);
        let e = eg.graph.edge_weights().find(|e| e.predicate == "recognizes").unwrap();
        assert_eq!((e.assertions, e.articles, e.confidence), (2, 2, 0.9));
        assert_eq!((e.first_date.as_deref(), e.last_date.as_deref()), (Some("2025-07-01"), Some("2025-08-01")));
        assert_eq!(e.evidence, "russia recognizes taliban in 0");
        assert_eq!(e.label, "recognizes label");
        let ids: Vec<&str> = eg.graph.node_weights().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["putin", "russia", "taliban", "ukraine"]);
    }

    #[test]
    fn negated_edges_only_when_asked() {
        let f = Filter { include_negated: true, ..Filter::default() };
        let eg = project(&records(), &f, &Affiliations::default()).unwrap();
        assert!(edges(&eg).contains(&"russia not attacks taliban".to_string()));
        assert!(!edges(&eg).iter().any(|e| e.contains("ukraine attacks")), "supposed relations never become edges");
    }

    #[test]
    fn filters_by_predicate_date_confidence_article_type() {
        let r = records();
        let a = Affiliations::default();
        let only = |f: Filter| edges(&project(&r, &f, &a).unwrap());
        assert_eq!(
            only(Filter { predicates: vec!["leaderOf".into()], ..Filter::default() }),
            ["putin leaderOf russia"]
        );
        assert_eq!(
            only(Filter { since: Some("2025-07-15".into()), ..Filter::default() }),
            ["putin criticizes ukraine", "russia recognizes taliban"]
        );
        assert_eq!(
            only(Filter { min_confidence: 0.75, ..Filter::default() }),
            ["putin leaderOf russia", "russia recognizes taliban"]
        );
        assert_eq!(
            only(Filter { articles: vec!["aaaaaaaa".into()], ..Filter::default() }),
            ["putin leaderOf russia", "russia recognizes taliban"]
        );
        assert_eq!(
            only(Filter { types: vec!["Country".into(), "Person".into()], ..Filter::default() }),
            ["putin criticizes ukraine", "putin leaderOf russia"]
        );
        let e = project(&r, &Filter { since: Some("2025-07-15".into()), ..Filter::default() }, &a).unwrap();
        let rec = e.graph.edge_weights().find(|e| e.predicate == "recognizes").unwrap();
        assert_eq!((rec.assertions, rec.confidence), (1, 0.7), "the dropped article no longer counts");
    }

    #[test]
    fn bad_filters_are_errors_that_name_the_choices() {
        let r = records();
        let a = Affiliations::default();
        let e = project(&r, &Filter { predicates: vec!["recognises".into()], ..Filter::default() }, &a).unwrap_err();
        assert!(e.0.contains("recognizes"), "{e}");
        assert!(project(&r, &Filter { types: vec!["Nation".into()], ..Filter::default() }, &a)
            .unwrap_err()
            .0
            .contains("Country"));
        assert!(project(&r, &Filter { since: Some("July 2025".into()), ..Filter::default() }, &a)
            .unwrap_err()
            .0
            .contains("YYYY-MM-DD"));
        assert!(project(&r, &Filter { articles: vec!["zzzz".into()], ..Filter::default() }, &a).is_err());
        assert!(project(&r, &Filter { entity: Some("atlantis".into()), ..Filter::default() }, &a).is_err());
    }

    #[test]
    fn ego_network_and_state_folding() {
        let r = records();
        let a = Affiliations::default();
        let f = Filter { entity: Some("TALIBAN".into()), depth: 1, ..Filter::default() };
        assert_eq!(edges(&project(&r, &f, &a).unwrap()), ["russia recognizes taliban"]);
        let f = Filter { entity: Some("taliban".into()), depth: 2, ..Filter::default() };
        assert_eq!(edges(&project(&r, &f, &a).unwrap()), ["putin leaderOf russia", "russia recognizes taliban"]);
        // Putin leads Russia (stated in the store): his edges become Russia's; the
        // leadership edge itself disappears.
        let f = Filter { aggregate: Aggregate::State, ..Filter::default() };
        let eg = project(&r, &f, &a).unwrap();
        assert_eq!(edges(&eg), ["russia criticizes ukraine", "russia recognizes taliban"]);
        let russia = &eg.graph[eg.node_index("russia").unwrap()];
        assert_eq!(russia.members, ["putin"]);
    }

    #[test]
    fn isolated_entities_on_request() {
        let f = Filter { isolated: true, ..Filter::default() };
        let eg = project(&records(), &f, &Affiliations::default()).unwrap();
        assert!(eg.node_index("lonely").is_some());
        assert!(project(&records(), &Filter::default(), &Affiliations::default())
            .unwrap()
            .node_index("lonely")
            .is_none());
    }
}
