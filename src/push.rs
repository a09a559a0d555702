//! `newskg push`: copies the store's named graphs to a remote SPARQL 1.1 store with the
//! Graph Store HTTP Protocol, so a corpus too large for one machine can live in a store
//! built for that (Oxigraph server, Fuseki, GraphDB, Virtuoso, Neptune…).
//!
//! Each graph is sent with one `PUT ?graph=IRI`, which replaces the remote graph: sending
//! a graph twice leaves the server as sending it once, so a push can always be rerun.
//! Connection errors, timeouts, 408, 429 and 5xx answers are retried with exponential
//! backoff; other 4xx answers are the server's judgement and are reported with its
//! message. A journal beside the store records every graph the server acknowledged, with
//! the SHA-256 of the body sent, so the next push skips what is there and unchanged and an
//! interrupted push resumes where it stopped. The journal only ever saves work: it is
//! written after the server's answer, so losing it means sending again, never losing data.
//!
//! This module knows HTTP and the journal; printing and exit codes are the CLI's.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::hash::BuildHasher;
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use crate::store::{KgStore, StoreError, Syntax};

message_error!(
    /// A push that cannot start or cannot go on (bad URL, unreadable store or journal).
    PushError
);

impl From<StoreError> for PushError {
    fn from(e: StoreError) -> PushError {
        PushError(e.0)
    }
}

/// How the client proves who it is.
#[derive(Clone)]
pub enum Auth {
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// HTTP Basic (`Authorization: Basic base64(USER:PASSWORD)`).
    Basic { user: String, password: String },
}

impl Auth {
    /// Reads `USER:PASSWORD` (the password may contain colons; the user may not).
    pub fn basic(user_password: &str) -> Result<Auth, PushError> {
        match user_password.split_once(':') {
            Some((user, password)) if !user.is_empty() => {
                Ok(Auth::Basic { user: user.to_string(), password: password.to_string() })
            }
            _ => Err(PushError("--user takes USER:PASSWORD (a user name, a colon, the password)".into())),
        }
    }

    fn header(&self) -> String {
        match self {
            Auth::Bearer(t) => format!("Bearer {t}"),
            Auth::Basic { user, password } => {
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
            }
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(…)"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}:…)"),
        }
    }
}

/// Where and how to send.
#[derive(Clone, Debug)]
pub struct Remote {
    /// The Graph Store Protocol URL (`…/store` on Oxigraph server and `newskg serve`).
    pub graph_store: String,
    /// The SPARQL query endpoint, used to check what the server holds (`verify`).
    pub endpoint: Option<String>,
    pub auth: Option<Auth>,
    /// Longest wait for one request, connection to last byte.
    pub timeout: Duration,
    /// Further attempts after a transient failure (0: try once).
    pub retries: u32,
    /// Wait before the first retry; it doubles for each next one (at most 60 s).
    pub retry_delay: Duration,
}

/// Checks that `url` is an absolute HTTP(S) URL a request line can carry.
pub fn check_url(url: &str, flag: &str) -> Result<(), PushError> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(r)
            if !r.is_empty() && !r.starts_with('/') && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(())
        }
        _ => Err(PushError(format!(
            "{flag} {url:?} is not an http:// or https:// URL (example: http://127.0.0.1:7878/query)"
        ))),
    }
}

/// The Graph Store Protocol URL that goes with a SPARQL endpoint: a last path segment
/// `query`, `sparql` or `update` becomes `store` (Oxigraph server serves `/query`,
/// `/update` and `/store`; `newskg serve` serves `/sparql` and `/store`), an endpoint
/// already ending in `/store` is kept, and a bare server root gets `/store`. Other
/// layouts cannot be guessed and are refused with the usual URLs of other stores.
pub fn graph_store_for(endpoint: &str) -> Result<String, PushError> {
    check_url(endpoint, "--endpoint")?;
    let guess = || {
        PushError(format!(
            "cannot tell the Graph Store Protocol URL of {endpoint:?}: pass it as --graph-store URL \
             (Oxigraph server: http://HOST:7878/store; Fuseki: http://HOST:3030/DATASET/data; GraphDB: \
             http://HOST:7200/repositories/REPO/rdf-graphs/service; Virtuoso: \
             http://HOST:8890/sparql-graph-crud-auth)"
        ))
    };
    if endpoint.contains(['?', '#']) {
        return Err(guess());
    }
    let scheme_end = endpoint.find("://").map_or(0, |i| i + 3);
    let trimmed = endpoint.trim_end_matches('/');
    let Some(slash) = trimmed[scheme_end..].rfind('/').map(|i| i + scheme_end) else {
        return Ok(format!("{trimmed}/store"));
    };
    match &trimmed[slash + 1..] {
        "query" | "sparql" | "update" => Ok(format!("{}/store", &trimmed[..slash])),
        "store" => Ok(trimmed.to_string()),
        _ => Err(guess()),
    }
}

