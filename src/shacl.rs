//! `newskg validate`: checks the graph against the SHACL shapes of `ontology/shapes.ttl`
//! (the SHACL Core components those shapes use: targets, property paths that are IRIs,
//! counts, datatypes, classes, node kinds, value lists, numeric ranges, patterns, nested
//! shapes and `sh:or`) and against the ontology's domains and ranges. A shape using a
//! component not implemented here is an error, never a silent pass.

use std::collections::HashMap;

use oxigraph::model::vocab::rdf as rdfv;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Term};
use regex::Regex;

use crate::rdf::{self, Vocabulary, SH};
use crate::store::{KgStore, StoreError};

/// One way the graph breaks a rule, with the node at fault and the sentence behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub focus: String,
    pub path: String,
    pub message: String,
    pub value: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Constraints {
    min_count: Option<usize>,
    max_count: Option<usize>,
    datatype: Option<String>,
    class: Option<String>,
    node_kind: Option<String>,
    in_list: Option<Vec<Term>>,
    min_inclusive: Option<f64>,
    max_inclusive: Option<f64>,
    pattern: Option<Regex>,
    node: Option<String>,
    or: Vec<Constraints>,
}

#[derive(Clone, Debug)]
struct PropertyShape {
    path: String,
    message: Option<String>,
    c: Constraints,
}

#[derive(Clone, Debug, Default)]
struct NodeShape {
    targets: Vec<String>,
    properties: Vec<PropertyShape>,
    c: Constraints,
}

/// Parsed shapes.
pub struct Shapes {
    shapes: HashMap<String, NodeShape>,
}

type Graph = HashMap<Term, Vec<(String, Term)>>;

const KNOWN: &[&str] = &[
    "targetClass",
    "property",
    "path",
    "minCount",
    "maxCount",
    "datatype",
    "class",
    "nodeKind",
    "in",
    "minInclusive",
    "maxInclusive",
    "pattern",
    "node",
    "or",
    "message",
    "name",
    "description",
    "severity",
    "order",
    "group",
    "deactivated",
];

fn sh(local: &str) -> String {
    format!("{SH}{local}")
}

impl Shapes {
    /// Parses SHACL shapes from Turtle.
    pub fn parse(ttl: &str) -> Result<Shapes, String> {
        let quads = rdf::parse_turtle(ttl, "ontology/shapes.ttl")?;
        let mut g: Graph = HashMap::new();
        for q in &quads {
            if q.predicate.as_str().starts_with(SH) {
                let local = &q.predicate.as_str()[SH.len()..];
                if !KNOWN.contains(&local) {
                    return Err(format!(
                        "ontology/shapes.ttl uses sh:{local}, which newskg validate does not implement"
                    ));
                }
            }
            g.entry(q.subject.clone().into()).or_default().push((q.predicate.as_str().to_string(), q.object.clone()));
        }
        let mut shapes = HashMap::new();
        for (s, props) in &g {
            let is_node_shape = props.iter().any(|(p, o)| {
                p == rdfv::TYPE.as_str() && matches!(o, Term::NamedNode(n) if n.as_str() == sh("NodeShape"))
            });
            if is_node_shape {
                shapes.insert(s.to_string(), node_shape(&g, s)?);
            }
        }
        Ok(Shapes { shapes })
    }
}

fn values<'a>(g: &'a Graph, s: &Term, p: &str) -> impl Iterator<Item = &'a Term> + 'a {
    let p = p.to_string();
    g.get(s).into_iter().flatten().filter(move |(pp, _)| *pp == p).map(|(_, o)| o)
}

fn one(g: &Graph, s: &Term, p: &str) -> Option<Term> {
    values(g, s, p).next().cloned()
}

fn list(g: &Graph, head: &Term) -> Vec<Term> {
    let mut out = Vec::new();
    let mut cur = head.clone();
    while let Some(first) = one(g, &cur, rdfv::FIRST.as_str()) {
        out.push(first);
        match one(g, &cur, rdfv::REST.as_str()) {
            Some(next) => cur = next,
            None => break,
        }
    }
    out
}

