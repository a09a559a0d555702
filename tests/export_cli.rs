//! Drives `newskg export` and reads every format back with a reader that is not ours
//! (tests/readers/read_exports.py: Graphviz, networkx, Python's csv, json and XML
//! parsers), on the sample and on labels chosen to break writers.

mod common;
use common::{ok, python, root, run, sample_store_in, tmpdir};

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

/// Runs the independent readers over an `--format all` folder.
fn read_back(dir: &Path) -> BTreeMap<String, Value> {
    serde_json::from_str(&python("read_exports.py", &[dir.to_str().unwrap()])).unwrap()
}

/// (source, target, predicate, negated) of a format with ids.
fn edges(v: &Value) -> Vec<(String, String, String, bool)> {
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_string(),
                e[1].as_str().unwrap().to_string(),
                e[2].as_str().unwrap().to_string(),
                e[3].as_bool().unwrap(),
            )
        })
        .collect()
}

const ID_FORMATS: [&str; 7] = ["dot", "graphml", "gexf", "cytoscape", "d3", "neo4j", "cypher"];

#[test]
fn sample_exports_read_back_the_same_everywhere() {
    let dir = tmpdir("export", "sample");
    let store = sample_store_in(&dir);
    let out = dir.join("all");
    ok(run(&["export", "--store", &store, "--format", "all", "-o", out.to_str().unwrap()]));
    let read = read_back(&out);
    let reference = &read["cytoscape"];
    let expected = [
        ("russia", "taliban", "recognizes"),
        ("russia", "western-nations", "counterbalances"),
        ("russia", "central-asia", "hasInterestIn"),
        ("russia", "afghanistan", "hasInterestIn"),
        ("taliban", "afghanistan", "controls"),
    ];
    for f in ID_FORMATS {
        let v = &read[f];
        assert_eq!(v["nodes"], reference["nodes"], "{f}: nodes differ from the Cytoscape export");
        let e = edges(v);
        assert_eq!(e, edges(reference), "{f}: edges differ");
        for (s, t, p) in expected {
            assert!(e.contains(&(s.into(), t.into(), p.into(), false)), "{f}: no {s} -{p}-> {t} in {e:?}");
        }
        assert!(!e.iter().any(|x| x.2 == "endorses"), "{f}: the denied endorsement is drawn without --include-negated");
        assert_eq!(v["nodes"]["russia"], "Russia");
        assert_eq!(v["nodes"]["western-nations"], "Western nations");
    }
    // The picture formats carry labels: the same relations by name.
    let mermaid: Vec<Value> = read["mermaid"]["edges"].as_array().unwrap().clone();
    assert!(mermaid.contains(&serde_json::json!(["Russia", "Taliban", "recognizes"])), "{mermaid:?}");
    assert!(mermaid.contains(&serde_json::json!(["Taliban", "Afghanistan", "controls"])), "{mermaid:?}");
    let svg_edges = read["svg"]["edges"].as_array().unwrap();
    assert_eq!(svg_edges.len(), 5);
    assert!(svg_edges.contains(&Value::from("has an interest in")));
    assert_eq!(read["svg"]["nodes"].as_object().unwrap().len(), 5);
}

#[test]
fn denied_relations_only_with_include_negated() {
    let dir = tmpdir("export", "negated");
    let store = sample_store_in(&dir);
    let out = dir.join("all");
    ok(run(&["export", "--store", &store, "--format", "all", "--include-negated", "-o", out.to_str().unwrap()]));
    let read = read_back(&out);
    for f in ID_FORMATS {
        let e = edges(&read[f]);
        assert!(e.contains(&("russia".into(), "taliban".into(), "endorses".into(), true)), "{f}: {e:?}");
        assert!(e.contains(&("russia".into(), "taliban".into(), "recognizes".into(), false)), "{f}: {e:?}");
    }
    assert!(read["svg"]["edges"].as_array().unwrap().contains(&Value::from("not endorses")));
    let dot = ok(run(&["export", "--store", &store, "--format", "dot", "--include-negated"]));
    let line = dot.lines().find(|l| l.contains("predicate=\"endorses\"")).unwrap();
    assert!(line.contains("style=dashed") && line.contains("label=\"not endorses\""), "{line}");
}