/// Characters kept as they are in a query-string value (RFC 3986 unreserved).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Why a request failed for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with an error that sending again would not change.
    Refused { status: u16, message: String },
    /// No success after every attempt: connection errors, timeouts, 408, 429, 5xx.
    Unreachable { attempts: u32, last: String },
    /// The request cannot be made as configured (TLS, redirect, malformed URL).
    Invalid(String),
    /// The push stopped (another request failed for good) before this one finished.
    Stopped,
}

impl Failure {
    /// Whether later requests would fail the same way, so the push should stop: the
    /// server is gone, the credentials or the URL are wrong, or the server cannot take
    /// the data at all. A refusal of one graph (400, 409, 413, 422…) does not stop it.
    pub fn stops_push(&self) -> bool {
        match self {
            Failure::Refused { status, .. } => matches!(status, 401 | 403 | 404 | 405 | 407 | 411 | 415 | 501 | 505),
            _ => true,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused { status, message } => {
                write!(f, "the server refused it: {status} {}", reason(*status))?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                let hint = match status {
                    401 => " (check --token or --user)",
                    403 => " (the credentials given may not write to this store)",
                    404 | 405 | 501 => {
                        " (is --graph-store the store's Graph Store Protocol URL? Oxigraph server: http://HOST:PORT/store)"
                    }
                    413 => " (the graph is larger than the server accepts: raise its request size limit)",
                    415 => " (the server does not read this syntax: try --syntax turtle or --syntax ntriples)",
                    _ => "",
                };
                f.write_str(hint)
            }
            Failure::Unreachable { attempts, last } => write!(
                f,
                "no success after {attempts} attempt{}: {last} (is the server running and reachable? run the same push again to resume)",
                if *attempts == 1 { "" } else { "s" }
            ),
            Failure::Invalid(m) => f.write_str(m),
            Failure::Stopped => f.write_str("not sent: the push stopped"),
        }
    }
}

/// The reason phrase of a status code.
fn reason(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

/// A retry about to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// The attempt that failed (1 for the first).
    pub attempt: u32,
    /// Attempts allowed in all.
    pub of: u32,
    pub delay: Duration,
    pub reason: String,
}

/// What a transient failure leaves for the retry loop: its description and the wait the
/// server asked for (Retry-After), if any.
type Transient = (String, Option<Duration>);

/// An HTTP client for one remote store, with the retry policy.
pub struct Client {
    agent: ureq::Agent,
    remote: Remote,
    jitter: RandomState,
}

