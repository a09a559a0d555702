//! The `newskg` command line: the only place that knows clap, stdout and exit codes.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use newskg::article::{self, Format};
use newskg::data::DataFiles;
use newskg::eval::{self, Counts, Gold};
use newskg::model::{Extraction, Modality};
use newskg::query::{self, QueryError, ResultFormat};
use newskg::rdf::{self, Namespace, Vocabulary};
use newskg::shacl::{self, Shapes};
use newskg::store::{KgStore, Syntax};
use newskg::Extractor;

mod cli;

/// Extraction allocates many small strings and vectors per sentence; mimalloc serves them
/// faster than the system allocator (see BENCHMARKS.md for the measured difference).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use cli::corpus::OutputFormat;
use cli::export::FilterArgs;
use newskg::input::Limits;

/// Turns news articles about international relations into a knowledge graph: who did
/// what to whom, with the sentence that says so.
#[derive(Parser)]
#[command(name = "newskg", version, about, long_about = None)]
struct Cli {
    /// Use the gazetteer and lexicon of this folder (with gazetteer/ and lexicon/ inside)
    /// instead of the copy built into the binary: edit data, rerun, no rebuild.
    #[arg(long, global = true, env = "NEWSKG_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Use this OWL ontology (Turtle) instead of the built-in ontology/newskg.ttl. The
    /// lexicon's predicates and the gazetteer's types must be declared in it.
    #[arg(long, global = true, env = "NEWSKG_ONTOLOGY", value_name = "FILE")]
    ontology: Option<PathBuf>,
    /// Base IRI for entities, articles and assertions (the vocabulary stays
    /// https://w3id.org/newskg/ontology#).
    #[arg(long, global = true, env = "NEWSKG_BASE", value_name = "IRI", default_value = newskg::rdf::DEFAULT_BASE)]
    base: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract entities and relations from articles and print them as JSON, or write their
    /// graphs as RDF N-Quads (sharded, with a manifest) for the bulk loaders of large stores.
    ///
    /// Inputs are article files (the sample's layout, plain text or Markdown), JSON Lines
    /// corpora (one {"text": …, "id"?, "title"?, "published"?, "url"?} per line),
    /// directories (searched recursively for .txt, .md, .jsonl files) or - for stdin.
    ///
    /// Example: newskg extract data/articles/russia-recognizes-taliban.txt
    ///
    /// Example: newskg extract corpus/part-017.jsonl --format nquads --shard-size 10000 -o shards/part-017/
    Extract {
        /// Articles, directories, JSON Lines files, or - for standard input.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// json: one document for one article, an array for several; jsonl: one per line;
        /// nquads: the ontology, then each article's named graph exactly as `build` would
        /// store it (RDF N-Quads), optionally sharded for bulk loaders (--shard-size).
        #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
        format: OutputFormat,
        /// Also print relations the article only supposes (would, could, if, will…),
        /// marked by their modality. By default only asserted and denied ones are printed
        /// (nquads always holds them, marked, as the store does).
        #[arg(long)]
        include_hypothetical: bool,
        /// Compact JSON (the default pretty-prints a single document).
        #[arg(long)]
        compact: bool,
        /// Extract on this many threads (default: every core). Output order is the input
        /// order whatever the count.
        #[arg(long, short = 'j', value_name = "N")]
        threads: Option<usize>,
        /// Skip (with a warning) any article larger than this: a file, a JSON Lines record,
        /// or standard input. Takes bytes or kB, MB, GB (decimal), e.g. 500kB or 20MB.
        #[arg(long, value_name = "SIZE", default_value = "10MB", value_parser = parse_size)]
        max_article_size: u64,
        #[command(flatten)]
        nquads: cli::nquads::NquadsArgs,
    },
    /// Extract articles into the knowledge graph: a persistent RDF store, one named graph
    /// per article, with the ontology.
    ///
    /// Articles are read as a stream (any corpus size, in bounded memory), extracted on
    /// every core and written in large atomic batches: an interrupted build never leaves
    /// half an article, and running it again adds what is missing. An unchanged article is
    /// skipped; an edited one (same source, new content) replaces its graph. Prints counts
    /// at the end and progress on stderr.
    ///
    /// Example: newskg build data/articles --store newskg.store
    Build {
        /// Articles, directories, JSON Lines files, or - for standard input.
        #[arg(value_name = "INPUT", default_value = "data/articles")]
        inputs: Vec<String>,
        /// The store folder (created if missing).
        #[arg(long, value_name = "PATH", default_value = "newskg.store")]
        store: PathBuf,
        /// Extract on this many threads (default: every core). The store is the same
        /// whatever the count.
        #[arg(long, short = 'j', value_name = "N")]
        threads: Option<usize>,
        /// Skip (with a warning) any article larger than this: a file, a JSON Lines record,
        /// or standard input. Takes bytes or kB, MB, GB (decimal), e.g. 500kB or 20MB.
        #[arg(long, value_name = "SIZE", default_value = "10MB", value_parser = parse_size)]
        max_article_size: u64,
        /// Quads per atomic bulk load. A crash or kill loses at most the batch in flight
        /// (the next build adds it); smaller batches use less memory, larger ones load
        /// faster.
        #[arg(long, value_name = "N", default_value_t = cli::corpus::DEFAULT_BATCH_QUADS)]
        batch_quads: usize,
    },
    /// Run a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE) on the store.
    ///
    /// The default graph is the union of all graphs. Prefixes nkg: (the ontology), ent:
    /// (entities), art: (articles), asr: (assertions), rdf:, rdfs:, xsd:, owl:, skos:, prov:,
    /// dcterms:, schema: and wd: are predeclared. CONSTRUCT and DESCRIBE print Turtle.
    ///
    /// Example: newskg query 'SELECT ?s ?o WHERE { ?s nkg:recognizes ?o }'
    ///
    /// Example: newskg query --file data/queries/who-recognizes-whom.rq --format csv
    Query {
        /// The query text (or use --file).
        #[arg(value_name = "QUERY", required_unless_present = "file", conflicts_with = "file")]
        query: Option<String>,
        /// Read the query from this file.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// table: aligned text with prefixed names; the others are the W3C result formats.
        #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
        format: QueryFormat,
        #[arg(long, value_name = "PATH", default_value = "newskg.store")]
        store: PathBuf,
    },
    /// Write the store, or one article's graph, in an RDF syntax.
    ///
    /// Turtle, N-Triples and RDF/XML hold one graph: pass --graph. TriG, N-Quads and
    /// JSON-LD hold the whole store.
    ///
    /// Example: newskg dump --format trig > graph.trig
    Dump {
        #[arg(long, value_enum)]
        format: DumpFormat,
        /// The IRI of one graph (an article's, or https://w3id.org/newskg/ontology).
        #[arg(long, value_name = "IRI")]
        graph: Option<String>,
        #[arg(long, value_name = "PATH", default_value = "newskg.store")]
        store: PathBuf,
    },
    /// Check the graph against the SHACL shapes and the ontology's domains and ranges.
    ///
    /// Prints every violation with its focus node and the evidence sentence; exits with
    /// status 1 when there is any. Also checks the store's internal consistency.
    ///
    /// Example: newskg validate --store newskg.store
    Validate {
        #[arg(long, value_name = "PATH", default_value = "newskg.store")]
        store: PathBuf,
        /// Validate this RDF file (.ttl, .nt, .nq, .trig, .rdf, .jsonld) instead of a store.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Use these SHACL shapes instead of the built-in ontology/shapes.ttl.
        #[arg(long, value_name = "FILE")]
        shapes: Option<PathBuf>,
    },
    /// Write the entity graph for Graphviz, Gephi, Cytoscape, yEd, Neo4j, D3 or Mermaid, or
    /// draw it as an SVG picture.
    ///
    /// Nodes are entities; an edge is a relation stated as fact, summed over every sentence
    /// that states it (how many, in how many articles, the highest confidence, first and
    /// last dates, the best evidence sentence). Supposed relations (would, could…) are never
    /// drawn; denied ones only with --include-negated. Positions come from newskg's own
    /// deterministic layout, shared by GEXF, GraphML and SVG. Writes to stdout unless -o.
    ///
    /// Example: newskg export --format svg -o graph.svg
    ///
    /// Example: newskg export --format gexf --entity russia --depth 2 -o russia.gexf
    ///
    /// Example: newskg export --format neo4j -o neo4j-import/
    ///
    /// Example: newskg export --format all -o exports/ --aggregate state
    Export {
        #[arg(long, value_parser = cli::export::format_parser())]
        format: String,
        /// The output file (a folder for neo4j and all). Default: stdout.
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
        #[arg(long, value_name = "PATH", default_value = "newskg.store")]
        store: PathBuf,
        /// Read these RDF files (.ttl, .nt, .nq, .trig, .rdf, .jsonld; a `newskg dump`, or
        /// RDF made elsewhere with the newskg vocabulary) instead of the store.
        #[arg(long, value_name = "FILE")]
        rdf: Vec<PathBuf>,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Serve the store over HTTP: a SPARQL endpoint, Graph Store reads, a JSON API and a
    /// graph explorer for the browser.
    ///
    /// /sparql is a SPARQL 1.1 Protocol endpoint (GET ?query=, POST form or
    /// application/sparql-query; results as JSON, XML, CSV or TSV, graphs as Turtle,
    /// N-Triples, JSON-LD or RDF/XML by Accept header or ?format=). /store serves graphs
    /// (?graph=IRI, ?default, or the whole dataset). /api/graph is the entity graph as
    /// Cytoscape.js JSON with the export filters as parameters (predicate, type, article,
    /// since, until, min_confidence, include_negated, entity, depth, aggregate, isolated);
    /// /api/entity/ID an entity with its evidence. / is the explorer.
    ///
    /// Read-only unless --writable with a token; SERVICE (federated queries) is always
    /// refused. Prints the URL on stdout; Ctrl-C stops it cleanly.
    ///
    /// Example: newskg serve --store newskg.store --port 7878
    Serve {
        #[arg(long, value_name = "PATH", default_value = "newskg.store")]
        store: PathBuf,
        /// The address to listen on. Keep 127.0.0.1 unless others must reach the server.
        #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// The port (0 picks a free one; the URL printed says which).
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// Stop a query after this many seconds (answered with 503).
        #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
        timeout: f64,
        /// Refuse results with more rows than this (answered with 400: add a LIMIT).
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        max_rows: usize,
        /// Largest request body accepted, in bytes (larger ones are answered with 413).
        #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
        max_body: usize,
        /// Close a connection whose client takes longer than this to send a request's head
        /// or body (408), to send its next request, or to read the answer.
        #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
        client_timeout: f64,
        /// Connections served at once; more wait until one closes.
        #[arg(long, value_name = "N", default_value_t = 256)]
        max_connections: usize,
        /// Allow SPARQL Update and Graph Store writes (PUT, POST, DELETE /store) from
        /// clients that send Authorization: Bearer TOKEN. Takes the store's write lock.
        #[arg(long, requires = "token")]
        writable: bool,
        /// The bearer token writes must carry.
        #[arg(long, env = "NEWSKG_TOKEN", value_name = "TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Stop by itself after this many seconds (for scripts and tests).
        #[arg(long, value_name = "SECONDS", hide = true)]
        stop_after: Option<f64>,
    },
    /// Write a corpus of generated articles of the genre, for benchmarks and trials.
    ///
    /// Articles are made from the gazetteer and the lexicon (actors, officials, capitals,
    /// trigger verbs and nouns) in the sample's layout, with varied sentence shapes:
    /// relations, denials, suppositions, quotes, figures and background. The same seed
    /// gives the same corpus on any machine, so benchmark figures can be reproduced
    /// without downloading anything. Streams: any number of articles in constant memory.
    ///
    /// Example: newskg generate --articles 10000 -o corpus.jsonl
    ///
    /// Example: newskg generate --articles 50 --format txt -o articles/
    Generate {
        /// How many articles.
        #[arg(long, short = 'n', value_name = "N", default_value_t = 1000)]
        articles: usize,
        /// The seed that names the corpus.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// jsonl: one {"id", "text"} per line (a file or stdout); txt: one file per article
        /// in the folder given by -o.
        #[arg(long, value_enum, default_value_t = GenerateFormat::Jsonl)]
        format: GenerateFormat,
        /// The output file (jsonl) or folder (txt). Default for jsonl: stdout.
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Send the store's graphs to a remote SPARQL 1.1 store (Oxigraph server, Fuseki,
    /// GraphDB, Virtuoso, Neptune…) with the Graph Store HTTP Protocol.
    ///
    /// Each named graph (the ontology's, then one per article) is sent with PUT
    /// GRAPH-STORE?graph=IRI, which replaces it on the server: pushing again never
    /// duplicates anything. Connection errors, timeouts, 408, 429 and 5xx answers are
    /// retried with exponential backoff; other 4xx answers are reported with the server's
    /// message. A journal beside the store records each graph the server acknowledged and
    /// the SHA-256 of what was sent: the next push skips what is there and unchanged, so an
    /// interrupted push resumes where it stopped. Graphs pushed earlier that the store no
    /// longer holds (an edited article's old version) are removed from the server.
    ///
    /// Progress goes to stderr on a terminal, the summary to stdout. Exit status: 0 when the
    /// server holds every graph; 1 when some failed or the push stopped (run it again to
    /// resume); 2 when it could not start.
    ///
    /// Example: newskg push --endpoint http://127.0.0.1:7878/query
    ///
    /// Example: newskg push --endpoint https://kg.example.org/sparql --graph-store https://kg.example.org/sparql-graph-crud-auth --user dba:secret --verify
    Push(cli::push::PushArgs),
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
enum QueryFormat {
    Table,
    Csv,
    Tsv,
    Json,
    Xml,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DumpFormat {
    Turtle,
    Ntriples,
    Nquads,
    Trig,
    Rdfxml,
    Jsonld,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum GenerateFormat {
    Jsonl,
    Txt,
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

fn data_files(cli: &Cli) -> Result<DataFiles> {
    Ok(match &cli.data {
        Some(dir) => {
            DataFiles::from_dir(dir).with_context(|| format!("cannot read the data folder {}", dir.display()))?
        }
        None => DataFiles::embedded(),
    })
}

/// The gazetteer alone: what folding actors into states needs (no lexicon, no matcher use).
fn load_gazetteer(cli: &Cli) -> Result<newskg::gazetteer::Gazetteer> {
    newskg::gazetteer::Gazetteer::load(&data_files(cli)?)
        .map_err(|e| anyhow::anyhow!("{e}\n(fix the data file, or run without --data to use the built-in data)"))
}

fn load_extractor(cli: &Cli) -> Result<Extractor> {
    let files = data_files(cli)?;
    let ex = Extractor::new(&files)
        .map_err(|e| anyhow::anyhow!("{e}\n(fix the data file, or run without --data to use the built-in data)"))?;
    // The ontology is the authority on predicates and types.
    let vocab = load_vocabulary(cli)?;
    vocab.check(ex.lexicon(), ex.gazetteer()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(ex)
}

/// A size in bytes, with an optional decimal unit: `10MB`, `500kB`, `2 GB`, `4096`.
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let not_a_size = || format!("{s:?} is not a size: write e.g. 10MB, 500kB or 4096");
    if number.is_empty() {
        return Err(not_a_size());
    }
    let scale: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        _ => return Err(format!("unknown unit {unit:?}: write bytes, or a number with kB, MB or GB (e.g. 10MB)")),
    };
    let n: f64 = number.parse().map_err(|_| not_a_size())?;
    Ok((n * scale).round() as u64)
}

fn ontology_text(cli: &Cli) -> Result<String> {
    match &cli.ontology {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("cannot read the ontology {}", p.display())),
        None => Ok(rdf::ONTOLOGY_TTL.to_string()),
    }
}

fn load_vocabulary(cli: &Cli) -> Result<Vocabulary> {
    Vocabulary::from_ontology(&ontology_text(cli)?).map_err(|e| anyhow::anyhow!("{e}"))
}

fn namespace(cli: &Cli) -> Result<Namespace> {
    Namespace::new(&cli.base).map_err(|e| anyhow::anyhow!("--base: {e}"))
}

fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Extract { inputs, format: OutputFormat::Nquads, nquads, max_article_size, .. } => {
            let ex = load_extractor(&cli)?;
            let limits = Limits { max_article_bytes: *max_article_size };
            cli::nquads::run(&ex, namespace(&cli)?, &ontology_text(&cli)?, inputs, limits, nquads)
        }
        Command::Extract { nquads, .. } if nquads.given().is_some() => {
            bail!("{} goes with --format nquads", nquads.given().unwrap_or_default())
        }
        Command::Extract { inputs, format, include_hypothetical, compact, threads, max_article_size, .. } => {
            let ex = load_extractor(&cli)?;
            let threads = cli::corpus::thread_count(*threads);
            let limits = Limits { max_article_bytes: *max_article_size };
            cli::corpus::extract(&ex, inputs, limits, *format, *include_hypothetical, *compact, threads)
        }
        Command::Generate { articles, seed, format, output } => {
            let ex = load_extractor(&cli)?;
            generate(&ex, *articles, *seed, *format, output.as_deref())
        }
        Command::Eval { gold, articles, verbose, min_entity_f1, min_relation_f1 } => {
            let ex = load_extractor(&cli)?;
            evaluate(&ex, gold, articles.as_deref(), *verbose, *min_entity_f1, *min_relation_f1)
        }
        Command::Build { inputs, store, threads, max_article_size, batch_quads } => {
            let ex = load_extractor(&cli)?;
            let options = cli::corpus::BuildOptions {
                threads: cli::corpus::thread_count(*threads),
                limits: Limits { max_article_bytes: *max_article_size },
                batch_quads: *batch_quads,
            };
            cli::corpus::build(&ex, &ontology_text(&cli)?, namespace(&cli)?, inputs, store, options)
        }
        Command::Query { query, file, format, store } => {
            let text = match (query, file) {
                (Some(q), _) => q.clone(),
                (None, Some(f)) => {
                    std::fs::read_to_string(f).with_context(|| format!("cannot read the query file {}", f.display()))?
                }
                (None, None) => bail!("give a query, or --file FILE"),
            };
            let st = KgStore::open_read_only(store, namespace(&cli)?)?;
            let fmt = match format {
                QueryFormat::Table => ResultFormat::Table,
                QueryFormat::Csv => ResultFormat::Csv,
                QueryFormat::Tsv => ResultFormat::Tsv,
                QueryFormat::Json => ResultFormat::Json,
                QueryFormat::Xml => ResultFormat::Xml,
            };
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            match query::run(&st, &text, fmt, &mut out) {
                Ok(()) => {
                    out.flush()?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(
                    e @ (QueryError::Syntax(_)
                    | QueryError::Evaluation(_)
                    | QueryError::Service(_)
                    | QueryError::Unsupported(_)),
                ) => {
                    let origin = file.as_ref().map_or(String::new(), |f| format!("{}: ", f.display()));
                    eprintln!("newskg: error: {origin}{e}");
                    Ok(ExitCode::from(1))
                }
                Err(QueryError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e.into()),
            }
        }
        Command::Dump { format, graph, store } => {
            let st = KgStore::open_read_only(store, namespace(&cli)?)?;
            let syntax = match format {
                DumpFormat::Turtle => Syntax::Turtle,
                DumpFormat::Ntriples => Syntax::NTriples,
                DumpFormat::Nquads => Syntax::NQuads,
                DumpFormat::Trig => Syntax::TriG,
                DumpFormat::Rdfxml => Syntax::RdfXml,
                DumpFormat::Jsonld => Syntax::JsonLd,
            };
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            st.dump(syntax, graph.as_deref(), &mut out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Push(args) => cli::push::run(args, namespace(&cli)?),
        Command::Validate { store, file, shapes } => validate(&cli, store, file.as_deref(), shapes.as_deref()),
        Command::Serve {
            store,
            host,
            port,
            timeout,
            max_rows,
            max_body,
            client_timeout,
            max_connections,
            writable,
            token,
            stop_after,
        } => {
            let st = if *writable {
                KgStore::open(store, namespace(&cli)?)?
            } else {
                KgStore::open_read_only(store, namespace(&cli)?)?
            };
            let gazetteer = load_gazetteer(&cli)?;
            let config = newskg::server::Config {
                timeout: seconds("--timeout", *timeout)?,
                max_rows: *max_rows,
                max_body: *max_body,
                client_timeout: seconds("--client-timeout", *client_timeout)?,
                max_connections: (*max_connections).max(1),
                release_memory: Some(release_memory),
                token: if *writable { token.clone() } else { None },
                ..newskg::server::Config::default()
            };
            let affiliations = newskg::graph::Affiliations::from_gazetteer(&gazetteer);
            serve(st, store, std::net::SocketAddr::new(*host, *port), config, affiliations, *stop_after)
        }
        Command::Export { format, output, store, rdf: files, filter } => {
            let st = open_graph(&cli, store, files)?;
            let gazetteer = if filter.aggregate.is_some() { Some(load_gazetteer(&cli)?) } else { None };
            let g = cli::export::entity_graph(&st, &filter.to_filter(), gazetteer.as_ref())?;
            cli::export::run(&g, format, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Gives the memory this thread freed back to the system. mimalloc keeps a thread's freed
/// pages (for the thread's next allocations) until it allocates again or exits; the server
/// calls this after each query, so an idle server does not keep the peak of the large
/// queries it answered (measured: 600 MB after twenty cross products, 50-180 MB with it;
/// no cost measurable on small queries).
fn release_memory() {
    // SAFETY: mi_collect has no preconditions; it only frees what is already free.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// A time limit given in seconds (at least a millisecond).
fn seconds(flag: &str, s: f64) -> Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(s.max(0.001))
        .with_context(|| format!("{flag} {s}: give a number of seconds"))
}

fn serve(
    store: KgStore,
    path: &Path,
    addr: std::net::SocketAddr,
    config: newskg::server::Config,
    affiliations: newskg::graph::Affiliations,
    stop_after: Option<f64>,
) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    let served = runtime.block_on(async move {
        let writable = config.token.is_some();
        let server = newskg::server::bind(addr, store, config, affiliations)
            .await
            .with_context(|| format!("cannot listen on {addr} (is another server using the port? try --port 0)"))?;
        let bound = server.local_addr()?;
        println!("http://{bound}/");
        io::stdout().flush()?;
        eprintln!(
            "newskg: serving {} at http://{bound}/ (SPARQL endpoint http://{bound}/sparql), {}; Ctrl-C stops",
            path.display(),
            if writable { "writable with the bearer token" } else { "read-only" }
        );
        let shutdown = async move {
            let stop = async {
                match stop_after {
                    Some(s) => tokio::time::sleep(std::time::Duration::from_secs_f64(s)).await,
                    None => std::future::pending().await,
                }
            };
            #[cfg(unix)]
            let term = async {
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let term = std::future::pending::<()>();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term => {}
                _ = stop => {}
            }
            eprintln!("newskg: stopping the server");
        };
        server.run(shutdown).await.context("the server failed")?;
        Ok(ExitCode::SUCCESS)
    });
    // Every request has been answered by now. What may still run is an evaluation that
    // timed out and that oxigraph stops only late (a cross product of three patterns can
    // take minutes to notice): it must not keep the process from exiting.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    served
}

/// The store at `store_path`, or, when RDF files are given, an in-memory store holding
/// them and the ontology.
fn open_graph(cli: &Cli, store_path: &Path, files: &[PathBuf]) -> Result<KgStore> {
    let ns = namespace(cli)?;
    if files.is_empty() {
        return Ok(KgStore::open_read_only(store_path, ns)?);
    }
    let st = KgStore::in_memory(ns)?;
    st.load_ontology(&ontology_text(cli)?)?;
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        st.load_file(&bytes, &f.display().to_string())?;
    }
    Ok(st)
}

fn validate(cli: &Cli, store_path: &Path, file: Option<&Path>, shapes: Option<&Path>) -> Result<ExitCode> {
    let ns = namespace(cli)?;
    let vocab = load_vocabulary(cli)?;
    let shapes_text = match shapes {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("cannot read the shapes {}", p.display()))?,
        None => rdf::SHAPES_TTL.to_string(),
    };
    let shapes = Shapes::parse(&shapes_text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = match file {
        Some(f) => {
            let st = KgStore::in_memory(ns)?;
            // The ontology travels with a store; a file is checked against it too.
            st.load_ontology(&ontology_text(cli)?)?;
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
            st.load_file(&bytes, &f.display().to_string())?;
            st
        }
        None => {
            let st = KgStore::open_read_only(store_path, ns)?;
            st.check_integrity()?;
            st
        }
    };
    let violations = shacl::validate(&store, &shapes, &vocab)?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if file.is_none() {
        writeln!(out, "integrity: the store opens and its indexes agree")?;
    }
    for v in &violations {
        let path = if v.path.is_empty() { String::new() } else { format!(" <{}>", v.path) };
        writeln!(out, "violation: {}{path}: {}", v.focus, v.message)?;
        if let Some(val) = &v.value {
            writeln!(out, "    value: {val}")?;
        }
        if let Some(e) = &v.evidence {
            writeln!(out, "    evidence: {e:?}")?;
        }
    }
    let c = store.counts()?;
    if violations.is_empty() {
        writeln!(
            out,
            "conforms: {} articles, {} entities, {} assertions, {} triples checked",
            c.articles, c.entities, c.assertions, c.triples
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(out, "{} violation{} found", violations.len(), if violations.len() == 1 { "" } else { "s" })?;
        Ok(ExitCode::from(1))
    }
}

fn generate(ex: &Extractor, n: usize, seed: u64, format: GenerateFormat, output: Option<&Path>) -> Result<ExitCode> {
    let articles = newskg::generate::Generator::new(ex.gazetteer(), ex.lexicon(), seed).take(n);
    match format {
        GenerateFormat::Jsonl => {
            let mut out: Box<dyn Write> = match output {
                Some(p) => Box::new(io::BufWriter::new(
                    std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
                )),
                None => Box::new(io::BufWriter::new(io::stdout().lock())),
            };
            for a in articles {
                let line = serde_json::json!({ "id": a.id, "text": a.text });
                let r =
                    serde_json::to_writer(&mut out, &line).map_err(io::Error::from).and_then(|_| out.write_all(b"\n"));
                match r {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                    r => r.context("cannot write the corpus")?,
                }
            }
            match out.flush() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("cannot write the corpus")?,
                _ => {}
            }
        }
        GenerateFormat::Txt => {
            let dir = output.context("--format txt writes one file per article: give the folder with -o DIR")?;
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
            for a in articles {
                let path = dir.join(format!("{}.txt", a.id));
                std::fs::write(&path, &a.text).with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn keep_asserted(x: &mut Extraction) {
    x.relations.retain(|r| r.modality == Modality::Asserted);
}

fn fmt_key(k: &eval::Key) -> String {
    format!("{} {} {}{}", k.0, k.1, k.2, if k.3 { " (negated)" } else { "" })
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
    let symmetric: HashSet<String> =
        ex.lexicon().predicates.iter().filter(|p| p.symmetric).map(|p| p.name.clone()).collect();
    let (mut ents, mut rels) = (Counts::default(), Counts::default());
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for g in golds {
        let text = std::fs::read_to_string(&g).with_context(|| format!("cannot read {}", g.display()))?;
        let gold: Gold = serde_json::from_str(&text).with_context(|| format!("{}: not a gold file", g.display()))?;
        let path = art_dir.join(&gold.article);
        let body = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the article {} named by {}", path.display(), g.display()))?;
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
    writeln!(out, "entities P={ep:.3} R={er:.3} F1={ef:.3} | relations P={rp:.3} R={rr:.3} F1={rf:.3}")?;
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
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
