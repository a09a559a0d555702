//! Robustness of the store and the inputs: one writer at a time, `kill -9` at random
//! points of a build never corrupts the store, oversized and pathological articles are
//! skipped or handled. Figures go to RELIABILITY.md (`common::report`).

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{bin, ok, run, tmpdir};

const ONTOLOGY_GRAPH: &str = "<https://w3id.org/newskg/ontology> .";

fn generate(dir: &Path, n: usize, seed: u64) -> String {
    let path = dir.join(format!("corpus-{n}-{seed}.jsonl"));
    ok(run(&["generate", "--articles", &n.to_string(), "--seed", &seed.to_string(), "-o", path.to_str().unwrap()]));
    path.display().to_string()
}

/// The store's article graphs as sorted N-Quads lines, and the ontology's size. The
/// ontology graph, rewritten by every build with fresh blank nodes, is compared by size;
/// each article's `prov:generatedAtTime` (when the build that stored it ran) is left out.
fn contents(store: &str) -> (Vec<String>, usize) {
    let dump = ok(run(&["dump", "--format", "nquads", "--store", store]));
    let (mut lines, mut ontology) = (Vec::new(), 0);
    for l in dump.lines().filter(|l| !l.trim().is_empty()) {
        if l.ends_with(ONTOLOGY_GRAPH) {
            ontology += 1;
        } else if !l.contains("<http://www.w3.org/ns/prov#generatedAtTime>") {
            lines.push(l.to_string());
        }
    }
    lines.sort();
    (lines, ontology)
}

/// A tiny deterministic generator (xorshift), so the kill points are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn kill_9_at_random_points_of_a_build_loses_nothing() {
    let dir = tmpdir("robust", "kill9");
    const ARTICLES: usize = 120;
    const BATCH: &str = "2000";
    const KILLS: usize = 20;
    let corpus = generate(&dir, ARTICLES, 21);
    let clean = dir.join("clean.store").display().to_string();
    let build = |store: &str| {
        bin().args(["build", &corpus, "--store", store, "--batch-quads", BATCH, "-j", "1"]).output().unwrap()
    };
    let started = Instant::now();
    ok(build(&clean));
    let clean_secs = started.elapsed().as_secs_f64();
    let expected = contents(&clean);
    assert!(expected.0.len() > 20_000, "the corpus is too small to be split into many batches");

    let crashed = dir.join("crashed.store");
    let crashed_s = crashed.display().to_string();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut kills, mut finished_first, mut validations, mut wiped, mut rounds) = (0, 0, 0, 0, 0);
    let mut articles_seen = Vec::new();
    // Kill points are drawn from [0, 1.1 × scale); `scale` starts at the clean build's
    // time and shrinks whenever a build finishes first (a loaded machine runs slower or
    // faster than the clean build did), so the test gets its kills whatever the load.
    let mut scale = clean_secs;
    while kills < KILLS {
        rounds += 1;
        assert!(rounds <= 4 * KILLS, "only {kills} of {rounds} builds were killed while running");
        let delay = Duration::from_secs_f64(scale * 1.1 * (rng.next() % 1000) as f64 / 1000.0);
        let mut child = bin()
            .args(["build", &corpus, "--store", &crashed_s, "--batch-quads", BATCH, "-j", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "a build that was not killed failed: {status:?}");
                finished_first += 1;
                scale *= 0.8;
                true
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                false
            }
        };
        // The store opens, its indexes agree, and it conforms to the shapes.
        if crashed.join("CURRENT").exists() {
            let o = run(&["validate", "--store", &crashed_s]);
            assert!(o.status.success(), "validate after round {rounds}: {o:?}");
            let v = String::from_utf8(o.stdout).unwrap();
            assert!(v.contains("conforms:"), "{v}");
            validations += 1;
            let n: usize = v.split("conforms: ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap();
            articles_seen.push(n.to_string());
        } else {
            articles_seen.push("no store yet".to_string());
        }
        // A finished store has nothing left to interrupt: start the next round afresh.
        if finished {
            std::fs::remove_dir_all(&crashed).unwrap();
            wiped += 1;
        }
    }
    // A complete build after all that equals a clean one.
    ok(build(&crashed_s));
    let got = contents(&crashed_s);
    let lost = expected.0.iter().filter(|l| got.0.binary_search(l).is_err()).count();
    let extra = got.0.iter().filter(|l| expected.0.binary_search(l).is_err()).count();
    assert_eq!((lost, extra), (0, 0), "after crashes and a rebuild the store differs from a clean build");
    assert_eq!(got.0.len(), expected.0.len(), "duplicated quads");
    assert_eq!(got.1, expected.1, "ontology sizes differ");
    let v = ok(run(&["validate", "--store", &crashed_s]));
    assert!(v.contains(&format!("conforms: {ARTICLES} articles")), "{v}");

    common::report(
        "store-kill-9",
        &format!(
            "## Store: kill -9 during builds\n\n\
             A {ARTICLES}-article generated corpus is built {rounds} times into one store, each build killed\n\
             with SIGKILL after a pseudo-random delay between 0 and 1.1× a clean build's time ({clean_secs:.1} s),\n\
             in batches of {BATCH} quads so a kill can land between, before or inside bulk loads; each build\n\
             goes on from what the killed ones left (the store is started afresh only after a build that\n\
             finished). After every round `newskg validate` opens the store, checks its indexes and its\n\
             shapes; at the end one uninterrupted build must give exactly the quads of a clean build.\n\n\
             | figure | value |\n|---|---|\n\
             | builds started | {rounds} |\n\
             | killed while running (faults injected) | {kills} |\n\
             | finished before the kill (store then started afresh) | {finished_first} ({wiped}) |\n\
             | validations passed (opens, indexes agree, shapes conform) | {validations} |\n\
             | articles found by validate after each round | {} |\n\
             | quads compared after the rebuild | {} |\n\
             | quads lost | {lost} |\n\
             | quads duplicated or extra | {extra} |\n",
            articles_seen.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "),
            expected.0.len() + expected.1,
        ),
    );
}

