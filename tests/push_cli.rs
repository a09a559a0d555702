//! `newskg push` and `newskg extract --format nquads` against a real, independent SPARQL
//! store: the Oxigraph server and its bulk loader (`pip install oxigraph` gives the
//! prebuilt `oxigraph` binary; .ci/run installs it). Answers are read back over HTTP by
//! tests/readers/remote_sparql.py (urllib only). Servers bind to 127.0.0.1 on a free
//! port and are killed when their test ends.

mod common;
use common::{bin, ok, python, root, run, sample, tmpdir, Server};

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The dev set's articles, beside the project (../shared/eval/articles).
fn dev_articles() -> String {
    let dir = root().join("../shared/eval/articles");
    assert!(dir.is_dir(), "the shared dev set must be beside the project at {}", dir.display());
    dir.display().to_string()
}

/// The `oxigraph` command (from `pip install oxigraph`).
fn oxigraph() -> Command {
    let probe = Command::new("oxigraph").arg("--version").output();
    assert!(
        probe.as_ref().is_ok_and(|o| o.status.success()),
        "the oxigraph command is missing: pip install oxigraph (.ci/run installs it from .ci/requirements.txt)"
    );
    Command::new("oxigraph")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An Oxigraph server on a folder; killed on drop (and by `kill`, as a crash would).
struct Oxigraph {
    child: Option<Child>,
    location: PathBuf,
    port: u16,
    log: PathBuf,
}

impl Oxigraph {
    fn start(location: &Path) -> Oxigraph {
        let mut o = Oxigraph {
            child: None,
            location: location.to_path_buf(),
            port: free_port(),
            log: location.with_extension("log"),
        };
        o.restart();
        o
    }

    /// Starts (again) on the same folder and port, so the push journal's target is the same.
    fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        let log = File::options().create(true).append(true).open(&self.log).unwrap();
        let mut child = oxigraph()
            .args(["serve", "--location", self.location.to_str().unwrap(), "--bind"])
            .arg(format!("127.0.0.1:{}", self.port))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("oxigraph serve starts");
        // Ready when it accepts connections; a server that exits is a failure, and one that
        // never listens is given up on (a startup deadline, not a performance measure).
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("oxigraph serve exited ({status}):\n{}", fs::read_to_string(&self.log).unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "oxigraph serve did not listen on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    /// SIGKILL, as a crash or an operator would stop it.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/query", self.port)
    }

    /// Triples per named graph and in the default graph, read over HTTP.
    fn sizes(&self) -> (BTreeMap<String, usize>, usize) {
        let v: serde_json::Value =
            serde_json::from_str(&python("remote_sparql.py", &["sizes", &self.endpoint()])).unwrap();
        (serde_json::from_value(v["graphs"].clone()).unwrap(), v["default"].as_u64().unwrap() as usize)
    }
}

