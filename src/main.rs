//! The `newskg` command line: the only place that knows clap, stdout and exit codes.

use std::collections::HashSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use newskg::article::{self, Format};
use newskg::data::DataFiles;
use newskg::eval::{self, Counts, Gold};
use newskg::input::{self, Document};
use newskg::model::{Extraction, Modality};
use newskg::Extractor;

/// Turns news articles about international relations into a knowledge graph: who did
/// what to whom, with the sentence that says so.
#[derive(Parser)]
#[command(name = "newskg", version, about, long_about = None)]
struct Cli {
    /// Use the gazetteer and lexicon of this folder (with gazetteer/ and lexicon/ inside)
    /// instead of the copy built into the binary: edit data, rerun, no rebuild.
    #[arg(long, global = true, env = "NEWSKG_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract entities and relations from articles and print them as JSON.
    ///
    /// Inputs are article files (the sample's layout, plain text or Markdown), JSON Lines
    /// corpora (one {"text": …, "id"?, "title"?, "published"?, "url"?} per line),
    /// directories (searched recursively for .txt, .md, .jsonl files) or - for stdin.
    ///
    /// Example: newskg extract data/articles/russia-recognizes-taliban.txt
    Extract {
        /// Articles, directories, JSON Lines files, or - for standard input.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// json: one document for one article, an array for several; jsonl: one per line.
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
        /// Also print relations the article only supposes (would, could, if, will…),
        /// marked by their modality. By default only asserted and denied ones are printed.
        #[arg(long)]
        include_hypothetical: bool,
        /// Compact JSON (the default pretty-prints a single document).
        #[arg(long)]
        compact: bool,
    },
    /// Score extraction against gold files and print precision, recall and F1.
    ///
    /// Gold files follow the shared evaluation format: one <stem>.json per article.
    /// Example: newskg eval --gold ../shared/eval/gold -v
    Eval {
        /// Folder of gold .json files.
        #[arg(long, value_name = "DIR")]
        gold: PathBuf,
        /// Folder of the articles (default: ../articles beside the gold folder).
        #[arg(long, value_name = "DIR")]
        articles: Option<PathBuf>,
        /// List the extra and missed entities and the wrong and missed relations.
        #[arg(short, long)]
        verbose: bool,
        /// Exit with status 1 when micro-averaged entity F1 is below this.
        #[arg(long, value_name = "F1")]
        min_entity_f1: Option<f64>,
        /// Exit with status 1 when micro-averaged relation F1 is below this.
        #[arg(long, value_name = "F1")]
        min_relation_f1: Option<f64>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Json,
    Jsonl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("newskg: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn load_extractor(data: &Option<PathBuf>) -> Result<Extractor> {
    let files = match data {
        Some(dir) => DataFiles::from_dir(dir)
            .with_context(|| format!("cannot read the data folder {}", dir.display()))?,
        None => DataFiles::embedded(),
    };
    Extractor::new(&files).map_err(|e| {
        anyhow::anyhow!("{e}\n(fix the data file, or run without --data to use the built-in data)")
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Extract {
            inputs,
            format,
            include_hypothetical,
            compact,
        } => {
            let ex = load_extractor(&cli.data)?;
            extract(&ex, &inputs, format, include_hypothetical, compact)
        }
        Command::Eval {
            gold,
            articles,
            verbose,
            min_entity_f1,
            min_relation_f1,
        } => {
            let ex = load_extractor(&cli.data)?;
            evaluate(
                &ex,
                &gold,
                articles.as_deref(),
                verbose,
                min_entity_f1,
                min_relation_f1,
            )
        }
    }
}

/// Prints extraction diagnostics as `SOURCE:LINE: warning: message`.
fn report(doc_source: &str, text: &str, x: &Extraction) {
    for d in &x.diagnostics {
        match d.offset {
            Some(o) => {
                let line = text[..o.min(text.len())].matches('\n').count() + 1;
                eprintln!("newskg: warning: {doc_source}:{line}: {}", d.message);
            }
            None => eprintln!("newskg: warning: {doc_source}: {}", d.message),
        }
    }
}

fn keep_asserted(x: &mut Extraction) {
    x.relations.retain(|r| r.modality == Modality::Asserted);
}

fn extract(
    ex: &Extractor,
    inputs: &[String],
    format: OutputFormat,
    include_hypothetical: bool,
    compact: bool,
) -> Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut docs: Vec<Extraction> = Vec::new();
    let started = Instant::now();
    let progress = io::stderr().is_terminal();
    let mut count = 0usize;
    let mut bytes = 0usize;
    let mut write_err: Option<io::Error> = None;
    let stats = input::read_inputs(
        inputs,
        &mut |doc: Document| {
            let (article, diags) = article::parse(doc.text, &doc.source, doc.format, &doc.given);
            for d in &diags {
                eprintln!("newskg: warning: {}: {}", doc.source, d.message);
            }
            let mut x = ex.extract(&article);
            report(&doc.source, &article.text, &x);
            if !include_hypothetical {
                keep_asserted(&mut x);
            }
            count += 1;
            bytes += article.text.len();
            if progress && count % 100 == 0 {
                eprint!("\rnewskg: {count} articles, {:.1} MB", bytes as f64 / 1e6);
            }
            if format == OutputFormat::Jsonl {
                if write_err.is_none() {
                    let r = serde_json::to_writer(&mut out, &x)
                        .map_err(io::Error::from)
                        .and_then(|_| out.write_all(b"\n"));
                    if let Err(e) = r {
                        write_err = Some(e);
                    }
                }
            } else {
                docs.push(x);
            }
        },
        &mut |w: String| eprintln!("newskg: warning: {w}"),
    );
    if progress && count >= 100 {
        eprintln!();
    }
    if let Some(e) = write_err {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        bail!("cannot write the output: {e}");
    }
    if format == OutputFormat::Json {
        let r = match (docs.len(), compact) {
            (1, false) => serde_json::to_writer_pretty(&mut out, &docs[0]),
            (1, true) => serde_json::to_writer(&mut out, &docs[0]),
            (_, false) => serde_json::to_writer_pretty(&mut out, &docs),
            (_, true) => serde_json::to_writer(&mut out, &docs),
        };
        if docs.is_empty() && stats.documents == 0 {
            // Nothing to print: the summary below explains.
        } else {
            r.map_err(io::Error::from)
                .and_then(|_| out.write_all(b"\n"))
                .or_else(|e| {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
        }
    }
    out.flush().or_else(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    if count > 1 {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "newskg: extracted {count} articles ({:.1} MB) in {secs:.2} s{}",
            bytes as f64 / 1e6,
            if stats.skipped > 0 {
                format!("; {} inputs skipped", stats.skipped)
            } else {
                String::new()
            }
        );
    }
    if stats.documents == 0 {
        eprintln!(
            "newskg: error: no article could be read from {}",
            inputs.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn fmt_key(k: &eval::Key) -> String {
    format!(
        "{} {} {}{}",
        k.0,
        k.1,
        k.2,
        if k.3 { " (negated)" } else { "" }
    )
}

fn evaluate(
    ex: &Extractor,
    gold_dir: &Path,
    articles: Option<&Path>,
    verbose: bool,
    min_e: Option<f64>,
    min_r: Option<f64>,
) -> Result<ExitCode> {
    let art_dir = match articles {
        Some(a) => a.to_path_buf(),
        None => gold_dir.parent().unwrap_or(Path::new(".")).join("articles"),
    };
    let mut golds: Vec<PathBuf> = std::fs::read_dir(gold_dir)
        .with_context(|| format!("cannot read the gold folder {}", gold_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    golds.sort();
    if golds.is_empty() {
        bail!("{} has no gold .json files", gold_dir.display());
    }
    let symmetric: HashSet<String> = ex
        .lexicon()
        .predicates
        .iter()
        .filter(|p| p.symmetric)
        .map(|p| p.name.clone())
        .collect();
    let (mut ents, mut rels) = (Counts::default(), Counts::default());
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for g in golds {
        let text =
            std::fs::read_to_string(&g).with_context(|| format!("cannot read {}", g.display()))?;
        let gold: Gold = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a gold file", g.display()))?;
        let path = art_dir.join(&gold.article);
        let body = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read the article {} named by {}",
                path.display(),
                g.display()
            )
        })?;
        let source = path.display().to_string();
        let (article, _) = article::parse(body, &source, Format::Auto, &Default::default());
        let mut x = ex.extract(&article);
        keep_asserted(&mut x);
        let s = eval::score(&gold, &x, &symmetric);
        ents.add(s.entities);
        rels.add(s.relations);
        let stem = g.file_stem().unwrap_or_default().to_string_lossy();
        let (_, _, ef) = s.entities.prf();
        let (_, _, rf) = s.relations.prf();
        writeln!(
            out,
            "{stem:40} entities F1={ef:.2} ({}/{} found, {} extra)  relations F1={rf:.2} ({}/{} found, {} wrong)",
            s.entities.tp,
            s.entities.tp + s.entities.fn_,
            s.entities.fp,
            s.relations.tp,
            s.relations.tp + s.relations.fn_,
            s.relations.fp
        )?;
        if verbose {
            for e in &s.extra_entities {
                writeln!(out, "    extra entity: {e}")?;
            }
            for e in &s.missed_entities {
                writeln!(out, "    missed entity: {e}")?;
            }
            for k in &s.wrong {
                writeln!(out, "    wrong:  {}", fmt_key(k))?;
            }
            for k in &s.missed {
                writeln!(out, "    missed: {}", fmt_key(k))?;
            }
        }
    }
    let (ep, er, ef) = ents.prf();
    let (rp, rr, rf) = rels.prf();
    writeln!(
        out,
        "entities P={ep:.3} R={er:.3} F1={ef:.3} | relations P={rp:.3} R={rr:.3} F1={rf:.3}"
    )?;
    let mut failed = false;
    if let Some(m) = min_e {
        if ef < m {
            eprintln!("newskg: entity F1 {ef:.3} is below the required {m}");
            failed = true;
        }
    }
    if let Some(m) = min_r {
        if rf < m {
            eprintln!("newskg: relation F1 {rf:.3} is below the required {m}");
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
