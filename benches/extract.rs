//! Extraction throughput on a generated corpus (not a timed test: it prints figures).
//! Run with `cargo bench --bench extract`; prints the median of several runs.

use std::time::Instant;

use newskg::article::{self, Format, GivenMeta};
use newskg::Extractor;

fn main() {
    let ex = Extractor::embedded().expect("built-in data loads");
    let n: usize = std::env::var("NEWSKG_BENCH_ARTICLES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let texts = newskg::generate::articles(ex.gazetteer(), ex.lexicon(), n, 42);
    let articles: Vec<_> =
        texts.into_iter().map(|t| article::parse(t, "gen", Format::Auto, &GivenMeta::default()).0).collect();
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    let mut sentences = 0usize;
    let mut times = Vec::new();
    for run in 0..7 {
        let t = Instant::now();
        let mut rels = 0usize;
        for a in &articles {
            let x = ex.extract(a);
            rels += x.relations.len();
            if run == 0 {
                sentences += x.relations.iter().map(|r| r.evidence.len()).sum::<usize>();
            }
        }
        times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(rels);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = times[times.len() / 2];
    let mb = bytes as f64 / 1e6;
    let sents: usize = articles.iter().map(|a| newskg::text::analyse(&a.text, a.body.clone()).sentences.len()).sum();
    println!("extract: {n} generated articles, {mb:.2} MB, {sents} sentences");
    println!(
        "extract: median of 7 runs {median:.3} s = {:.1} MB/s, {:.0} sentences/s, {:.0} articles/s (one thread)",
        mb / median,
        sents as f64 / median,
        n as f64 / median
    );
    let _ = sentences;
}
