//! `newskg extract --format nquads`: each article's named graph as the store would hold it,
//! to stdout or a file, or sharded for bulk loaders with a manifest ([`newskg::shards`]).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use newskg::input::{self, Document, Limits};
use newskg::rdf::{self, NQuads, Namespace, Provenance};
use newskg::shards::{Manifest, ShardWriter, MANIFEST};
use newskg::Extractor;

/// The options of `extract --format nquads`.
#[derive(Args, Clone, Debug, Default)]
pub struct NquadsArgs {
    /// With --format nquads: write N articles per file (shard-00000.nq, shard-00001.nq…)
    /// into the folder -o DIR, with the ontology in ontology.nq and a manifest.json
    /// (per file: articles, triples, bytes, SHA-256; totals; the newskg version).
    #[arg(long, value_name = "N")]
    pub shard_size: Option<usize>,
    /// With --format nquads: the output file (default: stdout), or with --shard-size the
    /// output folder.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// With --format nquads: the prov:generatedAtTime of every article graph
    /// (xsd:dateTime, e.g. 2026-03-01T00:00:00Z). Default: SOURCE_DATE_EPOCH (seconds
    /// since 1970) when set, else now. The same inputs and time give byte-identical files:
    /// give every job of a batch the same time.
    #[arg(long, value_name = "TIME")]
    pub generated_at: Option<String>,
    /// With --shard-size: replace the shards and manifest an earlier run left in the folder
    /// (other files are left alone).
    #[arg(long)]
    pub force: bool,
}

impl NquadsArgs {
    /// The first option given that only `--format nquads` reads.
    pub fn given(&self) -> Option<&'static str> {
        if self.shard_size.is_some() {
            Some("--shard-size")
        } else if self.output.is_some() {
            Some("-o/--output")
        } else if self.generated_at.is_some() {
            Some("--generated-at")
        } else if self.force {
            Some("--force")
        } else {
            None
        }
    }
}

/// The generation time: the flag, else SOURCE_DATE_EPOCH, else now.
fn provenance(args: &NquadsArgs) -> Result<Provenance> {
    if let Some(t) = &args.generated_at {
        return Provenance::at(t).map_err(|e| anyhow::anyhow!("--generated-at: {e}"));
    }
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => {
            let secs: i64 = v.trim().parse().with_context(|| {
                format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds since 1970-01-01 (unset it, or use --generated-at)")
            })?;
            Ok(Provenance::at(&rdf::xsd_date_time(secs)).map_err(anyhow::Error::msg)?)
        }
        Err(_) => Ok(Provenance::now()),
    }
}

/// Where the graphs go.
enum Sink {
    Stream(Box<dyn Write>),
    Shards(Box<ShardWriter>),
}

/// Runs `extract --format nquads`.
pub fn run(
    ex: &Extractor,
    ns: Namespace,
    ontology_ttl: &str,
    inputs: &[String],
    limits: Limits,
    args: &NquadsArgs,
) -> Result<ExitCode> {
    let prov = provenance(args)?;
    let ontology = rdf::nquads(&rdf::ontology_quads(&ns, ontology_ttl).map_err(anyhow::Error::msg)?)
        .map_err(anyhow::Error::msg)?;
    if args.force && args.shard_size.is_none() {
        bail!("--force goes with --shard-size (it replaces an earlier run's shards)");
    }
    let mut sink = match (args.shard_size, &args.output) {
        (Some(_), None) => bail!("--shard-size writes several files: give the folder with -o DIR"),
        (Some(size), Some(dir)) => {
            let manifest = Manifest {
                newskg_version: env!("CARGO_PKG_VERSION").to_string(),
                media_type: "application/n-quads".to_string(),
                generated_at: prov.generated_at.clone(),
                base: ns.base().to_string(),
                ontology_graph: ns.ontology_graph().as_str().to_string(),
                ..Manifest::default()
            };
            let mut w = ShardWriter::create(dir, size, args.force, manifest)?;
            w.write_ontology(&ontology)?;
            Sink::Shards(Box::new(w))
        }
        (None, Some(file)) => {
            let f = File::create(file).with_context(|| format!("cannot write {}", file.display()))?;
            Sink::Stream(Box::new(BufWriter::new(f)))
        }
        (None, None) => Sink::Stream(Box::new(BufWriter::new(io::stdout().lock()))),
    };
    if let Sink::Stream(w) = &mut sink {
        w.write_all(ontology.text.as_bytes())?;
    }

    let started = Instant::now();
    let progress = io::stderr().is_terminal();
    let (mut articles, mut triples, mut duplicates) = (0usize, ontology.quads, 0usize);
    let mut seen = std::collections::HashSet::new();
    let mut failure: Option<anyhow::Error> = None;
    let stats = input::read_inputs(
        inputs,
        limits,
        &mut |doc: Document| {
            if failure.is_some() {
                return;
            }
            let x = super::corpus::extract_document(ex, doc);
            // The store keeps one graph per content hash: so do the files.
            if !seen.insert(x.article.id.clone()) {
                duplicates += 1;
                if let Sink::Shards(w) = &mut sink {
                    w.skip_duplicate();
                }
                return;
            }
            let written = rdf::nquads(&rdf::article_quads(&ns, &x, &x.article.id, &prov))
                .map_err(anyhow::Error::msg)
                .and_then(|graph: NQuads| {
                    match &mut sink {
                        Sink::Stream(w) => w.write_all(graph.text.as_bytes())?,
                        Sink::Shards(w) => w.add(&graph)?,
                    }
                    Ok(graph.quads)
                });
            match written {
                Ok(n) => triples += n,
                Err(e) => {
                    failure = Some(e);
                    return;
                }
            }
            articles += 1;
            if progress && articles % 100 == 0 {
                eprint!("\rnewskg: {articles} articles, {triples} triples");
            }
        },
        &mut |w: String| eprintln!("newskg: warning: {w}"),
    );
    if progress && articles >= 100 {
        eprint!("\r\x1b[K");
    }
    if let Some(e) = failure {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.kind() == io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
        }
        return Err(e.context("cannot write the N-Quads"));
    }
    let secs = started.elapsed().as_secs_f64();
    let dups = if duplicates > 0 { format!(", duplicates left out: {duplicates}") } else { String::new() };
    match sink {
        Sink::Shards(w) => {
            let m = w.finish()?;
            let dir = args.output.as_deref().unwrap_or(Path::new("."));
            eprintln!(
                "newskg: {} articles, {} triples (ontology included) in {} shard{}{dups}: {} in {secs:.2} s",
                m.totals.articles,
                m.totals.triples,
                m.totals.shards,
                if m.totals.shards == 1 { "" } else { "s" },
                dir.join(MANIFEST).display()
            );
        }
        Sink::Stream(mut w) => {
            match w.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                r => r.context("cannot write the N-Quads")?,
            }
            if args.output.is_some() || articles > 1 {
                eprintln!("newskg: {articles} articles, {triples} triples (ontology included){dups} in {secs:.2} s");
            }
        }
    }
    if stats.documents == 0 {
        eprintln!("newskg: error: no article could be read from {}", inputs.join(", "));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
