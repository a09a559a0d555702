//! Drives `newskg build`, `query`, `dump` and `validate` on real stores, and checks what
//! they write with independent readers (Python rdflib and pySHACL).

mod common;
use common::{ok, python_code as python, root, run, sample, sample_store_in, tmpdir};

use std::fs;
use std::path::PathBuf;

/// A store with the sample article built into it.
fn sample_store(name: &str) -> (PathBuf, String) {
    let dir = tmpdir("store", name);
    let store = sample_store_in(&dir);
    (dir, store)
}

fn query(store: &str, q: &str, format: &str) -> String {
    ok(run(&["query", "--store", store, "--format", format, q]))
}

/// The first value of the first row of a SELECT.
fn first_value(store: &str, q: &str) -> String {
    query(store, q, "csv").replace('\r', "").lines().nth(1).expect("a row").split(',').next().unwrap().to_string()
}

#[test]
fn build_then_query_recognizes() {
    let (_d, store) = sample_store("recog");
    let csv = query(&store, "SELECT ?s ?o WHERE { ?s nkg:recognizes ?o }", "csv");
    assert_eq!(
        csv.replace('\r', ""),
        "s,o\nhttps://w3id.org/newskg/entity/russia,https://w3id.org/newskg/entity/taliban\n"
    );
    let table = query(&store, "SELECT ?s ?o WHERE { ?s nkg:recognizes ?o }", "table");
    assert!(table.contains("ent:russia") && table.contains("ent:taliban") && table.contains("(1 row)"), "{table}");
    // The W3C JSON and XML formats, read back.
    let json: serde_json::Value =
        serde_json::from_str(&query(&store, "SELECT ?s WHERE { ?s nkg:recognizes ?o }", "json")).unwrap();
    assert_eq!(json["results"]["bindings"][0]["s"]["value"], "https://w3id.org/newskg/entity/russia");
    assert!(query(&store, "SELECT ?s WHERE { ?s nkg:recognizes ?o }", "xml")
        .contains("<uri>https://w3id.org/newskg/entity/russia</uri>"));
    assert!(query(&store, "SELECT ?s WHERE { ?s nkg:recognizes ?o }", "tsv")
        .contains("<https://w3id.org/newskg/entity/russia>"));
    assert_eq!(query(&store, "ASK { ent:taliban nkg:controls ent:afghanistan }", "table").trim(), "true");
    let turtle = query(&store, "CONSTRUCT { ?s nkg:recognizes ?o } WHERE { ?s nkg:recognizes ?o }", "table");
    assert!(turtle.contains("ent:russia nkg:recognizes ent:taliban"), "{turtle}");
}

#[test]
fn negated_claims_are_assertions_only() {
    let (_d, store) = sample_store("neg");
    assert_eq!(query(&store, "ASK { ent:russia nkg:endorses ent:taliban }", "table").trim(), "false");
    let ask =
        "ASK { ?a rdf:subject ent:russia ; rdf:predicate nkg:endorses ; rdf:object ent:taliban ; nkg:negated true }";
    assert_eq!(query(&store, ask, "table").trim(), "true");
}

#[test]
fn rebuilding_is_idempotent_and_edits_replace() {
    let (dir, store) = sample_store("idem");
    let count = |store: &str| query(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "csv");
    let before = count(&store);
    let second = ok(run(&["build", &sample(), "--store", &store]));
    assert!(second.contains("0 new, 1 unchanged, 0 replaced"), "{second}");
    assert_eq!(count(&store), before);

    // Same source, new content: the old graph is replaced, not kept beside the new one.
    let art = dir.join("edited.txt");
    fs::write(&art, "France condemned Iran on Monday.").unwrap();
    ok(run(&["build", art.to_str().unwrap(), "--store", &store]));
    fs::write(&art, "France condemned Iran on Monday. Germany condemned Iran too.").unwrap();
    let out = ok(run(&["build", art.to_str().unwrap(), "--store", &store]));
    assert!(out.contains("0 new, 0 unchanged, 1 replaced"), "{out}");
    let graphs = query(&store, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a nkg:Article }", "csv");
    assert_eq!(graphs.replace('\r', ""), "n\n2\n");
    assert_eq!(query(&store, "ASK { ent:germany nkg:criticizes ent:iran }", "table").trim(), "true");
}

