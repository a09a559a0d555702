//! Scoring extractions against gold files (the format of the shared evaluation set):
//! per-article and micro-averaged precision, recall and F1 for entities and relations,
//! with what was wrong or missed. Pure: the caller reads the files.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;

use crate::model::Extraction;

/// A gold file.
#[derive(Clone, Debug, Deserialize)]
pub struct Gold {
    pub article: String,
    pub entities: Vec<GoldEntity>,
    #[serde(default)]
    pub optional_entities: Vec<GoldEntity>,
    pub relations: Vec<GoldRelation>,
    #[serde(default)]
    pub optional_relations: Vec<GoldRelation>,
}

/// A gold entity and the other ids that mean it.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldEntity {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub accept: Vec<String>,
}

/// A gold relation.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldRelation {
    pub subject: String,
    pub predicate: String,
    pub object: String,
    #[serde(default)]
    pub negated: bool,
}

/// True and false positives and false negatives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    /// Adds another article's counts.
    pub fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }

    /// (precision, recall, F1); zero where undefined.
    pub fn prf(&self) -> (f64, f64, f64) {
        let p = if self.tp + self.fp > 0 { self.tp as f64 / (self.tp + self.fp) as f64 } else { 0.0 };
        let r = if self.tp + self.fn_ > 0 { self.tp as f64 / (self.tp + self.fn_) as f64 } else { 0.0 };
        let f = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        (p, r, f)
    }
}

/// A relation key as scored: (subject, predicate, object, negated).
pub type Key = (String, String, String, bool);

/// One article's score and the differences behind it.
#[derive(Clone, Debug, Default)]
pub struct ArticleScore {
    pub entities: Counts,
    pub relations: Counts,
    pub extra_entities: Vec<String>,
    pub missed_entities: Vec<String>,
    pub wrong: Vec<Key>,
    pub missed: Vec<Key>,
}

/// Normalises an id as the shared scorer does: last IRI segment, kebab-case, no leading "the-".
pub fn norm_id(v: &str) -> String {
    let s = v.rsplit('#').next().unwrap_or(v);
    let s = s.rsplit('/').next().unwrap_or(s);
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    out.strip_prefix("the-").map(str::to_string).unwrap_or(out)
}

fn norm_pred(v: &str) -> String {
    let s = v.rsplit('#').next().unwrap_or(v);
    let s = s.rsplit('/').next().unwrap_or(s);
    s.to_lowercase().chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit()).collect()
}