fn literal_value(t: &Term) -> Option<&str> {
    match t {
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}

fn constraints(g: &Graph, s: &Term) -> Result<Constraints, String> {
    let num =
        |p: &str| -> Option<f64> { one(g, s, &sh(p)).and_then(|t| literal_value(&t).and_then(|v| v.parse().ok())) };
    let iri = |p: &str| -> Option<String> {
        one(g, s, &sh(p)).and_then(|t| match t {
            Term::NamedNode(n) => Some(n.as_str().to_string()),
            _ => None,
        })
    };
    let pattern = match one(g, s, &sh("pattern")) {
        Some(t) => {
            let p = literal_value(&t).unwrap_or_default().to_string();
            Some(
                Regex::new(&p)
                    .map_err(|e| format!("ontology/shapes.ttl: sh:pattern {p:?} is not a valid regex: {e}"))?,
            )
        }
        None => None,
    };
    let mut or = Vec::new();
    if let Some(head) = one(g, s, &sh("or")) {
        for alt in list(g, &head) {
            or.push(constraints(g, &alt)?);
        }
    }
    Ok(Constraints {
        min_count: num("minCount").map(|v| v as usize),
        max_count: num("maxCount").map(|v| v as usize),
        datatype: iri("datatype"),
        class: iri("class"),
        node_kind: iri("nodeKind"),
        in_list: one(g, s, &sh("in")).map(|h| list(g, &h)),
        min_inclusive: num("minInclusive"),
        max_inclusive: num("maxInclusive"),
        pattern,
        node: one(g, s, &sh("node")).map(|t| t.to_string()),
        or,
    })
}

fn node_shape(g: &Graph, s: &Term) -> Result<NodeShape, String> {
    let mut shape = NodeShape { c: constraints(g, s)?, ..NodeShape::default() };
    for t in values(g, s, &sh("targetClass")) {
        if let Term::NamedNode(n) = t {
            shape.targets.push(n.as_str().to_string());
        }
    }
    for p in values(g, s, &sh("property")) {
        let path = match one(g, p, &sh("path")) {
            Some(Term::NamedNode(n)) => n.as_str().to_string(),
            _ => return Err("ontology/shapes.ttl: newskg validate supports only IRI property paths".into()),
        };
        let message = one(g, p, &sh("message")).and_then(|t| literal_value(&t).map(str::to_string));
        shape.properties.push(PropertyShape { path, message, c: constraints(g, p)? });
    }
    Ok(shape)
}

struct Checker<'a> {
    store: &'a KgStore,
    shapes: &'a Shapes,
    types: HashMap<Term, Vec<String>>,
}

impl Checker<'_> {
    fn types_of(&mut self, t: &Term) -> Vec<String> {
        if let Some(v) = self.types.get(t) {
            return v.clone();
        }
        let v: Vec<String> = match t {
            Term::NamedNode(n) => self.store.objects(&n.clone().into(), &rdfv::TYPE.into_owned()),
            Term::BlankNode(b) => self.store.objects(&b.clone().into(), &rdfv::TYPE.into_owned()),
            _ => vec![],
        }
        .into_iter()
        .map(|t| match t {
            Term::NamedNode(n) => n.into_string(),
            other => other.to_string(),
        })
        .collect();
        self.types.insert(t.clone(), v.clone());
        v
    }

    /// Why `value` breaks `c`, if it does.
    fn value_problem(&mut self, value: &Term, c: &Constraints) -> Option<String> {
        if let Some(dt) = &c.datatype {
            let ok = matches!(value, Term::Literal(l) if l.datatype().as_str() == dt && well_formed(l.value(), dt));
            if !ok {
                return Some(format!("expected a literal of datatype <{dt}>"));
            }
        }
        if let Some(k) = &c.node_kind {
            let kind = match value {
                Term::NamedNode(_) => "IRI",
                Term::BlankNode(_) => "BlankNode",
                _ => "Literal",
            };
            let local = k.strip_prefix(SH).unwrap_or(k);
            if !local.split("Or").any(|part| part == kind) {
                return Some(format!("expected node kind sh:{local}"));
            }
        }
        if let Some(class) = &c.class {
            let types = self.types_of(value);
            let vocab_ok = types.iter().any(|t| t == class);
            if !vocab_ok {
                return Some(format!("expected an instance of <{class}>"));
            }
        }
        if let Some(list) = &c.in_list {
            if !list.contains(value) {
                return Some("value not among the allowed ones".into());
            }
        }
        let number = literal_value(value).and_then(|v| v.parse::<f64>().ok());
        if let Some(min) = c.min_inclusive {
            if number.is_none_or(|n| n < min) {
                return Some(format!("expected a number >= {min}"));
            }
        }
        if let Some(max) = c.max_inclusive {
            if number.is_none_or(|n| n > max) {
                return Some(format!("expected a number <= {max}"));
            }
        }
        if let Some(re) = &c.pattern {
            let text = match value {
                Term::NamedNode(n) => n.as_str().to_string(),
                Term::Literal(l) => l.value().to_string(),
                other => other.to_string(),
            };
            if !re.is_match(&text) {
                return Some(format!("does not match the pattern {}", re.as_str()));
            }
        }
        if let Some(node) = &c.node {
            let shape = self.shapes.shapes.get(node).cloned();
            if let Some(shape) = shape {
                if !self.check_node(value, &shape).is_empty() {
                    return Some(format!("does not conform to the shape {node}"));
                }
            }
        }
        if !c.or.is_empty() && !c.or.iter().any(|alt| self.value_problem(value, alt).is_none()) {
            return Some("conforms to none of the sh:or alternatives".into());
        }
        None
    }

    fn check_node(&mut self, focus: &Term, shape: &NodeShape) -> Vec<Violation> {
        let mut out = Vec::new();
        if let Some(problem) = self.value_problem(focus, &shape.c) {
            out.push(Violation {
                focus: focus.to_string(),
                path: String::new(),
                message: problem,
                value: None,
                evidence: None,
            });
        }
        let subject: Option<NamedOrBlankNode> = match focus {
            Term::NamedNode(n) => Some(n.clone().into()),
            Term::BlankNode(b) => Some(b.clone().into()),
            _ => None,
        };
        for ps in &shape.properties {
            let vals = subject
                .as_ref()
                .map(|s| self.store.objects(s, &NamedNode::new_unchecked(ps.path.clone())))
                .unwrap_or_default();
            let msg = |m: String| ps.message.clone().map_or(m.clone(), |pm| format!("{pm} ({m})"));
            if let Some(min) = ps.c.min_count {
                if vals.len() < min {
                    out.push(Violation {
                        focus: focus.to_string(),
                        path: ps.path.clone(),
                        message: msg(format!("{} value(s), at least {min} required", vals.len())),
                        value: None,
                        evidence: None,
                    });
                }
            }
            if let Some(max) = ps.c.max_count {
                if vals.len() > max {
                    out.push(Violation {
                        focus: focus.to_string(),
                        path: ps.path.clone(),
                        message: msg(format!("{} values, at most {max} allowed", vals.len())),
                        value: None,
                        evidence: None,
                    });
                }
            }
            for v in &vals {
                if let Some(problem) = self.value_problem(v, &ps.c) {
                    out.push(Violation {
                        focus: focus.to_string(),
                        path: ps.path.clone(),
                        message: msg(problem),
                        value: Some(v.to_string()),
                        evidence: None,
                    });
                }
            }
        }
        out
    }
}