#[test]
fn example_queries_answer_on_the_sample() {
    let (_d, store) = sample_store("examples");
    let q = |name: &str| {
        ok(run(&[
            "query",
            "--store",
            &store,
            "--format",
            "csv",
            "--file",
            root().join("data/queries").join(name).to_str().unwrap(),
        ]))
        .replace('\r', "")
    };
    let rows = |s: &str| s.lines().skip(1).map(str::to_string).collect::<Vec<_>>();

    let who = rows(&q("who-recognizes-whom.rq"));
    assert_eq!(who, ["Russia,Taliban,Moscow Extends Diplomatic Recognition to Afghanistan's Taliban Regime"]);

    let about = q("entity-evidence.rq");
    assert!(about.contains("->,recognizes,Taliban,false,"), "{about}");
    assert!(about.contains("->,endorses,Taliban,true,\"While acknowledging"), "{about}");
    assert!(about.contains("->,hasInterestIn,Central Asia,false,"), "{about}");

    let coop = rows(&q("cooperation-vs-conflict.rq"));
    assert!(
        coop.iter().any(|r| r.starts_with("Russia,recognizes,Taliban,") && r.to_lowercase().contains("cooperation")),
        "{coop:?}"
    );
    assert!(!coop.iter().any(|r| r.contains("endorses")), "negated claims are not edges: {coop:?}");

    let support = rows(&q("claim-support.rq"));
    assert!(
        !support.is_empty()
            && support
                .iter()
                .all(|r| r
                    .starts_with("Moscow Extends Diplomatic Recognition to Afghanistan's Taliban Regime,2025-07-04,")),
        "{support:?}"
    );

    let negated = rows(&q("negated-claims.rq"));
    assert_eq!(negated.len(), 1, "{negated:?}");
    assert!(negated[0].starts_with("Russia,endorses,Taliban,"), "{negated:?}");
}