/// Turtle with an entity graph whose labels and ids are hostile to every syntax.
fn hostile_turtle() -> (String, Vec<(String, String)>) {
    let entities: Vec<(&str, &str)> = vec![
        ("e0", "Quote \"double\" 'single' <&> back\\slash \\n not a newline"),
        ("caf%C3%A9", "Line one\nLine two 😀🇺🇦 #quot; <br> |pipe| `tick`"),
        ("a%22b%3C%26%3E", "الأمم المتحدة"),
        ("kremlin", "Кремль — Москва"),
        ("bell", "bell\u{7}ring\u{1}"),
    ];
    let ttl_string = |s: &str| {
        let mut o = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04X}", c as u32)),
                c => o.push(c),
            }
        }
        o.push('"');
        o
    };
    let mut ttl = String::from(
        "@prefix nkg: <https://w3id.org/newskg/ontology#> .\n\
         @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n\
         @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\
         @prefix prov: <http://www.w3.org/ns/prov#> .\n\
         @prefix dcterms: <http://purl.org/dc/terms/> .\n\
         @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\
         <https://w3id.org/newskg/article/t1> a nkg:Article ; dcterms:date \"2025-01-02\"^^xsd:date ; dcterms:title \"Hostile <title> & \\\"more\\\"\" .\n",
    );
    for (id, label) in &entities {
        ttl.push_str(&format!(
            "<https://w3id.org/newskg/entity/{id}> a nkg:Country ; rdfs:label {} .\n",
            ttl_string(label)
        ));
    }
    let predicates = ["recognizes", "criticizes", "endorses", "attacks", "meetsWith"];
    for (i, p) in predicates.iter().enumerate() {
        let (s, o) = (entities[i].0, entities[(i + 1) % entities.len()].0);
        ttl.push_str(&format!(
            "<https://w3id.org/newskg/assertion/t1-{i}> a nkg:Assertion ; rdf:subject <https://w3id.org/newskg/entity/{s}> ; \
             rdf:predicate nkg:{p} ; rdf:object <https://w3id.org/newskg/entity/{o}> ; nkg:negated false ; \
             nkg:modality nkg:Asserted ; nkg:confidence 0.9 ; nkg:evidence {} ; nkg:sentenceIndex {i} ; \
             prov:wasDerivedFrom <https://w3id.org/newskg/article/t1> .\n",
            ttl_string(&format!("Evidence {i}: \"{}\" said <b>&</b>\nnext line", entities[i].1))
        ));
    }
    let decoded: Vec<(String, String)> = entities
        .iter()
        .map(|(id, label)| {
            let id = id
                .replace("%C3%A9", "é")
                .replace("%22", "\"")
                .replace("%3C", "<")
                .replace("%26", "&")
                .replace("%3E", ">");
            (id, label.replace(['\u{7}', '\u{1}'], "\u{FFFD}"))
        })
        .collect();
    (ttl, decoded)
}