/// Waits until the build `pid` has taken the store's lock (its pid is in the file).
fn wait_for_lock(store: &str, pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let lock = Path::new(store).join("newskg.lock");
    let holder = format!("pid {pid},");
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.starts_with(&holder)) {
        assert!(Instant::now() < deadline, "the first build never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_writer_gets_a_clear_error_and_readers_are_not_blocked() {
    let dir = tmpdir("robust", "lock");
    let corpus = generate(&dir, 3000, 5);
    let store = dir.join("kg.store").display().to_string();
    ok(run(&["build", &common::sample(), "--store", &store]));
    let mut first = bin()
        .args(["build", &corpus, "--store", &store, "-j", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_lock(&store, first.id());
    let second = run(&["build", &common::sample(), "--store", &store]);
    let server = run(&["serve", "--store", &store, "--port", "0", "--writable", "--token", "t", "--stop-after", "5"]);
    let first_done_early = first.try_wait().unwrap().is_some();
    let _ = first.kill();
    first.wait().unwrap();
    assert!(!first_done_early, "the first build ended before the second writer tried: use a larger corpus");
    for (what, o) in [("a second build", &second), ("a writable server", &server)] {
        assert!(!o.status.success(), "{what} opened a store another build was writing");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("is being written by another process (pid "), "{what}: {err}");
        assert!(err.contains("only one build or writable server"), "{what}: {err}");
    }
    // The killed writer's lock went with it: the next build runs.
    ok(run(&["build", &common::sample(), "--store", &store]));
    ok(run(&["validate", "--store", &store]));
}

#[test]
fn oversized_articles_are_skipped_with_a_warning() {
    let dir = tmpdir("robust", "size");
    let big = dir.join("big.txt");
    std::fs::write(&big, "Russia recognised the Taliban. ".repeat(40_000)).unwrap(); // 1.24 MB
    let small = common::sample();
    let o = run(&["extract", "--max-article-size", "1MB", "--format", "jsonl", big.to_str().unwrap(), &small]);
    let out = ok(o.clone());
    assert_eq!(out.lines().count(), 1, "only the small article is extracted");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("big.txt: skipped: 1.2 MB is over the article size limit of 1.0 MB"), "{err}");
    // The default (10 MB) takes it.
    let out = ok(run(&["extract", "--format", "jsonl", big.to_str().unwrap()]));
    assert_eq!(out.lines().count(), 1);
    let bad = run(&["extract", "--max-article-size", "ten", &small]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a size"));
}

/// Pathological articles at two sizes; extraction's step count (`newskg::work`) must grow
/// in proportion. Each family stresses one way a text could make some stage superlinear.
/// A family's name, and its text of about n bytes.
type Family = (&'static str, fn(usize) -> String);

fn families() -> Vec<Family> {
    fn repeat(unit: &str, n: usize) -> String {
        unit.repeat(n / unit.len() + 1)
    }
    vec![
        ("1 MB without spaces", |n| "x".repeat(n)),
        ("one long sentence of clauses and triggers", |n| {
            repeat("Russia recognised the Taliban and China sanctioned Iran while officials said that ", n)
        }),
        ("gazetteer hits in one sentence", |n| {
            format!("The talks brought together {}and Japan.", repeat("Russia, China, Iran, France, Germany, ", n))
        }),
        ("coordinated subjects and objects", |n| {
            let half = repeat("Russia, China, Iran, France, Germany, ", n / 2);
            format!("{half}and Japan sanctioned {half}and Brazil.")
        }),
        ("deeply nested quotes", |n| {
            let d = n / 8;
            format!("Russia said {}China sanctioned Iran{}.", "\u{201c}".repeat(d), "\u{201d}".repeat(d))
        }),
        ("deeply nested brackets", |n| {
            format!("{}Russia recognised the Taliban{}.", "(".repeat(n / 2), ")".repeat(n / 2))
        }),
        ("the same relation in every sentence", |n| repeat("Russia recognised the Taliban. ", n)),
        ("pronouns and descriptions far from any antecedent", |n| {
            format!(
                "Russia recognised the Taliban. {}",
                repeat("They said it would. The junta and the regime agreed. His country did too. ", n)
            )
        }),
        ("event anaphors", |n| {
            format!(
                "Russia attacked Ukraine. {}",
                repeat("The strikes continued after the sanctions and the talks. ", n)
            )
        }),
        ("titled people", |n| repeat("Russian President Vladimir Putin met Chinese Foreign Minister Wang Yi. ", n)),
        ("named people and surnames", |n| repeat("John Smith met Maria Garcia and Smith said Garcia agreed. ", n)),
        ("everything at once", |n| {
            repeat(
                "Moscow said the Kremlin's Foreign Minister Sergei Lavrov, who met the bloc's envoy, would not \
                 recognise it. The alliance (NATO) denied that \u{201c}the strikes\u{201d} happened; he said they didn't. ",
                n,
            )
        }),
        ("one paragraph of context triggers", |n| repeat("Russia backed the deal and China supported the accord, ", n)),
        ("bullet lead-ins", |n| repeat("\n- Economic Interests: Russia wants access to minerals in Afghanistan.", n)),
        ("blank lines", |n| "\n".repeat(n)),
        ("punctuation only", |n| repeat(".,;:!?\u{2014}\"'()", n)),
    ]
}

#[test]
fn pathological_articles_take_linear_work() {
    use newskg::article::{self, Format, GivenMeta};
    let ex = newskg::Extractor::embedded().unwrap();
    let (small, large) = (250_000, 1_000_000);
    let mut rows = String::new();
    let mut worst: f64 = 0.0;
    for (name, make) in families() {
        let mut steps = [0u64; 2];
        let mut relations = 0;
        for (k, n) in [small, large].into_iter().enumerate() {
            let (a, _) = article::parse(make(n), "pathological", Format::Plain, &GivenMeta::default());
            let (x, w) = newskg::work::counted(|| ex.extract(&a));
            steps[k] = w;
            relations = x.relations.len();
        }
        assert!(steps[0] > 0, "{name}: no work counted");
        let ratio = steps[1] as f64 / steps[0] as f64;
        let per_byte = steps[1] as f64 / large as f64;
        worst = worst.max(ratio);
        // Four times the text: linear work is four times the steps; quadratic would be 16.
        assert!(ratio <= 4.0 * 1.15, "{name}: 4× the text took {ratio:.2}× the steps ({steps:?})");
        assert!(per_byte < 50.0, "{name}: {per_byte:.1} steps per byte");
        rows.push_str(&format!(
            "| {name} | {} | {} | {ratio:.2} | {per_byte:.2} | {relations} |\n",
            steps[0], steps[1]
        ));
    }
    common::report(
        "pathological-inputs",
        &format!(
            "## Pathological articles: linear work\n\n\
             Each family is extracted at {small} and {large} bytes; `newskg::work` counts the steps of\n\
             every input-sized loop (tokens, sentences, gazetteer hits, mentions, events, roles, candidates).\n\
             Linear work gives a ratio of 4; the test fails above 4.6. Worst ratio: {worst:.2}.\n\n\
             | family | steps at {small} B | steps at {large} B | ratio | steps per byte | relations at {large} B |\n\
             |---|---|---|---|---|---|\n{rows}"
        ),
    );
}