impl Client {
    /// A client for `remote` (URLs as checked by [`check_url`]).
    pub fn new(remote: Remote) -> Result<Client, PushError> {
        check_url(&remote.graph_store, "--graph-store")?;
        if let Some(e) = &remote.endpoint {
            check_url(e, "--endpoint")?;
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(remote.timeout))
            .user_agent(format!("newskg/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client { agent: config.into(), remote, jitter: RandomState::new() })
    }

    /// The remote's settings.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    fn graph_url(&self, graph: &str) -> String {
        let sep = if self.remote.graph_store.contains('?') { '&' } else { '?' };
        format!("{}{sep}graph={}", self.remote.graph_store, utf8_percent_encode(graph, QUERY_VALUE))
    }

    fn authorize<B>(&self, rb: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.remote.auth {
            Some(a) => rb.header("Authorization", a.header()),
            None => rb,
        }
    }

    /// Replaces the remote graph `graph` with `body` (RDF in `media_type`).
    pub fn put_graph(
        &self,
        graph: &str,
        media_type: &str,
        body: &[u8],
        stop: &AtomicBool,
        on_retry: &mut dyn FnMut(Retry),
    ) -> Result<(), Failure> {
        let url = self.graph_url(graph);
        let send = || self.authorize(self.agent.put(&url)).header("Content-Type", media_type).send(body);
        self.exchange(&send, stop, on_retry).map(|_| ())
    }

    /// Removes the remote graph `graph`; a graph already gone counts as removed.
    pub fn delete_graph(&self, graph: &str, stop: &AtomicBool, on_retry: &mut dyn FnMut(Retry)) -> Result<(), Failure> {
        let url = self.graph_url(graph);
        let send = || self.authorize(self.agent.delete(&url)).call();
        match self.exchange(&send, stop, on_retry) {
            Ok(_) | Err(Failure::Refused { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The number of triples in each named graph of the remote store, asked through the
    /// SPARQL endpoint (SPARQL 1.1 Protocol, POST, JSON results).
    pub fn graph_sizes(
        &self,
        stop: &AtomicBool,
        on_retry: &mut dyn FnMut(Retry),
    ) -> Result<HashMap<String, usize>, Failure> {
        let Some(endpoint) = &self.remote.endpoint else {
            return Err(Failure::Invalid("checking the server needs its SPARQL endpoint: pass --endpoint URL".into()));
        };
        const QUERY: &str = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g";
        let send = || {
            self.authorize(self.agent.post(endpoint))
                .header("Content-Type", "application/sparql-query")
                .header("Accept", "application/sparql-results+json")
                .send(QUERY)
        };
        let body = self.exchange(&send, stop, on_retry)?;
        let invalid = |why: &str| {
            Failure::Invalid(format!(
                "the endpoint {endpoint} answered {why}, not SPARQL JSON results: is it a SPARQL query endpoint?"
            ))
        };
        let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| invalid(&e.to_string()))?;
        let rows = json["results"]["bindings"].as_array().ok_or_else(|| invalid("without results.bindings"))?;
        let mut sizes = HashMap::with_capacity(rows.len());
        for row in rows {
            let (Some(g), Some(n)) = (row["g"]["value"].as_str(), row["n"]["value"].as_str()) else { continue };
            sizes.insert(g.to_string(), n.parse().map_err(|_| invalid(&format!("a count {n:?}")))?);
        }
        Ok(sizes)
    }

    /// Sends a request until it succeeds, fails for good, or runs out of attempts;
    /// returns the body of the successful answer.
    fn exchange(
        &self,
        send: &dyn Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        stop: &AtomicBool,
        on_retry: &mut dyn FnMut(Retry),
    ) -> Result<Vec<u8>, Failure> {
        let of = self.remote.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (reason, asked) = match send() {
                Ok(response) => match answer(response) {
                    Ok(body) => return Ok(body),
                    Err(Ok(transient)) => transient,
                    Err(Err(failure)) => return Err(failure),
                },
                Err(e) => match transient_error(&e) {
                    Some(reason) => (reason, None),
                    None => return Err(Failure::Invalid(format!("the request cannot be made: {e}"))),
                },
            };
            if attempt >= of {
                return Err(Failure::Unreachable { attempts: attempt, last: reason });
            }
            if stop.load(Ordering::Relaxed) {
                return Err(Failure::Stopped);
            }
            let delay = self.delay(attempt, asked);
            on_retry(Retry { attempt, of, delay, reason });
            if !sleep_unless(delay, stop) {
                return Err(Failure::Stopped);
            }
        }
    }

    /// Exponential backoff from `retry_delay`, at most 60 s, with up to a quarter more at
    /// random so parallel clients do not retry in step; a longer Retry-After wins.
    fn delay(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        let base = self.remote.retry_delay.saturating_mul(1 << (attempt - 1).min(16)).min(Duration::from_secs(60));
        let spread = (self.jitter.hash_one((attempt, Instant::now())) % 1000) as f64 / 4000.0;
        let d = base.mul_f64(1.0 + spread);
        asked.map_or(d, |a| a.min(Duration::from_secs(300)).max(d))
    }
}

/// Reads a response: the body on 2xx; else a transient failure to retry (`Ok`) or a
/// failure for good (`Err`).
fn answer(mut response: ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, Result<Transient, Failure>> {
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
    let location = header("location");
    let success = (200..300).contains(&status);
    // Error pages are read only so far: their first lines say what went wrong.
    let limit = if success { u64::MAX } else { 64 * 1024 };
    let mut body = Vec::new();
    let read = response.body_mut().with_config().limit(limit).reader().read_to_end(&mut body);
    if success {
        return match read {
            Ok(_) => Ok(body),
            Err(e) => Err(Ok((format!("the answer broke off: {e}"), None))),
        };
    }
    let message = server_message(&body);
    let described = if message.is_empty() {
        format!("{status} {}", reason(status))
    } else {
        format!("{status} {}: {message}", reason(status))
    };
    match status {
        300..=399 => Err(Err(Failure::Invalid(format!(
            "the server redirects ({described}) to {}: pass the URL it names instead",
            location.as_deref().unwrap_or("another URL")
        )))),
        408 | 429 => Err(Ok((described, retry_after))),
        500..=599 if status != 501 && status != 505 => Err(Ok((described, retry_after))),
        _ => Err(Err(Failure::Refused { status, message })),
    }
}

/// The start of an error page, on one line.
fn server_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 400 {
        one_line = one_line.chars().take(400).collect::<String>() + "…";
    }
    one_line
}

/// A description of a client-side error worth retrying, or `None` when retrying cannot
/// help (a malformed URL, a TLS certificate the client rejects…).
fn transient_error(e: &ureq::Error) -> Option<String> {
    match e {
        ureq::Error::Io(io) => Some(format!("{io}")),
        ureq::Error::Timeout(t) => Some(format!("no answer in time ({t})")),
        ureq::Error::ConnectionFailed => Some("the connection failed".into()),
        ureq::Error::HostNotFound => Some("the host name does not resolve".into()),
        ureq::Error::Protocol(p) => Some(format!("the answer broke off: {p}")),
        ureq::Error::BodyStalled => Some("the transfer stalled".into()),
        _ => None,
    }
}

/// Sleeps `d` unless `stop` is raised meanwhile; returns whether the whole wait passed.
fn sleep_unless(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

/// The local record of what a remote store acknowledged.
///
/// A text file, one line per acknowledged write: `put TAB local store TAB graph-store URL
/// TAB graph IRI TAB SHA-256 of the body` or `delete TAB local store TAB graph-store URL
/// TAB graph IRI`; later lines win. One journal may serve several local stores and remote
/// stores: a push reads and removes only what the same local store sent to the same URL.
/// Lines are appended as answers arrive; a line cut short by a crash is ignored (its graph
/// is sent again). When superseded lines outnumber live ones the file is rewritten.
pub struct Journal {
    path: PathBuf,
    file: File,
    /// `local store TAB graph-store URL`.
    target: String,
    /// Every target's graphs and hashes, as the file says now.
    entries: HashMap<(String, String), String>,
    lines: usize,
}

const JOURNAL_HEADER: &str =
    "# newskg push journal: put|delete TAB local store TAB graph-store URL TAB graph IRI [TAB sha256 of the body sent]\n";

impl Journal {
    /// Opens (creating) the journal at `path` for what the local store `store` (its
    /// absolute path) sends to the remote store `graph_store`.
    pub fn open(path: &Path, store: &str, graph_store: &str) -> Result<Journal, PushError> {
        if store.contains(['\t', '\n', '\r']) {
            return Err(PushError(format!("the store's path {store:?} holds a tab or a line break: move the store")));
        }
        let fail = |e: io::Error| {
            PushError(format!(
                "cannot use the journal {}: {e} (pass --journal PATH to keep it elsewhere)",
                path.display()
            ))
        };
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(fail)?;
        let mut entries = HashMap::new();
        let mut lines = 0;
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(fail)?;
        for line in BufReader::new(&text[..]).lines() {
            let Ok(line) = line else { continue };
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                ["put", source, target, graph, sha]
                    if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    entries.insert((format!("{source}\t{target}"), graph.to_string()), sha.to_string());
                }
                ["delete", source, target, graph] => {
                    entries.remove(&(format!("{source}\t{target}"), graph.to_string()));
                }
                _ => continue,
            }
            lines += 1;
        }
        // A line cut short by a crash must not glue onto the next one written.
        if text.last().is_some_and(|b| *b != b'\n') {
            file.write_all(b"\n").map_err(fail)?;
        }
        let target = format!("{store}\t{graph_store}");
        let mut j = Journal { path: path.to_path_buf(), file, target, entries, lines };
        if text.is_empty() {
            j.file.write_all(JOURNAL_HEADER.as_bytes()).map_err(fail)?;
        } else if j.lines > 2 * j.entries.len() + 64 {
            j.compact().map_err(fail)?;
        }
        Ok(j)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hash of the body the remote store acknowledged for `graph`, if any.
    pub fn acknowledged(&self, graph: &str) -> Option<&str> {
        self.entries.get(&(self.target.clone(), graph.to_string())).map(String::as_str)
    }

    /// Graphs the remote store acknowledged, with their hashes.
    pub fn graphs(&self) -> HashMap<String, String> {
        self.entries.iter().filter(|((t, _), _)| *t == self.target).map(|((_, g), h)| (g.clone(), h.clone())).collect()
    }

    fn append(&mut self, line: String) -> io::Result<()> {
        // One write per line: an interrupted push leaves whole lines, or one cut short.
        self.file.write_all(line.as_bytes())?;
        self.lines += 1;
        Ok(())
    }

    /// Records that the remote store acknowledged `graph` with a body hashing to `sha256`.
    pub fn record_put(&mut self, graph: &str, sha256: &str) -> io::Result<()> {
        self.append(format!("put\t{}\t{graph}\t{sha256}\n", self.target))?;
        self.entries.insert((self.target.clone(), graph.to_string()), sha256.to_string());
        Ok(())
    }

    /// Records that `graph` was removed from the remote store.
    pub fn record_delete(&mut self, graph: &str) -> io::Result<()> {
        self.append(format!("delete\t{}\t{graph}\n", self.target))?;
        self.entries.remove(&(self.target.clone(), graph.to_string()));
        Ok(())
    }

    /// Rewrites the file with the live entries only.
    fn compact(&mut self) -> io::Result<()> {
        let mut live: Vec<(&(String, String), &String)> = self.entries.iter().collect();
        live.sort();
        let mut text = String::from(JOURNAL_HEADER);
        for ((target, graph), sha) in live {
            text.push_str(&format!("put\t{target}\t{graph}\t{sha}\n"));
        }
        self.file.set_len(0)?;
        self.file.seek(io::SeekFrom::Start(0))?;
        self.file.write_all(text.as_bytes())?;
        self.file.sync_all()?;
        self.lines = self.entries.len();
        Ok(())
    }
}

/// The journal's default place: beside the store, named after it
/// (`newskg.store` → `newskg.store.push-journal`).
pub fn default_journal(store: &Path) -> PathBuf {
    let name = store.file_name().map_or_else(|| "newskg.store".into(), |n| n.to_string_lossy().into_owned());
    store.with_file_name(format!("{name}.push-journal"))
}

/// How to push.
#[derive(Clone, Debug)]
pub struct Options {
    /// `Syntax::NTriples` (application/n-triples) or `Syntax::Turtle` (text/turtle).
    pub syntax: Syntax,
    /// Requests in flight at once.
    pub jobs: usize,
    /// Ask the server how many triples each graph holds, and send again every graph whose
    /// count differs from the local one, whatever the journal says.
    pub verify: bool,
    /// Remove from the server the graphs this journal says were pushed there but the
    /// store no longer holds (articles replaced by an edited version).
    pub remove_withdrawn: bool,
}

/// The media type a syntax is sent as.
pub fn media_type(syntax: Syntax) -> Result<&'static str, PushError> {
    match syntax {
        Syntax::NTriples => Ok("application/n-triples"),
        Syntax::Turtle => Ok("text/turtle"),
        _ => Err(PushError("graphs are sent as N-Triples or Turtle".into())),
    }
}

/// What happened, as it happens (for progress and logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The push begins: the store's graphs, and how many the journal lists as acknowledged.
    Started {
        graphs: usize,
        acknowledged: usize,
    },
    /// The server holds `remote` triples of a graph the journal lists, where the store
    /// holds `local` (`None`: the server lacks the graph); it is sent again.
    Differs {
        graph: String,
        local: usize,
        remote: Option<usize>,
    },
    Sent {
        graph: String,
        triples: usize,
        bytes: usize,
    },
    /// Acknowledged before with the same content.
    Skipped {
        graph: String,
    },
    /// A request is retried: a graph's, or (`None`) the question about graph sizes.
    Retrying {
        graph: Option<String>,
        retry: Retry,
    },
    Failed {
        graph: String,
        failure: Failure,
    },
    /// Removed from the server: the store no longer holds it.
    Removed {
        graph: String,
    },
}

/// The totals of a push.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Graphs in the store.
    pub graphs: usize,
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Graphs the journal listed that the server had lost or held differently.
    pub differed: usize,
    pub removed: usize,
    pub retries: usize,
    pub triples: usize,
    pub bytes: u64,
    /// Graphs not sent because the push stopped first.
    pub not_sent: usize,
    /// Why the push stopped before the end, if it did…
    pub stopped: Option<Failure>,
    /// …and at which graph (none when asking the server for its graph sizes failed).
    pub stopped_at: Option<String>,
}