#[test]
fn hostile_labels_survive_every_format() {
    let dir = tmpdir("export", "hostile");
    let (ttl, entities) = hostile_turtle();
    let file = dir.join("hostile.ttl");
    fs::write(&file, ttl).unwrap();
    let out = dir.join("all");
    ok(run(&["export", "--rdf", file.to_str().unwrap(), "--format", "all", "-o", out.to_str().unwrap()]));
    let read = read_back(&out);
    for f in ID_FORMATS {
        let nodes = read[f]["nodes"].as_object().unwrap();
        assert_eq!(nodes.len(), entities.len(), "{f}: {nodes:?}");
        for (id, label) in &entities {
            assert_eq!(nodes.get(id).and_then(Value::as_str), Some(label.as_str()), "{f}: entity {id:?}");
        }
        assert_eq!(edges(&read[f]).len(), 5, "{f}");
    }
    for f in ["mermaid", "svg"] {
        let nodes = read[f]["nodes"].as_object().unwrap();
        for (_, label) in &entities {
            assert!(nodes.contains_key(label), "{f}: label {label:?} not read back; got {:?}", nodes.keys());
        }
    }
    // The Cytoscape export had to avoid edge ids equal to the node id "e0".
    let cy: Value = serde_json::from_str(&fs::read_to_string(out.join("graph.cytoscape.json")).unwrap()).unwrap();
    let edge_ids: Vec<&str> =
        cy["elements"]["edges"].as_array().unwrap().iter().map(|e| e["data"]["id"].as_str().unwrap()).collect();
    assert!(!edge_ids.contains(&"e0"), "{edge_ids:?}");
    // Evidence sentences keep their line breaks in the typed formats.
    let graphml = fs::read_to_string(out.join("graph.graphml")).unwrap();
    assert!(graphml.contains("&lt;b&gt;&amp;&lt;/b&gt;\nnext line"), "evidence text escaped, line break kept");
}

#[test]
fn filters_select_and_bad_filters_explain() {
    let dir = tmpdir("export", "filters");
    let store = sample_store_in(&dir);
    let d3 = |extra: &[&str]| -> Value {
        let mut args = vec!["export", "--store", store.as_str(), "--format", "d3"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(run(&args))).unwrap()
    };
    let preds = |v: &Value| -> Vec<String> {
        let mut p: Vec<String> =
            v["links"].as_array().unwrap().iter().map(|l| l["predicate"].as_str().unwrap().to_string()).collect();
        p.sort();
        p
    };
    assert_eq!(preds(&d3(&["--predicate", "recognizes,controls"])), ["controls", "recognizes"]);
    assert_eq!(preds(&d3(&["--type", "Country,ArmedGroup"])), ["controls", "hasInterestIn", "recognizes"]);
    assert_eq!(preds(&d3(&["--min-confidence", "0.74"])), ["controls", "counterbalances", "recognizes"]);
    assert_eq!(preds(&d3(&["--entity", "Central Asia"])), ["hasInterestIn"]);
    assert_eq!(preds(&d3(&["--entity", "central-asia", "--depth", "2"])).len(), 5);
    assert_eq!(preds(&d3(&["--since", "2030-01-01"])).len(), 0);
    assert_eq!(preds(&d3(&["--until", "2025-07-04"])).len(), 5);
    // Folding: no person or body in the sample acts for a state, so nothing changes.
    assert_eq!(preds(&d3(&["--aggregate", "state"])).len(), 5);

    for (args, says) in [
        (&["--predicate", "recognises"][..], "recognizes"),
        (&["--type", "Nation"][..], "Country"),
        (&["--since", "4 July"][..], "YYYY-MM-DD"),
        (&["--entity", "Atlantis"][..], "no such entity"),
        (&["--article", "nope"][..], "no such article"),
    ] {
        let mut all = vec!["export", "--store", store.as_str(), "--format", "dot"];
        all.extend_from_slice(args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let o = run(&["export", "--store", &store, "--format", "neo4j"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("-o DIR"));
    let o = run(&["export", "--store", &dir.join("missing").display().to_string(), "--format", "svg"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("newskg build"));
}

#[test]
fn exports_are_deterministic_and_the_readme_picture_is_current() {
    let dir = tmpdir("export", "determinism");
    let store = sample_store_in(&dir);
    let a = ok(run(&["export", "--store", &store, "--format", "svg", "--include-negated"]));
    let b = ok(run(&["export", "--store", &store, "--format", "svg", "--include-negated"]));
    assert_eq!(a, b);
    let committed = fs::read_to_string(root().join("docs/sample-graph.svg")).expect("docs/sample-graph.svg exists");
    assert!(
        committed == a,
        "docs/sample-graph.svg is not what newskg draws now; regenerate it with:\n  \
         newskg build data/articles && newskg export --format svg --include-negated -o docs/sample-graph.svg"
    );
}