#[test]
fn malformed_sparql_names_line_and_column() {
    let (_d, store) = sample_store("bad-sparql");
    let o = run(&["query", "--store", &store, "SELECT ?s WHERE {\n  ?s nkg:recognizes \n}"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not parse") && err.contains("3:1"), "{err}");
    let o = run(&["query", "--store", "/nonexistent/store", "ASK {}"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("run `newskg build` first"));
}

#[test]
fn every_syntax_is_read_by_rdflib() {
    let (dir, store) = sample_store("syntaxes");
    let graph = first_value(&store, "SELECT ?g WHERE { ?g a nkg:Article }");
    let expected: usize =
        first_value(&store, &format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
            .parse()
            .unwrap();
    let total: usize = first_value(&store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").parse().unwrap();
    let script = r#"
import sys, rdflib
path, fmt, dataset = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
if dataset:
    g = rdflib.Dataset()
    g.parse(path, format=fmt)
    print(sum(1 for _ in g.quads((None, None, None, None))))
else:
    g = rdflib.Graph()
    g.parse(path, format=fmt)
    print(len(g))
"#;
    for (fmt, rdflib_fmt, dataset) in [
        ("turtle", "turtle", false),
        ("ntriples", "nt", false),
        ("rdfxml", "xml", false),
        ("jsonld", "json-ld", false),
        ("nquads", "nquads", true),
        ("trig", "trig", true),
    ] {
        let path = dir.join(format!("dump.{fmt}"));
        let args: Vec<&str> = if dataset {
            vec!["dump", "--store", &store, "--format", fmt]
        } else {
            vec!["dump", "--store", &store, "--format", fmt, "--graph", &graph]
        };
        fs::write(&path, ok(run(&args))).unwrap();
        let n: usize = python(script, &[path.to_str().unwrap(), rdflib_fmt, if dataset { "1" } else { "0" }])
            .trim()
            .parse()
            .unwrap();
        assert_eq!(n, if dataset { total } else { expected }, "{fmt}: rdflib read {n} statements");
    }
    // A graph syntax without --graph is refused with advice.
    let o = run(&["dump", "--store", &store, "--format", "turtle"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--graph"));
}

#[test]
fn shapes_accept_the_sample_and_reject_a_broken_graph() {
    let (dir, store) = sample_store("shacl");
    let out = ok(run(&["validate", "--store", &store]));
    assert!(out.starts_with("integrity: the store opens and its indexes agree\nconforms:"), "{out}");

    let graph = first_value(&store, "SELECT ?g WHERE { ?g a nkg:Article }");
    let good = dir.join("good.ttl");
    fs::write(&good, ok(run(&["dump", "--store", &store, "--format", "turtle", "--graph", &graph]))).unwrap();
    let script = r#"
import sys, rdflib, pyshacl
data = rdflib.Graph().parse(sys.argv[1], format="turtle")
shapes = rdflib.Graph().parse(sys.argv[2], format="turtle")
ont = rdflib.Graph().parse(sys.argv[3], format="turtle")
conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ont, inference="none")
print("conforms" if conforms else "violates")
print(text)
"#;
    let shapes = root().join("ontology/shapes.ttl");
    let ont = root().join("ontology/newskg.ttl");
    let verdict = python(script, &[good.to_str().unwrap(), shapes.to_str().unwrap(), ont.to_str().unwrap()]);
    assert!(verdict.starts_with("conforms"), "{verdict}");

    // Break it: a confidence out of range, an assertion without evidence, an untyped subject,
    // a date that is not an xsd:date.
    let text = fs::read_to_string(&good).unwrap();
    let first_conf = text.find("nkg:confidence ").expect("confidence written");
    let mut broken = text.clone();
    let rest = &broken[first_conf..];
    let end = first_conf + rest.find(" ;").into_iter().chain(rest.find(" .\n")).min().unwrap();
    broken.replace_range(first_conf..end, "nkg:confidence 1.5 ");
    broken.push_str("\n<https://w3id.org/newskg/assertion/broken-1> a nkg:Assertion ;\n  rdf:subject <https://w3id.org/newskg/entity/nowhere> ; rdf:predicate nkg:recognizes ;\n  rdf:object ent:taliban ; nkg:negated false ; nkg:modality nkg:Asserted ; nkg:confidence 0.5 ;\n  nkg:rule \"test\" ; nkg:evidenceStart 0 ; nkg:evidenceEnd 1 ; nkg:sentenceIndex 0 ;\n  prov:wasDerivedFrom <https://w3id.org/newskg/article/missing> .\n");
    broken.push_str(&format!("<{graph}> dcterms:date \"July 4\" .\n"));
    let bad = dir.join("broken.ttl");
    fs::write(&bad, &broken).unwrap();
    let verdict = python(script, &[bad.to_str().unwrap(), shapes.to_str().unwrap(), ont.to_str().unwrap()]);
    assert!(verdict.starts_with("violates"), "{verdict}");

    let o = run(&["validate", "--file", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let report = String::from_utf8_lossy(&o.stdout);
    for needle in ["confidence", "evidence", "entity/nowhere", "date", "wasDerivedFrom"] {
        assert!(report.contains(needle), "{needle} not reported:\n{report}");
    }
    assert!(report.contains("evidence: \""), "violations show their evidence sentence:\n{report}");
}

#[test]
fn the_ontology_is_the_authority_on_the_vocabulary() {
    let dir = tmpdir("store", "onto");
    let full = fs::read_to_string(root().join("ontology/newskg.ttl")).unwrap();
    // Drop the declaration of one predicate: every command refuses to start, naming it.
    let start = full.find("nkg:recognizes a ").expect("recognizes is declared");
    let end = start + full[start..].find(" .\n").unwrap() + 3;
    let mut cut = full.clone();
    cut.replace_range(start..end, "");
    let onto = dir.join("cut.ttl");
    fs::write(&onto, cut).unwrap();
    let o = run(&["--ontology", onto.to_str().unwrap(), "extract", &sample()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("predicate \"recognizes\" is not declared in ontology/newskg.ttl"), "{err}");
}

#[test]
fn the_base_iri_is_configurable() {
    let dir = tmpdir("store", "base");
    let store = dir.join("kg.store");
    let store = store.to_str().unwrap();
    ok(run(&["--base", "https://example.org/kg/", "build", &sample(), "--store", store]));
    let csv = ok(run(&[
        "--base",
        "https://example.org/kg/",
        "query",
        "--store",
        store,
        "--format",
        "csv",
        "SELECT ?s WHERE { ?s nkg:recognizes ?o }",
    ]));
    assert!(csv.contains("https://example.org/kg/entity/russia"), "{csv}");
    let o = run(&["--base", "not an iri", "build", &sample(), "--store", store]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--base"));
}
