//! Corpus-scale behaviour of the binary: the generator, extraction and builds on several
//! threads, and builds loaded in several batches.

mod common;

use std::fs;

use common::{ok, run, tmpdir};

fn generate(dir: &std::path::Path, n: usize, seed: u64) -> String {
    let path = dir.join(format!("gen-{n}-{seed}.jsonl"));
    ok(run(&["generate", "--articles", &n.to_string(), "--seed", &seed.to_string(), "-o", path.to_str().unwrap()]));
    path.display().to_string()
}

#[test]
fn the_generator_is_deterministic_varied_and_readable() {
    let dir = tmpdir("corpus", "generate");
    let a = ok(run(&["generate", "-n", "40", "--seed", "3"]));
    assert_eq!(a, ok(run(&["generate", "-n", "40", "--seed", "3"])), "same seed, different corpus");
    assert_ne!(a, ok(run(&["generate", "-n", "40", "--seed", "4"])), "different seeds, same corpus");
    let docs: Vec<serde_json::Value> = a.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(docs.len(), 40);
    let texts: std::collections::HashSet<&str> = docs.iter().map(|d| d["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 40, "repeated articles");
    // One file per article, read back by extract as articles in the sample's layout.
    let txt = dir.join("txt");
    ok(run(&["generate", "-n", "5", "--format", "txt", "-o", txt.to_str().unwrap()]));
    assert_eq!(fs::read_dir(&txt).unwrap().count(), 5);
    let out = ok(run(&["extract", "--format", "jsonl", txt.to_str().unwrap()]));
    for line in out.lines() {
        let x: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(x["article"]["published"].is_string(), "no date read: {}", x["article"]);
        assert!(!x["entities"].as_array().unwrap().is_empty());
    }
    // A folder is needed for one file per article.
    let o = run(&["generate", "-n", "5", "--format", "txt"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("-o DIR"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn thread_count_changes_nothing_but_speed() {
    let dir = tmpdir("corpus", "threads");
    let corpus = generate(&dir, 300, 11);
    let one = ok(run(&["extract", "--format", "jsonl", "-j", "1", &corpus]));
    let three = ok(run(&["extract", "--format", "jsonl", "-j", "3", &corpus]));
    assert_eq!(one.lines().count(), 300);
    assert!(one == three, "extraction output depends on the thread count");

    let per_graph = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g";
    let mut tables = Vec::new();
    for j in ["1", "2"] {
        let store = dir.join(format!("j{j}.store"));
        let out = ok(run(&["build", &corpus, "--store", store.to_str().unwrap(), "-j", j]));
        assert!(out.contains("300 new"), "{out}");
        tables.push(ok(run(&["query", per_graph, "--format", "csv", "--store", store.to_str().unwrap()])));
    }
    assert_eq!(tables[0].lines().count(), 302, "header, ontology and 300 articles");
    assert!(tables[0] == tables[1], "the store depends on the thread count");
}

#[test]
fn a_build_in_several_batches_is_complete_and_idempotent() {
    let dir = tmpdir("corpus", "batches");
    // About 560k quads: more than two of the build's batches.
    let corpus = generate(&dir, 2000, 5);
    let store = dir.join("kg.store");
    let s = store.to_str().unwrap();
    let first = ok(run(&["build", &corpus, "--store", s]));
    assert!(first.contains("articles: 2000 new, 0 unchanged"), "{first}");
    let triples = |out: &str| -> u64 {
        let tail = out.lines().last().unwrap();
        tail.rsplit(", ").next().unwrap().trim_end_matches(" triples").parse().unwrap()
    };
    assert!(triples(&first) > 500_000, "{first}");
    let again = ok(run(&["build", &corpus, "--store", s]));
    assert!(again.contains("articles: 0 new, 2000 unchanged"), "{again}");
    assert_eq!(triples(&first), triples(&again));
    // Each article is one graph, and each has its article node: nothing half-loaded.
    let q = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?a a nkg:Article } }";
    let n = ok(run(&["query", q, "--format", "csv", "--store", s]));
    assert_eq!(n.lines().nth(1), Some("2000"), "{n}");
}