/// Scores one extraction against its gold file. `symmetric` lists the predicates that
/// match in either direction.
pub fn score(gold: &Gold, pred: &Extraction, symmetric: &HashSet<String>) -> ArticleScore {
    let symmetric: HashSet<String> = symmetric.iter().map(|p| norm_pred(p)).collect();
    let mut alias: HashMap<String, String> = HashMap::new();
    for e in &gold.entities {
        for a in std::iter::once(&e.id).chain(&e.accept) {
            alias.insert(norm_id(a), e.id.clone());
        }
    }
    let mut optional: HashSet<String> = HashSet::new();
    for e in &gold.optional_entities {
        for a in std::iter::once(&e.id).chain(&e.accept) {
            alias.entry(norm_id(a)).or_insert_with(|| e.id.clone());
        }
        optional.insert(e.id.clone());
    }
    let mut pred_to_gold: HashMap<String, String> = HashMap::new();
    for e in &pred.entities {
        let cands = [norm_id(&e.id), norm_id(&e.label)];
        let hit = cands.iter().find_map(|c| alias.get(c)).cloned();
        pred_to_gold.insert(e.id.clone(), hit.unwrap_or_else(|| format!("?{}", norm_id(&e.id))));
    }
    let gold_ents: BTreeSet<String> = gold.entities.iter().map(|e| e.id.clone()).collect();
    let pred_ents: BTreeSet<String> = pred_to_gold.values().filter(|g| !optional.contains(*g)).cloned().collect();
    let key = |s: &str, p: &str, o: &str, neg: bool| -> Key {
        let p = norm_pred(p);
        let (s, o) = if symmetric.contains(&p) && s > o { (o, s) } else { (s, o) };
        (s.to_string(), p, o.to_string(), neg)
    };
    let gold_rels: BTreeSet<Key> =
        gold.relations.iter().map(|r| key(&r.subject, &r.predicate, &r.object, r.negated)).collect();
    let opt_rels: BTreeSet<Key> =
        gold.optional_relations.iter().map(|r| key(&r.subject, &r.predicate, &r.object, r.negated)).collect();
    let endpoint = |id: &str| -> String {
        pred_to_gold
            .get(id)
            .cloned()
            .or_else(|| alias.get(&norm_id(id)).cloned())
            .unwrap_or_else(|| format!("?{}", norm_id(id)))
    };
    let mut pred_rels: BTreeSet<Key> = pred
        .relations
        .iter()
        .map(|r| key(&endpoint(&r.subject), &r.predicate, &endpoint(&r.object), r.negated))
        .collect();
    pred_rels.retain(|k| !opt_rels.contains(k) || gold_rels.contains(k));
    ArticleScore {
        entities: Counts {
            tp: pred_ents.intersection(&gold_ents).count(),
            fp: pred_ents.difference(&gold_ents).count(),
            fn_: gold_ents.difference(&pred_ents).count(),
        },
        relations: Counts {
            tp: pred_rels.intersection(&gold_rels).count(),
            fp: pred_rels.difference(&gold_rels).count(),
            fn_: gold_rels.difference(&pred_rels).count(),
        },
        extra_entities: pred_ents.difference(&gold_ents).cloned().collect(),
        missed_entities: gold_ents.difference(&pred_ents).cloned().collect(),
        wrong: pred_rels.difference(&gold_rels).cloned().collect(),
        missed: gold_rels.difference(&pred_rels).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleMeta, Codes, Entity, EntityType, Modality, Relation};

    fn rel(s: &str, p: &str, o: &str, neg: bool) -> Relation {
        Relation {
            subject: s.into(),
            predicate: p.into(),
            object: o.into(),
            negated: neg,
            modality: Modality::Asserted,
            confidence: 1.0,
            rule: "t".into(),
            evidence: vec![],
        }
    }

    fn ent(id: &str) -> Entity {
        Entity { id: id.into(), label: id.into(), kind: EntityType::Country, codes: Codes::default(), mentions: vec![] }
    }

    #[test]
    fn scores_like_the_shared_scorer() {
        let gold: Gold = serde_json::from_str(
            r#"{"article":"a.txt","entities":[{"id":"russia","type":"Country","accept":["russian-federation"]},{"id":"taliban","type":"ArmedGroup"}],
            "optional_entities":[{"id":"lithium","type":"Resource"}],
            "relations":[{"subject":"russia","predicate":"recognizes","object":"taliban","negated":false},
                         {"subject":"russia","predicate":"meetsWith","object":"taliban","negated":false}],
            "optional_relations":[{"subject":"russia","predicate":"hasInterestIn","object":"lithium","negated":false}]}"#,
        )
        .unwrap();
        let pred = Extraction {
            article: ArticleMeta::default(),
            entities: vec![ent("russian-federation"), ent("the-taliban"), ent("lithium"), ent("mars")],
            relations: vec![
                rel("russian-federation", "recognizes", "taliban", false),
                rel("taliban", "meetsWith", "russia", false),
                rel("russia", "hasInterestIn", "lithium", false),
                rel("russia", "endorses", "taliban", true),
            ],
            diagnostics: vec![],
        };
        let sym: HashSet<String> = ["meetsWith".to_string()].into();
        let s = score(&gold, &pred, &sym);
        assert_eq!(s.entities, Counts { tp: 2, fp: 1, fn_: 0 });
        assert_eq!(s.relations, Counts { tp: 2, fp: 1, fn_: 0 });
        assert_eq!(s.extra_entities, ["?mars"]);
        let (p, r, f) = s.relations.prf();
        assert!((p - 2.0 / 3.0).abs() < 1e-9 && (r - 1.0).abs() < 1e-9 && (f - 0.8).abs() < 1e-9);
    }

    #[test]
    fn norm_id_matches_the_scorer() {
        assert_eq!(norm_id("https://w3id.org/newskg/entity/The-Taliban"), "taliban");
        assert_eq!(norm_id("Côte d'Ivoire"), "c-te-d-ivoire");
    }
}
