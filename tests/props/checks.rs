//! The checks the fuzz targets (fuzz/) and the property tests (tests/properties.rs) both
//! make, in one place so that they cannot drift apart: each takes arbitrary input and
//! panics when newskg mishandles it.

#![allow(dead_code)] // each user takes its subset

use std::sync::OnceLock;

use newskg::article::{self, Format as ArticleFormat, GivenMeta};
use newskg::export::{self, Drawing, Format};
use newskg::graph::{self, Affiliations, Filter};
use newskg::store::{ArticleRecord, AssertionRecord, EntityRecord, GraphRecords, PredicateRecord};
use newskg::Extractor;

/// The extractor with the embedded data, loaded once.
pub fn extractor() -> &'static Extractor {
    static EX: OnceLock<Extractor> = OnceLock::new();
    EX.get_or_init(|| Extractor::embedded().unwrap())
}

/// The article reader: the body is a range of the text on character boundaries, and a
/// date, when one is found, is ISO `YYYY-MM-DD`.
pub fn check_article(text: &str, format: ArticleFormat) -> article::Article {
    let given = GivenMeta { title: text.lines().next().map(str::to_string), ..GivenMeta::default() };
    let (a, _) = article::parse(text.to_string(), "checked", format, &given);
    assert!(a.body.start <= a.body.end && a.body.end <= a.text.len());
    assert!(a.text.is_char_boundary(a.body.start) && a.text.is_char_boundary(a.body.end));
    if let Some(d) = &a.meta.published {
        assert_eq!(d.len(), 10, "dates are ISO YYYY-MM-DD: {d:?}");
    }
    a
}

/// Reader and extractor on `text` in the three article formats: every mention and evidence
/// offset slices the original text to the reported string. Returns the relations found.
pub fn check_extraction(text: &str) -> usize {
    let mut relations = 0;
    for format in [ArticleFormat::Auto, ArticleFormat::Markdown, ArticleFormat::Plain] {
        let a = check_article(text, format);
        let x = extractor().extract(&a);
        for e in &x.entities {
            for m in &e.mentions {
                assert_eq!(a.text.get(m.start..m.end), Some(m.text.as_str()), "mention offsets of {text:?}");
            }
        }
        for r in &x.relations {
            assert!(!r.evidence.is_empty());
            for ev in &r.evidence {
                assert_eq!(a.text.get(ev.start..ev.end), Some(ev.text.as_str()), "evidence offsets of {text:?}");
            }
        }
        serde_json::to_string(&x).unwrap();
        relations += x.relations.len();
    }
    relations
}

/// Records whose every name, label, type and evidence is the generated text.
pub fn records(fields: &[String]) -> GraphRecords {
    let field = |i: usize| fields.get(i % fields.len().max(1)).cloned().unwrap_or_default();
    let n = fields.len().clamp(1, 10);
    let mut r = GraphRecords::default();
    r.predicates.push(PredicateRecord { name: field(0), label: Some(field(1)), ..PredicateRecord::default() });
    r.articles.push(ArticleRecord { id: "a".into(), title: Some(field(2)), date: None, source: Some(field(3)) });
    for i in 0..n {
        r.entities.push(EntityRecord {
            id: format!("e{i}{}", field(i)),
            label: field(i + 1),
            kind: field(i + 2),
            articles: 1,
            ..EntityRecord::default()
        });
    }
    for i in 0..n {
        r.assertions.push(AssertionRecord {
            subject: r.entities[i].id.clone(),
            predicate: field(0),
            object: r.entities[(i * 7 + 1) % n].id.clone(),
            asserted: true,
            confidence: 0.9,
            evidence: field(i + 3),
            ..AssertionRecord::default()
        });
    }
    r
}

/// Every writer on the graph of `records(fields)`: no panic, UTF-8 output, XML formats
/// well formed (quick-xml), JSON formats valid (serde_json).
pub fn check_exports(fields: &[String]) {
    let r = records(fields);
    let Ok(g) = graph::project(&r, &Filter::default(), &Affiliations::default()) else { return };
    let d = Drawing::new(&g);
    for format in Format::ALL.iter().copied().filter(|f| !f.is_folder()) {
        let mut out = Vec::new();
        export::write(format, &d, &mut out).unwrap();
        let text = String::from_utf8(out).expect("exports are UTF-8");
        match format {
            Format::Graphml | Format::Gexf | Format::Svg => {
                let mut reader = quick_xml::Reader::from_str(&text);
                loop {
                    match reader.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{} is not well-formed XML for {fields:?}: {e}", format.name()),
                    }
                }
            }
            Format::Cytoscape | Format::D3 => {
                serde_json::from_str::<serde_json::Value>(&text).expect("JSON exports parse");
            }
            Format::Dot => assert!(text.trim_end().ends_with('}'), "{text}"),
            _ => {}
        }
    }
    let (mut nodes, mut rels, mut script) = (Vec::new(), Vec::new(), Vec::new());
    export::write_neo4j(&d, &mut nodes, &mut rels, &mut script).unwrap();
}
