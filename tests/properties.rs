//! Property tests: the fuzz targets' checks (fuzz/) on thousands of generated inputs, in
//! every `cargo test`. Arbitrary Unicode, and news-like text mixing the gazetteer's
//! names, the lexicon's trigger words, quotes, brackets, bullets and line breaks, go
//! through the article reader, the extractor and every export writer: no panic, every
//! offset indexes the original text, XML and JSON outputs stay well formed.
//!
//! The checks themselves are in `props/checks.rs`, shared with the fuzz targets.
//!
//! These drive the library rather than the binary: a process per input would test
//! process start-up a thousand times, not the code under test.

#[path = "props/checks.rs"]
mod checks;
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use checks::{check_exports, check_extraction, extractor};
use newskg::input;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Words the extractor reacts to, and the punctuation that shapes sentences and clauses.
fn vocabulary() -> Vec<String> {
    let ex = extractor();
    let mut v: Vec<String> = ex.gazetteer().entries().iter().step_by(7).map(|e| e.label.clone()).collect();
    for t in ex.lexicon().triggers.iter() {
        v.extend(t.forms.iter().take(2).cloned());
    }
    for w in [
        "the",
        "a",
        "of",
        "and",
        "or",
        "but",
        "not",
        "never",
        "did",
        "may",
        "could",
        "said",
        "that",
        "which",
        "who",
        "its",
        "their",
        "his",
        "her",
        "by",
        "with",
        "in",
        "on",
        "to",
        "was",
        "were",
        "has",
        "have",
        "been",
        "after",
        ",",
        ".",
        ";",
        ":",
        "!",
        "?",
        "\"",
        "'",
        "\u{201c}",
        "\u{201d}",
        "\u{2018}",
        "\u{2019}",
        "(",
        ")",
        "[",
        "]",
        "\u{2014}",
        "-",
        "\n",
        "\n\n",
        "\n- ",
        "\n\u{2022} ",
        "# ",
        "**",
        "'s",
        "\u{2019}s",
        "U.S.",
        "Mr.",
        "Dr.",
        "12",
        "3.5",
        "2026-01-31",
        "\u{0301}",
        "\u{200b}",
        "\u{feff}",
        "\r\n",
        "\t",
        "\u{1f600}",
        "\u{0}",
        "\u{7f}",
    ] {
        v.push(w.to_string());
    }
    v
}

/// News-like text: 0..300 pieces of the vocabulary, joined by spaces or glued together.
fn news_like() -> impl Strategy<Value = String> {
    let vocab = vocabulary();
    prop::collection::vec((prop::sample::select(vocab), any::<bool>()), 0..300).prop_map(|parts| {
        let mut s = String::new();
        for (w, glue) in parts {
            if !glue && !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&w);
        }
        s
    })
}

/// Runs `test` on `cases` values of `strategy` (a failure panics with proptest's shrunk
/// input); returns how many values were tried.
fn run<T: std::fmt::Debug>(cases: u32, strategy: impl Strategy<Value = T>, test: impl Fn(&T)) -> usize {
    let tried = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |s| {
            tried.fetch_add(1, Ordering::Relaxed);
            test(&s);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    tried.into_inner()
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..600).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

#[test]
fn extraction_never_panics_and_offsets_index_the_text() {
    let relations = AtomicUsize::new(0);
    let news = run(1500, news_like(), |s| {
        relations.fetch_add(check_extraction(s), Ordering::Relaxed);
    });
    let unicode = run(1000, any::<String>(), |s| {
        check_extraction(s);
    });
    let bytes = run(1000, arbitrary_text(), |s| {
        check_extraction(s);
    });
    let relations = relations.into_inner();
    assert!(relations > 100, "the news-like inputs hardly reach the relation stage ({relations} relations)");
    common::report(
        "properties-extraction",
        &format!(
            "## Property tests: article reader and extractor\n\n\
             Each input goes through the three article formats and the extractor; every mention and\n\
             evidence offset must slice the original text to the reported string.\n\n\
             | inputs | tried | panics |\n|---|---|---|\n\
             | news-like (gazetteer names, triggers, quotes, bullets, control characters) | {news} (relations found: {relations}) | 0 |\n\
             | arbitrary Unicode strings | {unicode} | 0 |\n\
             | arbitrary bytes, repaired to UTF-8 | {bytes} | 0 |\n"
        ),
    );
}

#[test]
fn export_writers_never_panic_and_stay_well_formed() {
    let fields = prop::collection::vec(
        prop_oneof![
            any::<String>(),
            arbitrary_text(),
            "[<>&\"'`\\\\{}\\[\\]#|;\u{0}-\u{1f}\u{7f}\u{fffe}\u{ffff} a-z]{0,24}"
        ],
        1..12,
    );
    let tried = run(800, fields, |f| check_exports(f));
    common::report(
        "properties-export",
        &format!(
            "## Property tests: export writers\n\n\
             Graphs whose ids, labels, types, titles and evidence are arbitrary text (markup, quotes,\n\
             control characters, non-characters) through all eight writers; XML re-read by quick-xml,\n\
             JSON by serde_json.\n\n\
             | inputs | tried | panics | malformed outputs |\n|---|---|---|---|\n\
             | generated graphs × 8 formats | {tried} | 0 | 0 |\n"
        ),
    );
}

#[test]
fn json_lines_reader_accounts_for_every_line() {
    let dir = common::tmpdir("props", "jsonl");
    let files = AtomicUsize::new(0);
    let lines = prop::collection::vec(
        prop_oneof![
            arbitrary_text(),
            any::<String>().prop_map(|t| serde_json::json!({ "text": t }).to_string()),
            any::<String>().prop_map(|t| serde_json::json!({ "text": t, "id": 7, "title": t }).to_string()),
        ],
        0..20,
    );
    let tried = run(300, lines, |lines| {
        let path = dir.join(format!("{}.jsonl", files.fetch_add(1, Ordering::Relaxed)));
        let body: String = lines.iter().map(|l| l.replace('\n', " ") + "\n").collect();
        std::fs::write(&path, &body).unwrap();
        let (mut docs, mut warnings) = (0, 0);
        let stats = input::read_inputs(
            &[path.display().to_string()],
            input::Limits::default(),
            &mut |_| docs += 1,
            &mut |_| warnings += 1,
        );
        let non_blank = body.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(stats.documents, docs);
        assert_eq!(stats.documents + stats.skipped, non_blank, "a line was neither read nor reported");
        assert!(warnings >= stats.skipped);
    });
    common::report(
        "properties-jsonl",
        &format!(
            "## Property tests: JSON Lines reader\n\n\
             Files of generated lines (valid records, other JSON, arbitrary bytes): every non-blank line\n\
             is either delivered or reported with a warning naming it.\n\n\
             | files | lines lost |\n|---|---|\n| {tried} | 0 |\n"
        ),
    );
}
