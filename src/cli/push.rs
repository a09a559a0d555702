//! `newskg push`: flags, progress, summary and exit status around [`newskg::push`].

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};

use newskg::push::{self, Auth, Client, Event, Journal, Options, Remote, Summary};
use newskg::rdf::Namespace;
use newskg::store::{KgStore, Syntax};

/// Where to push, how, and what to remember.
#[derive(Args, Clone, Debug)]
pub struct PushArgs {
    /// The remote store's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query for
    /// Oxigraph server. Used to derive --graph-store and for --verify.
    #[arg(long, value_name = "URL", required_unless_present = "graph_store")]
    pub endpoint: Option<String>,
    /// The remote store's Graph Store HTTP Protocol URL; graphs go to URL?graph=IRI.
    /// Default: from --endpoint, whose last segment query, sparql or update becomes store
    /// (Oxigraph server and newskg serve: http://HOST:PORT/store); a bare server root gets
    /// /store. Other stores: Fuseki http://HOST:3030/DATASET/data, GraphDB
    /// http://HOST:7200/repositories/REPO/rdf-graphs/service, Virtuoso
    /// http://HOST:8890/sparql-graph-crud-auth.
    #[arg(long, value_name = "URL")]
    pub graph_store: Option<String>,
    /// Send Authorization: Bearer TOKEN with every request (or set NEWSKG_PUSH_TOKEN, which
    /// keeps the token out of the process list).
    #[arg(long, env = "NEWSKG_PUSH_TOKEN", value_name = "TOKEN", hide_env_values = true, conflicts_with = "user")]
    pub token: Option<String>,
    /// HTTP Basic credentials (or set NEWSKG_PUSH_USER).
    #[arg(long, env = "NEWSKG_PUSH_USER", value_name = "USER:PASSWORD", hide_env_values = true)]
    pub user: Option<String>,
    /// The local store to push.
    #[arg(long, value_name = "PATH", default_value = "newskg.store")]
    pub store: PathBuf,
    /// The journal of graphs the server acknowledged. Default: beside the store,
    /// STORE.push-journal. Delete it to send every graph again.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Give up on one request after this many seconds (it is then retried).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub timeout: f64,
    /// Retries of a request after a connection error, a timeout, 408, 429 or 5xx.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// Wait before the first retry; each next wait doubles (at most 60 s; a server's
    /// Retry-After wins when longer).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    pub retry_delay: f64,
    /// Requests in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub jobs: usize,
    /// The syntax graphs are sent in: ntriples (application/n-triples) or turtle
    /// (text/turtle, smaller, for servers that read only Turtle).
    #[arg(long, value_enum, default_value_t = PushSyntax::Ntriples)]
    pub syntax: PushSyntax,
    /// Ask the server (through --endpoint) how many triples each graph holds, and send again
    /// every graph it lacks or holds differently, whatever the journal says. For a server
    /// that was restored from a backup or may have lost data.
    #[arg(long, requires = "endpoint")]
    pub verify: bool,
    /// Leave on the server the graphs pushed earlier that the store no longer holds (by
    /// default they are removed: an edited article replaces its old graph).
    #[arg(long)]
    pub keep_removed: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PushSyntax {
    Ntriples,
    Turtle,
}

fn seconds(v: f64, flag: &str) -> Result<Duration> {
    if !v.is_finite() || v < 0.0 {
        bail!("{flag} takes a number of seconds, 0 or more");
    }
    Ok(Duration::from_secs_f64(v))
}

/// Runs `push`; exit status 0 when the server holds every graph, 1 when some failed or
/// the push stopped early.
pub fn run(args: &PushArgs, ns: Namespace) -> Result<ExitCode> {
    let graph_store = match (&args.graph_store, &args.endpoint) {
        (Some(g), _) => g.clone(),
        (None, Some(e)) => push::graph_store_for(e)?,
        (None, None) => bail!("give --endpoint URL (or --graph-store URL)"),
    };
    let auth = match (&args.token, &args.user) {
        (Some(t), _) => Some(Auth::Bearer(t.clone())),
        (None, Some(u)) => Some(Auth::basic(u)?),
        (None, None) => None,
    };
    if args.timeout <= 0.0 {
        bail!("--timeout must be more than 0 seconds");
    }
    let remote = Remote {
        graph_store: graph_store.clone(),
        endpoint: args.endpoint.clone(),
        auth,
        timeout: seconds(args.timeout, "--timeout")?,
        retries: args.retries,
        retry_delay: seconds(args.retry_delay, "--retry-delay")?,
    };
    let client = Client::new(remote)?;
    let store = KgStore::open_read_only(&args.store, ns)?;
    let journal_path = args.journal.clone().unwrap_or_else(|| push::default_journal(&args.store));
    // The journal tells local stores apart by their absolute path.
    let store_id = std::fs::canonicalize(&args.store).unwrap_or_else(|_| args.store.clone());
    let mut journal = Journal::open(&journal_path, &store_id.display().to_string(), &graph_store)?;
    let options = Options {
        syntax: match args.syntax {
            PushSyntax::Ntriples => Syntax::NTriples,
            PushSyntax::Turtle => Syntax::Turtle,
        },
        jobs: args.jobs.max(1),
        verify: args.verify,
        remove_withdrawn: !args.keep_removed,
    };

    let started = Instant::now();
    let mut progress = Progress::new(io::stderr().is_terminal());
    let summary = push::push(&store, &client, &mut journal, &options, &mut |e| progress.event(e))?;
    progress.clear();
    report(&summary, &graph_store, &journal_path, started.elapsed());
    Ok(if summary.complete() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Graphs named one by one when they differ on the server; the rest are counted.
const SHOWN: usize = 10;

/// The progress line (on a terminal) and the messages that must be seen anyway.
struct Progress {
    terminal: bool,
    total: usize,
    done: usize,
    sent: usize,
    failed: usize,
    differs: usize,
    started: Instant,
    drawn: Option<Instant>,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        Progress { terminal, total: 0, done: 0, sent: 0, failed: 0, differs: 0, started: Instant::now(), drawn: None }
    }

    fn say(&mut self, line: String) {
        self.clear();
        eprintln!("{line}");
    }

    fn event(&mut self, e: &Event) {
        match e {
            Event::Started { graphs, acknowledged } => {
                self.total = *graphs;
                if *acknowledged > 0 {
                    eprintln!("newskg: {graphs} graphs in the store; the journal lists {acknowledged} as acknowledged");
                }
            }
            Event::Sent { .. } => {
                self.done += 1;
                self.sent += 1;
            }
            Event::Skipped { .. } => self.done += 1,
            Event::Differs { graph, local, remote } => {
                // A server that lost everything would otherwise print one line per graph.
                self.differs += 1;
                if self.differs <= SHOWN {
                    self.say(format!(
                        "newskg: <{graph}>: the server holds {} triples, the store {local}: sending it again",
                        remote.map_or("no".to_string(), |n| n.to_string())
                    ));
                } else if self.differs == SHOWN + 1 {
                    self.say("newskg: more graphs differ on the server; the summary counts them".to_string());
                }
            }
            Event::Retrying { graph, retry } => self.say(format!(
                "newskg: warning: {}: {}; retry {} of {} in {:.1} s",
                graph.as_ref().map_or("asking the server for its graph sizes".to_string(), |g| format!("<{g}>")),
                retry.reason,
                retry.attempt,
                retry.of - 1,
                retry.delay.as_secs_f64()
            )),
            Event::Failed { graph, failure } => {
                self.done += 1;
                self.failed += 1;
                // A failure that stops the push is told once, in the summary.
                if !failure.stops_push() {
                    self.say(format!("newskg: error: <{graph}>: {failure}"));
                }
            }
            Event::Removed { graph } => {
                self.say(format!("newskg: removed <{graph}> from the server: the store no longer holds it"))
            }
        }
        self.draw();
    }

    /// Redraws the line at most ten times a second.
    fn draw(&mut self) {
        if !self.terminal || self.drawn.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.drawn = Some(Instant::now());
        let rate = self.sent as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        eprint!(
            "\r\x1b[Knewskg: {}/{} graphs ({} sent, {} skipped, {} failed) {rate:.0}/s",
            self.done,
            self.total,
            self.sent,
            self.done - self.sent - self.failed,
            self.failed
        );
    }

    fn clear(&mut self) {
        if self.terminal && self.drawn.take().is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

fn report(s: &Summary, graph_store: &str, journal: &std::path::Path, took: Duration) {
    println!("pushed to {graph_store}");
    println!(
        "graphs: {} in the store, {} sent, {} skipped (acknowledged before, unchanged), {} failed, {} not sent",
        s.graphs, s.sent, s.skipped, s.failed, s.not_sent
    );
    println!(
        "sent: {} triples, {:.1} MB in {:.2} s; {} retr{}",
        s.triples,
        s.bytes as f64 / 1e6,
        took.as_secs_f64(),
        s.retries,
        if s.retries == 1 { "y" } else { "ies" }
    );
    if s.differed > 0 {
        println!("verified: {} graphs the journal listed were missing or different on the server", s.differed);
    }
    if s.removed > 0 {
        println!("removed: {} graphs the store no longer holds", s.removed);
    }
    println!("journal: {}", journal.display());
    if let Some(why) = &s.stopped {
        match &s.stopped_at {
            Some(graph) => eprintln!("newskg: error: the push stopped at <{graph}>: {why}"),
            None => eprintln!("newskg: error: the push stopped: {why}"),
        }
    }
    if !s.complete() {
        eprintln!(
            "newskg: error: {} graphs are not on the server; run the same command again to send them (acknowledged graphs are skipped)",
            s.failed + s.not_sent
        );
    }
}
