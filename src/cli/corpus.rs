//! `newskg extract` and `newskg build`: the commands that stream a corpus through the
//! extractor. Documents are read on one thread, extracted on all cores, and consumed in
//! input order, so output and store do not depend on the thread count.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::ValueEnum;

use newskg::article;
use newskg::input::{self, Document, Limits, Stats};
use newskg::model::{Extraction, Modality};
use newskg::pipeline::{self, Flow};
use newskg::rdf::{self, ArticleGraph, Namespace};
use newskg::store::{KgStore, Outcome};
use newskg::Extractor;

/// How `extract` prints its results.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Jsonl,
    /// Each article's named graph as N-Quads, exactly as `build` stores it (see
    /// `cli::nquads`).
    Nquads,
}

/// Articles extracted but not yet consumed, per thread: enough to keep every core busy
/// while the consumer writes, small enough that memory stays flat.
const WINDOW_PER_THREAD: usize = 256;

/// Quads gathered before the store takes them in one atomic bulk load: large enough
/// that each load is efficient, small enough to stay well under the memory budget.
pub const DEFAULT_BATCH_QUADS: usize = 250_000;

/// How `build` reads and loads.
pub struct BuildOptions {
    pub threads: usize,
    pub limits: Limits,
    /// Quads per atomic bulk load (`--batch-quads`).
    pub batch_quads: usize,
}

/// The worker threads to use: `requested`, or every core.
pub fn thread_count(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

/// One document after extraction, with what to tell the user about it.
struct Extracted {
    warnings: Vec<String>,
    bytes: usize,
    extraction: Extraction,
}

/// Parses and extracts one document; warnings are phrased for the user, naming it.
fn extract_one(ex: &Extractor, doc: Document) -> Extracted {
    let (article, diags) = article::parse(doc.text, &doc.source, doc.format, &doc.given);
    let mut warnings: Vec<String> = diags.iter().map(|d| format!("{}: {}", doc.source, d.message)).collect();
    let extraction = ex.extract(&article);
    for d in &extraction.diagnostics {
        warnings.push(match d.offset {
            Some(o) => {
                let line = article.text[..o.min(article.text.len())].matches('\n').count() + 1;
                format!("{}:{line}: {}", doc.source, d.message)
            }
            None => format!("{}: {}", doc.source, d.message),
        });
    }
    Extracted { warnings, bytes: article.text.len(), extraction }
}

/// Parses and extracts one document, printing its warnings: for commands that take one
/// document at a time.
pub fn extract_document(ex: &Extractor, doc: Document) -> Extraction {
    let e = extract_one(ex, doc);
    for w in &e.warnings {
        eprintln!("newskg: warning: {w}");
    }
    e.extraction
}

/// Reads `inputs` on the pipeline's reader thread, printing input warnings as they come.
fn read_all<'a>(
    inputs: &'a [String],
    limits: Limits,
    stats: &'a mut Stats,
) -> impl FnOnce(&mut dyn FnMut(Document) -> bool) + Send + 'a {
    move |sink| {
        let mut open = true;
        *stats = input::read_inputs(
            inputs,
            limits,
            &mut |doc| {
                if open {
                    open = sink(doc);
                }
            },
            &mut |w| eprintln!("newskg: warning: {w}"),
        );
    }
}

/// A progress line on stderr, only when stderr is a terminal, at most a few times a second.
struct Progress {
    on: bool,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new() -> Progress {
        let now = Instant::now();
        Progress { on: io::stderr().is_terminal(), started: now, last: now }
    }

    fn show(&mut self, line: impl FnOnce(f64) -> String) {
        if self.on && self.last.elapsed().as_millis() >= 250 {
            self.last = Instant::now();
            eprint!("\r{}\x1b[K", line(self.started.elapsed().as_secs_f64().max(1e-9)));
        }
    }

    fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[K");
        }
    }
}