impl Drop for Oxigraph {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Triples per named graph of a local store, through `newskg query`.
fn local_sizes(store: &str) -> BTreeMap<String, usize> {
    let csv = ok(run(&[
        "query",
        "--store",
        store,
        "--format",
        "csv",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    ]));
    csv.replace('\r', "")
        .lines()
        .skip(1)
        .map(|l| {
            let (g, n) = l.rsplit_once(',').unwrap();
            (g.to_string(), n.parse().unwrap())
        })
        .collect()
}

fn push(store: &str, extra: &[&str]) -> Output {
    bin().args(["push", "--store", store]).args(extra).output().expect("newskg push runs")
}

/// The numbers of the summary line `graphs: N in the store, S sent, K skipped …, F failed, U not sent`.
fn counts(stdout: &str) -> [usize; 5] {
    let line = stdout.lines().find(|l| l.starts_with("graphs: ")).unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    let numbers: Vec<usize> = line.split([' ', ',']).filter_map(|w| w.parse().ok()).collect();
    numbers.try_into().unwrap_or_else(|_| panic!("unexpected summary: {line}"))
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn build(store: &Path, inputs: &[&str]) -> String {
    let store = store.display().to_string();
    let mut args = vec!["build", "--store", &store];
    args.extend_from_slice(inputs);
    ok(run(&args));
    store
}

#[test]
fn pushed_store_answers_like_the_local_one() {
    let dir = tmpdir("push", "answers");
    // The dev set, plus an article that will be edited after the first push.
    let corpus = dir.join("corpus");
    fs::create_dir_all(&corpus).unwrap();
    for e in fs::read_dir(dev_articles()).unwrap().flatten() {
        fs::copy(e.path(), corpus.join(e.file_name())).unwrap();
    }
    let store = build(&dir.join("kg.store"), &[corpus.to_str().unwrap(), &sample()]);
    let server = Oxigraph::start(&dir.join("oxigraph"));
    let endpoint = server.endpoint();

    let o = push(&store, &["--endpoint", &endpoint]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let local = local_sizes(&store);
    assert_eq!(local.len(), 9, "the ontology and 8 articles (the sample repeats the first): {local:?}");
    assert_eq!(counts(&out), [9, 9, 0, 0, 0], "{out}");
    assert!(out.contains("pushed to ") && out.contains("/store"), "the graph store URL follows the endpoint: {out}");
    assert!(dir.join("kg.store.push-journal").is_file(), "the journal sits beside the store");
    assert_eq!(server.sizes(), (local.clone(), 0), "every graph, as many triples, nothing in the default graph");

    // The same SELECTs through the server's SPARQL endpoint and through `newskg query`.
    // The example queries read the union of the graphs and use newskg's predeclared
    // prefixes: the server is asked for the union, and the prefixes are declared.
    let prologue: String =
        newskg::rdf::Namespace::default().prefixes().iter().map(|(p, iri)| format!("PREFIX {p}: <{iri}>\n")).collect();
    let mut queries: Vec<PathBuf> =
        fs::read_dir(root().join("data/queries")).unwrap().flatten().map(|e| e.path()).collect();
    queries.sort();
    assert!(queries.len() >= 5, "{queries:?}");
    let counting = "SELECT ?type (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x a ?type } } GROUP BY ?type";
    let counting_file = dir.join("counting.rq");
    fs::write(&counting_file, counting).unwrap();
    queries.push(counting_file);
    let mut empty = Vec::new();
    for q in &queries {
        let text = format!("{prologue}{}", fs::read_to_string(q).unwrap());
        let full = dir.join("query.rq");
        fs::write(&full, &text).unwrap();
        let remote =
            python("remote_sparql.py", &["rows", &format!("{endpoint}?union-default-graph"), full.to_str().unwrap()]);
        let results = dir.join("local.json");
        fs::write(
            &results,
            ok(run(&["query", "--store", &store, "--format", "json", "--file", full.to_str().unwrap()])),
        )
        .unwrap();
        let local_rows = python("remote_sparql.py", &["rows", "-", results.to_str().unwrap()]);
        assert_eq!(remote, local_rows, "{} answers differently on the server", q.display());
        let rows: serde_json::Value = serde_json::from_str(&local_rows).unwrap();
        if rows["rows"].as_array().unwrap().is_empty() {
            empty.push(q.display().to_string());
        }
    }
    assert!(empty.is_empty(), "queries with no rows compare nothing: {empty:?}");

    // Pushing again sends nothing; --verify asks the server and agrees.
    let o = push(&store, &["--endpoint", &endpoint]);
    assert_eq!(counts(&ok(o)), [9, 0, 9, 0, 0]);
    let o = push(&store, &["--endpoint", &endpoint, "--verify"]);
    assert_eq!(counts(&ok(o)), [9, 0, 9, 0, 0]);

    // An edited article replaces its graph locally; the next push sends the new graph and
    // removes the old one from the server.
    let edited = corpus.join("05-ecowas-niger.txt");
    let mut body = fs::read_to_string(&edited).unwrap();
    body.push_str("\nThe European Union sanctioned Niger's junta, officials said.\n");
    fs::write(&edited, body).unwrap();
    build(&dir.join("kg.store"), &[corpus.to_str().unwrap()]);
    let after = local_sizes(&store);
    assert_eq!(after.len(), 9);
    let new: Vec<&String> = after.keys().filter(|g| !local.contains_key(*g)).collect();
    let old: Vec<&String> = local.keys().filter(|g| !after.contains_key(*g)).collect();
    assert_eq!((new.len(), old.len()), (1, 1), "one graph replaced");
    let o = push(&store, &["--endpoint", &endpoint]);
    let out = ok(o);
    assert_eq!(counts(&out), [9, 1, 8, 0, 0], "{out}");
    assert!(out.contains("removed: 1 graphs"), "{out}");
    assert_eq!(server.sizes(), (after.clone(), 0), "the server holds the edited article, not both versions");

    // Sent again as Turtle (another journal, so everything goes): the same graphs result.
    let turtle_journal = dir.join("turtle.journal");
    let o =
        push(&store, &["--endpoint", &endpoint, "--syntax", "turtle", "--journal", turtle_journal.to_str().unwrap()]);
    assert_eq!(counts(&ok(o)), [9, 9, 0, 0, 0]);
    assert_eq!(server.sizes(), (after, 0));
}

/// Writes `n` generated articles (deterministic, distinct) as JSON Lines.
fn generated_corpus(path: &Path, n: usize) {
    ok(run(&["generate", "--articles", &n.to_string(), "--seed", "2026", "-o", path.to_str().unwrap()]));
}

/// `put` lines in a push journal.
fn acknowledged(journal: &Path) -> usize {
    fs::read_to_string(journal).unwrap_or_default().lines().filter(|l| l.starts_with("put\t")).count()
}

#[test]
fn server_killed_mid_push_then_resumed_loses_and_duplicates_nothing() {
    let dir = tmpdir("push", "killed");
    let corpus = dir.join("corpus.jsonl");
    generated_corpus(&corpus, 1200);
    let store = build(&dir.join("kg.store"), &[corpus.to_str().unwrap()]);
    let local = local_sizes(&store);
    assert_eq!(local.len(), 1201, "the ontology and 1200 distinct articles");
    let mut server = Oxigraph::start(&dir.join("oxigraph"));
    let endpoint = server.endpoint();
    let journal = dir.join("kg.store.push-journal");

    // Kill the server once the push is under way, as a crash would.
    let mut pushing = bin()
        .args([
            "push",
            "--store",
            &store,
            "--endpoint",
            &endpoint,
            "--jobs",
            "2",
            "--retries",
            "2",
            "--retry-delay",
            "0.05",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while acknowledged(&journal) < 40 {
        assert!(pushing.try_wait().unwrap().is_none(), "the push ended before the server was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    let o = pushing.wait_with_output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "an interrupted push fails:\n{out}\n{err}");
    let [graphs, sent, skipped, failed, not_sent] = counts(&out);
    assert_eq!((graphs, skipped), (1201, 0));
    assert!(not_sent > 0 && sent + failed + not_sent == graphs, "{out}");
    assert!(err.contains("retry 1 of 2") && err.contains("no success after 3 attempts"), "{err}");
    assert!(err.contains("run the same command again"), "{err}");
    let journaled = acknowledged(&journal);
    assert_eq!(journaled, sent, "the journal holds exactly what the server acknowledged");
    eprintln!("interrupted push:\n{out}{err}");

    // Whatever the server acknowledged before it died, it still holds after a restart.
    server.restart();
    let (remote, _) = server.sizes();
    for line in fs::read_to_string(&journal).unwrap().lines().filter(|l| l.starts_with("put\t")) {
        let graph = line.split('\t').nth(3).unwrap();
        assert_eq!(remote.get(graph), local.get(graph), "acknowledged {graph} is on the server, whole");
    }

    // The second push sends the rest, and only the rest.
    let o = push(&store, &["--endpoint", &endpoint]);
    let out = ok(o);
    eprintln!("resumed push:\n{out}");
    assert_eq!(counts(&out), [1201, 1201 - journaled, journaled, 0, 0], "{out}");
    assert_eq!(server.sizes(), (local.clone(), 0), "per graph: nothing lost, nothing duplicated");

    // A third push sends nothing, and the server is unchanged.
    let out = ok(push(&store, &["--endpoint", &endpoint]));
    assert_eq!(counts(&out), [1201, 0, 1201, 0, 0], "{out}");
    assert_eq!(server.sizes(), (local.clone(), 0));

    // The server loses its data (a new, empty location): --verify notices and sends all.
    server.kill();
    fs::remove_dir_all(dir.join("oxigraph")).unwrap();
    server.restart();
    let out = ok(push(&store, &["--endpoint", &endpoint, "--verify"]));
    assert_eq!(counts(&out), [1201, 1201, 0, 0, 0], "{out}");
    assert!(out.contains("verified: 1201 graphs"), "{out}");
    assert_eq!(server.sizes(), (local, 0));
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Lines of an N-Quads text other than the generation time (which differs between a
/// build and an extraction run), sorted.
fn quads_without_time(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| !l.contains("<http://www.w3.org/ns/prov#generatedAtTime>"))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn nquads_shards_are_deterministic_and_bulk_load_into_oxigraph() {
    let dir = tmpdir("push", "shards");
    let (articles, sample) = (dev_articles(), sample());
    let time = "2026-03-01T00:00:00Z";
    let shard = |out: &Path, extra: &[&str]| {
        let mut args = vec!["extract", "--format", "nquads", "--shard-size", "3", "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[&articles, &sample]);
        ok(run(&args));
    };
    let (a, b) = (dir.join("a"), dir.join("b"));
    shard(&a, &["--generated-at", time]);
    let o = Command::new(env!("CARGO_BIN_EXE_newskg"))
        .env("SOURCE_DATE_EPOCH", "1772323200")
        .args(["extract", "--format", "nquads", "--shard-size", "3", "-o", b.to_str().unwrap(), &articles, &sample])
        .output()
        .unwrap();
    ok(o);
    let mut names: Vec<String> =
        fs::read_dir(&a).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["manifest.json", "ontology.nq", "shard-00000.nq", "shard-00001.nq", "shard-00002.nq"]);
    for n in &names {
        assert_eq!(fs::read(a.join(n)).unwrap(), fs::read(b.join(n)).unwrap(), "{n} differs between two runs");
    }

    // The manifest describes each file truly.
    let m: serde_json::Value = serde_json::from_slice(&fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["newskg_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["generated_at"], time);
    assert_eq!(m["totals"]["articles"], 8);
    assert_eq!(m["totals"]["duplicates"], 1, "the sample repeats the first dev article");
    let mut files = vec![m["ontology"].clone()];
    files.extend(m["shards"].as_array().unwrap().iter().cloned());
    let mut triples = 0;
    for f in &files {
        let bytes = fs::read(a.join(f["file"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"].as_str().unwrap(), sha256_hex(&bytes));
        assert_eq!(f["bytes"].as_u64().unwrap() as usize, bytes.len());
        assert_eq!(f["triples"].as_u64().unwrap() as usize, bytes.iter().filter(|b| **b == b'\n').count());
        triples += f["triples"].as_u64().unwrap() as usize;
    }
    assert_eq!(m["totals"]["triples"].as_u64().unwrap() as usize, triples);
    assert_eq!(
        m["shards"].as_array().unwrap().iter().map(|s| s["articles"].as_u64().unwrap()).collect::<Vec<_>>(),
        [3, 3, 2]
    );

    // Unsharded, the same bytes go to one stream.
    let stream = ok(run(&["extract", "--format", "nquads", "--generated-at", time, &articles, &sample]));
    let joined: String =
        names.iter().filter(|n| n.ends_with(".nq")).map(|n| fs::read_to_string(a.join(n)).unwrap()).collect();
    assert_eq!(stream, joined);

    // The quads are the store's own (but for the generation time).
    let store = build(&dir.join("kg.store"), &[&articles, &sample]);
    let dump = ok(run(&["dump", "--store", &store, "--format", "nquads"]));
    let (held, written) = (quads_without_time(&dump), quads_without_time(&joined));
    let missing: Vec<&String> = held.iter().filter(|l| written.binary_search(l).is_err()).take(3).collect();
    let extra: Vec<&String> = written.iter().filter(|l| held.binary_search(l).is_err()).take(3).collect();
    assert!(missing.is_empty() && extra.is_empty(), "the store holds {missing:#?}\nthe shards have {extra:#?}");
    assert_eq!(held.len(), written.len());

    // Oxigraph's own bulk loader reads them: the same graphs, the same counts.
    let location = dir.join("loaded");
    let mut load = oxigraph();
    load.args(["load", "--location", location.to_str().unwrap(), "--file"]);
    for f in &files {
        load.arg(a.join(f["file"].as_str().unwrap()));
    }
    let o = load.output().unwrap();
    assert!(o.status.success(), "oxigraph load failed: {}", String::from_utf8_lossy(&o.stderr));
    let mut server = Oxigraph::start(&location);
    let (remote, default) = server.sizes();
    server.kill();
    assert_eq!(default, 0);
    let local = local_sizes(&store);
    assert_eq!(remote, local);
    assert_eq!(remote.values().sum::<usize>(), triples);

    // Clear errors for what cannot work.
    let o = run(&["extract", "--shard-size", "3", &articles]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--shard-size goes with --format nquads"), "{}", text(&o).1);
    let o = run(&["extract", "--format", "nquads", "--shard-size", "3", &articles]);
    assert!(text(&o).1.contains("-o DIR"), "{}", text(&o).1);
    let o = run(&["extract", "--format", "nquads", "--shard-size", "3", "-o", a.to_str().unwrap(), &articles]);
    assert!(text(&o).1.contains("--force"), "an earlier run is not overwritten silently: {}", text(&o).1);
    let o = run(&["extract", "--format", "nquads", "--generated-at", "yesterday", &articles]);
    assert!(text(&o).1.contains("xsd:dateTime"), "{}", text(&o).1);
    ok(run(&["extract", "--format", "nquads", "--shard-size", "100", "--force", "-o", a.to_str().unwrap(), &articles]));
    let left: Vec<String> = fs::read_dir(&a).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    assert_eq!(left.len(), 3, "--force leaves no shard of the earlier run: {left:?}");
}

#[test]
fn bad_targets_give_clear_errors() {
    let dir = tmpdir("push", "errors");
    let store = build(&dir.join("kg.store"), &[&sample()]);

    // Nobody listens: retried, then reported, and nothing recorded as sent.
    let nobody = format!("http://127.0.0.1:{}/query", free_port());
    let o = push(&store, &["--endpoint", &nobody, "--retries", "2", "--retry-delay", "0.01"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert_eq!(counts(&out), [2, 0, 0, 1, 1]);
    assert!(err.contains("retry 1 of 2") && err.contains("retry 2 of 2"), "{err}");
    assert!(err.contains("no success after 3 attempts") && err.contains("is the server running"), "{err}");

    // A URL the server does not serve: 404, reported with the server's words, not retried.
    let server = Oxigraph::start(&dir.join("oxigraph"));
    let wrong = server.endpoint().replace("/query", "/nothing-here");
    let o = push(&store, &["--graph-store", &wrong]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.contains("404 Not Found") && err.contains("--graph-store") && !err.contains("retry"), "{err}");
    assert!(out.contains("0 sent"), "{out}");

    // newskg serve --writable wants a bearer token: a wrong one is a 401.
    let target = dir.join("target.store");
    let serve = Server::start(target.to_str().unwrap(), &["--writable", "--token", "right"]);
    let endpoint = format!("{}sparql", serve.url);
    let o = push(&store, &["--endpoint", &endpoint, "--token", "wrong"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.contains("401 Unauthorized") && err.contains("--token"), "{err}");
    let o = push(&store, &["--endpoint", &endpoint, "--token", "right", "--verify"]);
    assert_eq!(counts(&ok(o)), [2, 2, 0, 0, 0]);
    let v: serde_json::Value = serde_json::from_str(&python("remote_sparql.py", &["sizes", &endpoint])).unwrap();
    let remote: BTreeMap<String, usize> = serde_json::from_value(v["graphs"].clone()).unwrap();
    assert_eq!(remote, local_sizes(&store), "newskg serve holds what was pushed");

    // Mistakes caught before any request.
    let o = push(&store, &["--endpoint", "http://127.0.0.1:1/repositories/kg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("pass it as --graph-store"), "{}", text(&o).1);
    let o = push(&store, &["--endpoint", "ftp://example.org/query"]);
    assert!(text(&o).1.contains("not an http:// or https:// URL"), "{}", text(&o).1);
    let o = push(&store, &["--endpoint", &nobody, "--user", "no-password"]);
    assert!(text(&o).1.contains("USER:PASSWORD"), "{}", text(&o).1);
    let o = push(dir.join("missing.store").to_str().unwrap(), &["--endpoint", &nobody]);
    assert!(text(&o).1.contains("run `newskg build` first"), "{}", text(&o).1);
    let o = run(&["push"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--endpoint"), "{}", text(&o).1);
}
