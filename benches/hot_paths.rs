//! Criterion benchmarks of the hot paths, each on the bundled sample article and on a
//! generated one: the stages a build spends its time in, measured one at a time so a
//! regression points at its stage. Run with `cargo bench --bench hot_paths`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use newskg::article::{self, Article, Format, GivenMeta};
use newskg::graph::{self, Affiliations, Filter};
use newskg::rdf::{self, Namespace, Provenance};
use newskg::store::KgStore;
use newskg::Extractor;

const SAMPLE: &str = include_str!("../data/articles/russia-recognizes-taliban.txt");

fn parse(text: &str) -> Article {
    article::parse(text.to_string(), "bench", Format::Auto, &GivenMeta::default()).0
}

fn stages(c: &mut Criterion) {
    let ex = Extractor::embedded().expect("built-in data loads");
    let generated = newskg::generate::articles(ex.gazetteer(), ex.lexicon(), 1, 42).remove(0);
    for (name, text) in [("sample", SAMPLE), ("generated", generated.as_str())] {
        let a = parse(text);
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function("parse", |b| b.iter(|| parse(black_box(text))));
        g.bench_function("sentences", |b| b.iter(|| newskg::text::analyse(black_box(&a.text), a.body.clone())));
        g.bench_function("extract", |b| b.iter(|| ex.extract(black_box(&a))));
        let x = ex.extract(&a);
        let ns = Namespace::default();
        let prov = Provenance { generated_at: "2026-01-01T00:00:00Z".into(), extractor_version: "bench".into() };
        g.bench_function("rdf", |b| b.iter(|| rdf::ArticleGraph::new(&ns, black_box(&x), &prov)));
        g.finish();
    }
}

fn graph(c: &mut Criterion) {
    let ex = Extractor::embedded().expect("built-in data loads");
    let store = KgStore::in_memory(Namespace::default()).expect("an in-memory store");
    store.load_ontology(rdf::ONTOLOGY_TTL).expect("the ontology loads");
    let prov = Provenance::now();
    let graphs: Vec<_> = newskg::generate::articles(ex.gazetteer(), ex.lexicon(), 200, 7)
        .into_iter()
        .map(|t| rdf::ArticleGraph::new(store.namespace(), &ex.extract(&parse(&t)), &prov))
        .collect();
    store.put_batch(graphs.clone()).expect("the articles load");
    let mut g = c.benchmark_group("store-200-articles");
    g.sample_size(10);
    g.bench_function("load", |b| {
        b.iter(|| {
            let s = KgStore::in_memory(Namespace::default()).expect("an in-memory store");
            s.put_batch(graphs.clone()).expect("the articles load")
        })
    });
    g.bench_function("graph_records", |b| b.iter(|| store.graph_records().expect("records read")));
    let records = store.graph_records().expect("records read");
    let affiliations = Affiliations::default();
    g.bench_function("project", |b| {
        b.iter(|| graph::project(black_box(&records), &Filter::default(), &affiliations).expect("the filter applies"))
    });
    g.finish();
}

criterion_group!(benches, stages, graph);
criterion_main!(benches);