/// Treats a closed stdout (`| head`) as success.
fn ignore_broken_pipe(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// `newskg extract`: JSON for each article, in input order.
pub fn extract(
    ex: &Extractor,
    inputs: &[String],
    limits: Limits,
    format: OutputFormat,
    include_hypothetical: bool,
    compact: bool,
    threads: usize,
) -> Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut docs: Vec<Extraction> = Vec::new();
    let mut progress = Progress::new();
    let (mut count, mut bytes) = (0usize, 0usize);
    let mut write_err: Option<io::Error> = None;
    let mut stats = Stats::default();
    pipeline::ordered_map(
        threads,
        threads * WINDOW_PER_THREAD,
        read_all(inputs, limits, &mut stats),
        |doc| extract_one(ex, doc),
        |e| {
            for w in &e.warnings {
                eprintln!("newskg: warning: {w}");
            }
            let mut x = e.extraction;
            if !include_hypothetical {
                x.relations.retain(|r| r.modality == Modality::Asserted);
            }
            count += 1;
            bytes += e.bytes;
            progress.show(|secs| format!("newskg: {count} articles, {:.1} MB/s", bytes as f64 / 1e6 / secs));
            if format == OutputFormat::Json {
                docs.push(x);
                return Flow::Continue;
            }
            let r = serde_json::to_writer(&mut out, &x).map_err(io::Error::from).and_then(|_| out.write_all(b"\n"));
            match r {
                Ok(()) => Flow::Continue,
                Err(e) => {
                    write_err = Some(e);
                    Flow::Stop
                }
            }
        },
    );
    progress.clear();
    if let Some(e) = write_err {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        bail!("cannot write the output: {e}");
    }
    if format == OutputFormat::Json && !docs.is_empty() {
        let r = match (docs.len(), compact) {
            (1, false) => serde_json::to_writer_pretty(&mut out, &docs[0]),
            (1, true) => serde_json::to_writer(&mut out, &docs[0]),
            (_, false) => serde_json::to_writer_pretty(&mut out, &docs),
            (_, true) => serde_json::to_writer(&mut out, &docs),
        };
        ignore_broken_pipe(r.map_err(io::Error::from).and_then(|_| out.write_all(b"\n")))?;
    }
    ignore_broken_pipe(out.flush())?;
    if count > 1 {
        let secs = progress.started.elapsed().as_secs_f64();
        eprintln!(
            "newskg: extracted {count} articles ({:.1} MB) in {secs:.2} s on {threads} thread{}{}",
            bytes as f64 / 1e6,
            if threads == 1 { "" } else { "s" },
            if stats.skipped > 0 { format!("; {} inputs skipped", stats.skipped) } else { String::new() }
        );
    }
    if stats.documents == 0 {
        eprintln!("newskg: error: no article could be read from {}", inputs.join(", "));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// What a build did, for the summary.
#[derive(Default)]
struct Tally {
    new: usize,
    unchanged: usize,
    replaced: usize,
}

impl Tally {
    fn read(&self) -> usize {
        self.new + self.unchanged + self.replaced
    }
}

/// `newskg build`: extracts on every core while a writer thread loads the store in
/// atomic batches, so extraction and loading overlap.
pub fn build(
    ex: &Extractor,
    ontology: &str,
    ns: Namespace,
    inputs: &[String],
    store_path: &Path,
    options: BuildOptions,
) -> Result<ExitCode> {
    let BuildOptions { threads, limits, batch_quads: batch_limit } = options;
    let store = KgStore::open(store_path, ns.clone())?;
    store.load_ontology(ontology)?;
    let prov = rdf::Provenance::now();
    let mut progress = Progress::new();
    let mut stats = Stats::default();
    let (mut relations, mut bytes, mut extracted) = (0usize, 0usize, 0usize);
    let stored = AtomicUsize::new(0);
    // One batch loading while the next fills: a bounded hand-over keeps memory flat.
    let (batch_tx, batch_rx) = sync_channel::<Vec<ArticleGraph>>(1);
    let written: Result<Tally> = std::thread::scope(|s| {
        let writer = s.spawn(|| -> Result<Tally> {
            let mut tally = Tally::default();
            for batch in batch_rx {
                let first = batch.first().map(|g| g.source.clone()).unwrap_or_default();
                let outcomes = store.put_batch(batch).map_err(|e| {
                    anyhow::anyhow!(
                        "{e}\n(the articles from {first} on were not stored; run the build again to add them)"
                    )
                })?;
                for o in outcomes {
                    match o {
                        Outcome::New => tally.new += 1,
                        Outcome::Unchanged => tally.unchanged += 1,
                        Outcome::Replaced(_) => tally.replaced += 1,
                    }
                }
                stored.store(tally.read(), Ordering::Relaxed);
            }
            Ok(tally)
        });
        let mut batch: Vec<ArticleGraph> = Vec::new();
        let mut batch_quads = 0usize;
        pipeline::ordered_map(
            threads,
            threads * WINDOW_PER_THREAD,
            read_all(inputs, limits, &mut stats),
            |doc| {
                let e = extract_one(ex, doc);
                let graph = ArticleGraph::new(&ns, &e.extraction, &prov);
                (e.warnings, e.bytes, e.extraction.relations.len(), graph)
            },
            |(warnings, size, found, graph)| {
                for w in &warnings {
                    eprintln!("newskg: warning: {w}");
                }
                extracted += 1;
                relations += found;
                bytes += size;
                batch_quads += graph.len();
                batch.push(graph);
                if batch_quads >= batch_limit.max(1) {
                    batch_quads = 0;
                    // The writer stopped on an error: stop reading; it tells why.
                    if batch_tx.send(std::mem::take(&mut batch)).is_err() {
                        return Flow::Stop;
                    }
                }
                progress.show(|secs| {
                    format!(
                        "newskg: {extracted} articles extracted ({:.1} MB/s), {} stored",
                        bytes as f64 / 1e6 / secs,
                        stored.load(Ordering::Relaxed)
                    )
                });
                Flow::Continue
            },
        );
        if !batch.is_empty() {
            // An error here is the writer's, reported by join below.
            let _ = batch_tx.send(batch);
        }
        drop(batch_tx);
        writer.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the store writer stopped unexpectedly")))
    });
    progress.clear();
    let tally = written?;
    // Write the log into the store's tables, so readers do not replay it on every open.
    store.flush()?;
    let c = store.counts()?;
    let secs = progress.started.elapsed().as_secs_f64();
    println!(
        "articles: {} new, {} unchanged, {} replaced ({} read in {secs:.2} s, {:.0} articles/s, {threads} thread{})",
        tally.new,
        tally.unchanged,
        tally.replaced,
        tally.read(),
        tally.read() as f64 / secs.max(1e-9),
        if threads == 1 { "" } else { "s" }
    );
    println!("relations extracted: {relations}");
    println!(
        "store {}: {} articles, {} entities, {} assertions, {} triples",
        store_path.display(),
        c.articles,
        c.entities,
        c.assertions,
        c.triples
    );
    if stats.documents == 0 {
        eprintln!("newskg: error: no article could be read from {}", inputs.join(", "));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