/// Whether a literal's text is valid for the datatypes the shapes use.
fn well_formed(value: &str, dt: &str) -> bool {
    let xsd = "http://www.w3.org/2001/XMLSchema#";
    match dt.strip_prefix(xsd) {
        Some("date") => crate::article::parse_date(value).as_deref() == Some(value),
        Some("boolean") => matches!(value, "true" | "false" | "1" | "0"),
        Some("integer") => {
            value.trim_start_matches(['-', '+']).chars().all(|c| c.is_ascii_digit()) && !value.is_empty()
        }
        Some("decimal") => value.parse::<f64>().is_ok() && !value.contains(['e', 'E']),
        Some("dateTime") => {
            value.len() >= 19 && crate::article::parse_date(&value[..10]).is_some() && value.as_bytes()[10] == b'T'
        }
        _ => true,
    }
}

/// Validates `store` against `shapes` and the ontology's domains and ranges.
pub fn validate(store: &KgStore, shapes: &Shapes, vocab: &Vocabulary) -> Result<Vec<Violation>, StoreError> {
    let mut checker = Checker { store, shapes, types: HashMap::new() };
    let mut out = Vec::new();
    let mut names: Vec<&String> = shapes.shapes.keys().collect();
    names.sort();
    for name in names {
        let shape = &shapes.shapes[name];
        for class in &shape.targets {
            for focus in store.instances(&NamedNode::new_unchecked(class.clone())) {
                out.extend(checker.check_node(&focus.into(), shape));
            }
        }
    }
    // Domains and ranges of the direct relation triples (the ontology's own graph aside).
    let ontology_graph = GraphName::NamedNode(store.namespace().ontology_graph());
    let mut props: Vec<&String> = vocab.properties.iter().collect();
    props.sort();
    for p in props {
        for q in store.quads_with(&NamedNode::new_unchecked(p.clone()), None) {
            if q.graph_name == ontology_graph {
                continue;
            }
            let s: Term = q.subject.clone().into();
            for (node, range, role, constraint) in
                [(&s, false, "subject", "domain"), (&q.object, true, "object", "range")]
            {
                let types = checker.types_of(node);
                if !vocab.allows(p, &types, range) {
                    out.push(Violation {
                        focus: s.to_string(),
                        path: p.clone(),
                        message: format!(
                            "{role} is a {} but the {constraint} of the property does not allow it",
                            names_of(&types)
                        ),
                        value: Some(q.object.to_string()),
                        evidence: None,
                    });
                }
            }
        }
    }
    // The sentence behind each violation, where there is one.
    let evidence_p = rdf::nkg("evidence");
    for v in &mut out {
        if let Ok(n) = NamedNode::new(v.focus.trim_start_matches('<').trim_end_matches('>')) {
            let node: NamedOrBlankNode = n.clone().into();
            let mut ev = store.objects(&node, &evidence_p);
            if ev.is_empty() {
                // An entity: the first assertion about it.
                if let Some(q) = store.quads_with(&rdfv::SUBJECT.into_owned(), Some(&Term::NamedNode(n))).first() {
                    ev = store.objects(&q.subject, &evidence_p);
                }
            }
            v.evidence = ev.first().and_then(|t| literal_value(t).map(str::to_string));
        }
    }
    Ok(out)
}

fn names_of(types: &[String]) -> String {
    if types.is_empty() {
        return "untyped node".into();
    }
    types.iter().map(|t| t.rsplit(['#', '/']).next().unwrap_or(t).to_string()).collect::<Vec<_>>().join("/")
}