impl Summary {
    /// Whether the server now holds every graph of the store, as the store holds it.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.stopped.is_none() && self.not_sent == 0
    }
}

/// A worker's report to the thread that keeps the journal.
enum Report {
    Event(Event),
    Acknowledged {
        graph: String,
        sha256: String,
        triples: usize,
        bytes: usize,
    },
    LocalError(String),
    /// A worker found no more graphs to send (or the push stopped).
    Finished,
}

/// Pushes every named graph of `store` (the ontology's first) through `client`, skipping
/// those `journal` lists with the same content, recording each acknowledgement in it.
/// Stops early when a failure would repeat for every graph (see [`Failure::stops_push`]).
pub fn push(
    store: &KgStore,
    client: &Client,
    journal: &mut Journal,
    options: &Options,
    on_event: &mut dyn FnMut(&Event),
) -> Result<Summary, PushError> {
    let media = media_type(options.syntax)?;
    let graphs = store.named_graphs()?;
    let acknowledged = journal.graphs();
    let mut summary = Summary { graphs: graphs.len(), ..Summary::default() };
    on_event(&Event::Started {
        graphs: graphs.len(),
        acknowledged: graphs.iter().filter(|g| acknowledged.contains_key(*g)).count(),
    });
    let stop = AtomicBool::new(false);
    let remote_sizes = if options.verify {
        let mut retry = |r: Retry| {
            summary.retries += 1;
            on_event(&Event::Retrying { graph: None, retry: r });
        };
        match client.graph_sizes(&stop, &mut retry) {
            Ok(s) => Some(s),
            Err(f) => {
                summary.not_sent = graphs.len();
                summary.stopped = Some(f);
                return Ok(summary);
            }
        }
    } else {
        None
    };

    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<Report>();
    let mut local_error: Option<String> = None;
    std::thread::scope(|scope| {
        let worker = |tx: mpsc::Sender<Report>| {
            let (graphs, acknowledged, remote_sizes, stop, next) =
                (&graphs, &acknowledged, &remote_sizes, &stop, &next);
            move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(graph) = graphs.get(i) else { break };
                    let report = push_one(
                        store,
                        client,
                        graph,
                        media,
                        options.syntax,
                        acknowledged,
                        remote_sizes.as_ref(),
                        stop,
                        &tx,
                    );
                    // Stop the others at once: the same failure would repeat for them.
                    if let Report::Event(Event::Failed { failure, .. }) = &report {
                        if failure.stops_push() {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                    if matches!(report, Report::LocalError(_)) {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if tx.send(report).is_err() {
                        return;
                    }
                }
                let _ = tx.send(Report::Finished);
            }
        };
        // One worker until the server has answered once: a wrong URL, wrong credentials or
        // a server that is down then give one error, not one per worker.
        scope.spawn(worker(tx.clone()));
        let mut waiting = Some(tx);
        for report in rx.iter() {
            let answered = matches!(report, Report::Acknowledged { .. } | Report::Event(Event::Failed { .. }));
            if answered || matches!(report, Report::Finished) {
                if let Some(tx) = waiting.take() {
                    if answered {
                        for _ in 1..options.jobs.max(1) {
                            scope.spawn(worker(tx.clone()));
                        }
                    }
                }
            }
            match report {
                Report::Acknowledged { graph, sha256, triples, bytes } => {
                    if let Err(e) = journal.record_put(&graph, &sha256) {
                        stop.store(true, Ordering::Relaxed);
                        local_error
                            .get_or_insert(format!("cannot write the journal {}: {e}", journal.path().display()));
                    }
                    summary.sent += 1;
                    summary.triples += triples;
                    summary.bytes += bytes as u64;
                    on_event(&Event::Sent { graph, triples, bytes });
                }
                // Stopped before its turn came: counted as not sent, not as a failure.
                Report::Event(Event::Failed { failure: Failure::Stopped, .. }) | Report::Finished => {}
                Report::Event(e) => {
                    match &e {
                        Event::Skipped { .. } => summary.skipped += 1,
                        Event::Differs { .. } => summary.differed += 1,
                        Event::Retrying { .. } => summary.retries += 1,
                        Event::Failed { graph, failure } => {
                            summary.failed += 1;
                            if failure.stops_push() && summary.stopped.is_none() {
                                stop.store(true, Ordering::Relaxed);
                                summary.stopped = Some(failure.clone());
                                summary.stopped_at = Some(graph.clone());
                            }
                        }
                        _ => {}
                    }
                    on_event(&e);
                }
                Report::LocalError(m) => {
                    stop.store(true, Ordering::Relaxed);
                    local_error.get_or_insert(m);
                }
            }
        }
    });
    if let Some(e) = local_error {
        return Err(PushError(e));
    }
    summary.not_sent = graphs.len() - summary.sent - summary.skipped - summary.failed;

    if options.remove_withdrawn && summary.stopped.is_none() {
        let here: HashSet<&String> = graphs.iter().collect();
        let mut gone: Vec<String> = acknowledged.into_keys().filter(|g| !here.contains(g)).collect();
        gone.sort();
        for graph in gone {
            let mut retry = |r: Retry| {
                summary.retries += 1;
                on_event(&Event::Retrying { graph: Some(graph.clone()), retry: r });
            };
            match client.delete_graph(&graph, &stop, &mut retry) {
                Ok(()) => {
                    journal.record_delete(&graph).map_err(|e| {
                        PushError(format!("cannot write the journal {}: {e}", journal.path().display()))
                    })?;
                    summary.removed += 1;
                    on_event(&Event::Removed { graph });
                }
                Err(failure) => {
                    summary.failed += 1;
                    let stops = failure.stops_push();
                    on_event(&Event::Failed { graph: graph.clone(), failure: failure.clone() });
                    if stops {
                        summary.stopped = Some(failure);
                        summary.stopped_at = Some(graph);
                        break;
                    }
                }
            }
        }
    }
    Ok(summary)
}

/// Reads, hashes and (unless acknowledged and unchanged) sends one graph.
#[allow(clippy::too_many_arguments)]
fn push_one(
    store: &KgStore,
    client: &Client,
    graph: &str,
    media: &str,
    syntax: Syntax,
    acknowledged: &HashMap<String, String>,
    remote_sizes: Option<&HashMap<String, usize>>,
    stop: &AtomicBool,
    tx: &mpsc::Sender<Report>,
) -> Report {
    let mut body = Vec::new();
    if let Err(e) = store.dump(syntax, Some(graph), &mut body) {
        return Report::LocalError(format!("cannot read the graph <{graph}> from the store: {e}"));
    }
    let triples = match store.graph_len(graph) {
        Ok(n) => n,
        Err(e) => return Report::LocalError(format!("cannot read the graph <{graph}> from the store: {e}")),
    };
    let sha256: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
    if acknowledged.get(graph) == Some(&sha256) {
        match remote_sizes.map(|s| s.get(graph).copied()) {
            Some(remote) if remote != Some(triples) => {
                let _ = tx.send(Report::Event(Event::Differs { graph: graph.to_string(), local: triples, remote }));
            }
            _ => return Report::Event(Event::Skipped { graph: graph.to_string() }),
        }
    }
    let mut on_retry = |retry: Retry| {
        let _ = tx.send(Report::Event(Event::Retrying { graph: Some(graph.to_string()), retry }));
    };
    match client.put_graph(graph, media, &body, stop, &mut on_retry) {
        Ok(()) => Report::Acknowledged { graph: graph.to_string(), sha256, triples, bytes: body.len() },
        Err(failure) => Report::Event(Event::Failed { graph: graph.to_string(), failure }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_store_url_follows_the_endpoint() {
        assert_eq!(graph_store_for("http://127.0.0.1:7878/query").unwrap(), "http://127.0.0.1:7878/store");
        assert_eq!(graph_store_for("http://h:7878/sparql/").unwrap(), "http://h:7878/store");
        assert_eq!(graph_store_for("https://h/kg/update").unwrap(), "https://h/kg/store");
        assert_eq!(graph_store_for("http://h:7878").unwrap(), "http://h:7878/store");
        assert_eq!(graph_store_for("http://h:7878/").unwrap(), "http://h:7878/store");
        assert_eq!(graph_store_for("http://h/store").unwrap(), "http://h/store");
        let e = graph_store_for("http://h:7200/repositories/kg").unwrap_err();
        assert!(e.0.contains("--graph-store") && e.0.contains("rdf-graphs/service"), "{e}");
        assert!(graph_store_for("http://h/query?x=1").is_err());
        assert!(graph_store_for("ftp://h/query").unwrap_err().0.contains("not an http"));
        assert!(graph_store_for("http:///query").is_err());
    }

    #[test]
    fn graph_iris_are_percent_encoded_in_the_query_string() {
        let remote = Remote {
            graph_store: "http://h/store".into(),
            endpoint: None,
            auth: None,
            timeout: Duration::from_secs(1),
            retries: 0,
            retry_delay: Duration::ZERO,
        };
        let c = Client::new(remote.clone()).unwrap();
        assert_eq!(
            c.graph_url("https://w3id.org/newskg/article/ab?x=1&y#z"),
            "http://h/store?graph=https%3A%2F%2Fw3id.org%2Fnewskg%2Farticle%2Fab%3Fx%3D1%26y%23z"
        );
        let c = Client::new(Remote { graph_store: "http://h/gsp?repo=kg".into(), ..remote }).unwrap();
        assert_eq!(c.graph_url("urn:x"), "http://h/gsp?repo=kg&graph=urn%3Ax");
    }

    #[test]
    fn basic_credentials_are_encoded_and_never_shown() {
        let a = Auth::basic("aladdin:open:sesame").unwrap();
        assert_eq!(a.header(), "Basic YWxhZGRpbjpvcGVuOnNlc2FtZQ==");
        assert_eq!(format!("{a:?}"), "Basic(aladdin:…)");
        assert_eq!(format!("{:?}", Auth::Bearer("s3cret".into())), "Bearer(…)");
        assert!(Auth::basic("no-colon").is_err());
        assert!(Auth::basic(":pw").is_err());
    }

    #[test]
    fn backoff_doubles_and_respects_retry_after() {
        let remote = Remote {
            graph_store: "http://h/store".into(),
            endpoint: None,
            auth: None,
            timeout: Duration::from_secs(1),
            retries: 5,
            retry_delay: Duration::from_millis(100),
        };
        let c = Client::new(remote).unwrap();
        for attempt in 1..=4u32 {
            let d = c.delay(attempt, None);
            let base = Duration::from_millis(100 * (1 << (attempt - 1)));
            assert!(d >= base && d <= base.mul_f64(1.25), "attempt {attempt}: {d:?}");
        }
        assert!(c.delay(30, None) <= Duration::from_secs(75));
        assert_eq!(c.delay(1, Some(Duration::from_secs(7))), Duration::from_secs(7));
    }

    #[test]
    fn failures_that_would_repeat_stop_the_push() {
        let refused = |status| Failure::Refused { status, message: String::new() };
        assert!(refused(401).stops_push() && refused(404).stops_push() && refused(415).stops_push());
        assert!(!refused(400).stops_push() && !refused(413).stops_push() && !refused(422).stops_push());
        assert!(Failure::Unreachable { attempts: 3, last: "refused".into() }.stops_push());
        assert!(refused(401).to_string().contains("--token"));
    }

    #[test]
    fn journal_keeps_the_last_word_per_target_and_survives_a_torn_line() {
        let dir = crate::scratch_dir("journal");
        let path = dir.join("kg.store.push-journal");
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        {
            let mut j = Journal::open(&path, "/kg.store", "http://one/store").unwrap();
            j.record_put("urn:g1", &a).unwrap();
            j.record_put("urn:g2", &a).unwrap();
            j.record_put("urn:g1", &b).unwrap();
            j.record_delete("urn:g2").unwrap();
            let mut other = Journal::open(&path, "/kg.store", "http://two/store").unwrap();
            assert!(other.graphs().is_empty());
            other.record_put("urn:g9", &a).unwrap();
            let elsewhere = Journal::open(&path, "/other.store", "http://one/store").unwrap();
            assert!(elsewhere.graphs().is_empty(), "another local store's pushes are not this one's");
        }
        // A crash in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"put\t/kg.store\thttp://one/store\turn:g3\tabc").unwrap();
        drop(f);
        let mut j = Journal::open(&path, "/kg.store", "http://one/store").unwrap();
        assert_eq!(j.graphs(), HashMap::from([("urn:g1".to_string(), b.clone())]));
        assert_eq!(j.acknowledged("urn:g1"), Some(b.as_str()));
        assert_eq!(j.acknowledged("urn:g3"), None);
        j.record_put("urn:g4", &a).unwrap();
        let j = Journal::open(&path, "/kg.store", "http://one/store").unwrap();
        assert_eq!(j.acknowledged("urn:g4"), Some(a.as_str()));
        assert_eq!(
            Journal::open(&path, "/kg.store", "http://two/store").unwrap().acknowledged("urn:g9"),
            Some(a.as_str())
        );
        assert!(Journal::open(&path, "/a\tb", "http://one/store").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn journal_is_compacted_when_mostly_superseded() {
        let dir = crate::scratch_dir("journal-compact");
        let path = dir.join("j");
        {
            let mut j = Journal::open(&path, "/kg.store", "http://one/store").unwrap();
            for i in 0..200 {
                j.record_put("urn:g", &format!("{:064x}", i)).unwrap();
            }
        }
        let j = Journal::open(&path, "/kg.store", "http://one/store").unwrap();
        assert_eq!(j.acknowledged("urn:g"), Some(format!("{:064x}", 199).as_str()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_default_journal_sits_beside_the_store() {
        assert_eq!(default_journal(Path::new("newskg.store")), PathBuf::from("newskg.store.push-journal"));
        assert_eq!(default_journal(Path::new("/data/kg.store/")), PathBuf::from("/data/kg.store.push-journal"));
    }
}
