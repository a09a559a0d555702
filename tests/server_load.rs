//! The server under load. `newskg serve` on loopback gets 10,000 requests from 64 client
//! threads speaking hand-written HTTP/1.1: a deterministic mix of valid SPARQL (answers
//! computed beforehand by `newskg query` on the same store and checked byte for byte),
//! malformed SPARQL, bodies over `--max-body`, queries over `--timeout`, queries whose
//! client hangs up, static files, the JSON API, path traversal attempts, SERVICE and other
//! outbound attempts against a listener the test opens, raw garbage, and clients that send
//! a request a byte at a time. Meanwhile other connections are held open idle, half-sent,
//! with a body that never arrives, or with answers nobody reads; the server must close each
//! within `--client-timeout`. Every request gets its expected answer or a clean HTTP
//! error; the server's memory stays flat, its CPU is idle once the clients stop (no
//! abandoned evaluation keeps running), its sockets are all closed, the test listener saw
//! no connection, and it still answers correctly at the end.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{ok, report, root, run, tmpdir, Server};

const CLIENTS: usize = 64;
const REQUESTS: usize = 10_000;
/// The first requests warm the server up (caches, thread pools) before memory is sampled.
const WARM_UP: usize = 1_000;
const ARTICLES: usize = 200;
/// `--timeout`, in seconds.
const TIMEOUT: f64 = 1.0;
/// `--client-timeout`, in seconds.
const CLIENT_TIMEOUT: f64 = 3.0;
const MAX_BODY: usize = 64 << 10;
const MAX_ROWS: usize = 2_000;
/// Generous bounds on top of the server's own limits: they only catch a limit that is not
/// enforced at all, never a slow machine.
const MARGIN: Duration = Duration::from_secs(10);
/// Growth of the server's resident memory allowed over the 9,000 requests after the
/// warm-up: a leak of 8 KiB a request would exceed it. (Measured growth: -4 to +30 MiB,
/// what the allocator happens to keep for its threads at the moment of the sample.)
const RSS_GROWTH_LIMIT: u64 = 64 << 20;
/// No client waits longer than this for any answer.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

const NKG: &str = "https://w3id.org/newskg/ontology#";
/// Text that appears in the files a traversal would reach, never in an answer of ours.
const FILE_MARKERS: [&str; 4] = ["root:x:0:0", "[package]", "[dependencies]", "fn main"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Valid,
    Malformed,
    TooManyRows,
    Huge,
    Slow,
    Abandoned,
    Static,
    Api,
    Traversal,
    Outbound,
    Garbage,
    SlowClient,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid SPARQL (SELECT, ASK, CONSTRUCT; GET, form, body)",
            Kind::Malformed => "malformed SPARQL and protocol misuse",
            Kind::TooManyRows => "over --max-rows",
            Kind::Huge => "huge: body over --max-body, head too large",
            Kind::Slow => "slow: over --timeout",
            Kind::Abandoned => "slow, client hangs up at once",
            Kind::Static => "static files",
            Kind::Api => "JSON API and Graph Store reads",
            Kind::Traversal => "path traversal attempts",
            Kind::Outbound => "SERVICE, FROM, LOAD to the test's listener",
            Kind::Garbage => "raw garbage and truncated HTTP",
            Kind::SlowClient => "request sent a byte at a time",
        }
    }
}

/// The kind of request number `i`: a fixed mix, spread evenly over the run.
fn kind_of(i: usize) -> Kind {
    if i % 250 == 125 {
        return Kind::Slow;
    }
    if i % 500 == 63 {
        return Kind::Abandoned;
    }
    match i % 100 {
        0..=44 => Kind::Valid,
        45..=54 => Kind::Malformed,
        55..=56 => Kind::TooManyRows,
        57..=61 => Kind::Huge,
        62..=69 => Kind::Static,
        70..=79 => Kind::Api,
        80..=87 => Kind::Traversal,
        88..=91 => Kind::Outbound,
        92..=97 => Kind::Garbage,
        _ => Kind::SlowClient,
    }
}

/// Which of `n` variants request `i` uses.
fn variant(i: usize, n: usize) -> usize {
    (i / 100 * 7 + i % 100) % n
}

// ---------------------------------------------------------------------------------------
// A small HTTP/1.1 client.

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn closes(&self) -> bool {
        self.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

enum ReadError {
    /// The server closed (or reset) the connection before any byte of an answer.
    Closed(String),
    /// The answer broke off, or is not HTTP.
    Broken(String),
    /// No answer within READ_TIMEOUT.
    TimedOut,
}

impl ReadError {
    fn describe(&self) -> String {
        match self {
            ReadError::Closed(e) => format!("closed without an answer ({e})"),
            ReadError::Broken(e) => format!("broken answer: {e}"),
            ReadError::TimedOut => format!("no answer within {READ_TIMEOUT:?}"),
        }
    }
}

fn io_error(e: io::Error, started: bool) -> ReadError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ReadError::TimedOut,
        _ if started => ReadError::Broken(e.to_string()),
        _ => ReadError::Closed(e.to_string()),
    }
}

fn read_line(r: &mut impl BufRead, started: bool) -> Result<String, ReadError> {
    let mut line = Vec::new();
    match r.read_until(b'\n', &mut line) {
        Ok(0) if !started => Err(ReadError::Closed("end of stream".into())),
        Ok(0) => Err(ReadError::Broken("end of stream in the head".into())),
        Ok(_) => Ok(String::from_utf8_lossy(&line).trim_end().to_string()),
        Err(e) => Err(io_error(e, started)),
    }
}

/// Reads one answer (skipping `100 Continue`).
fn read_response(r: &mut impl BufRead) -> Result<Response, ReadError> {
    loop {
        let status_line = read_line(r, false)?;
        let status = match status_line.split_whitespace().collect::<Vec<_>>()[..] {
            [v, code, ..] if v.starts_with("HTTP/1.") => code.parse::<u16>().ok(),
            _ => None,
        }
        .ok_or_else(|| ReadError::Broken(format!("not an HTTP status line: {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = read_line(r, true)?;
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').ok_or_else(|| ReadError::Broken(format!("bad header {line:?}")))?;
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        if status == 100 {
            continue;
        }
        let mut resp = Response { status, headers, body: Vec::new() };
        if resp.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let size = read_line(r, true)?;
                let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| ReadError::Broken(format!("bad chunk size {size:?}")))?;
                if size == 0 {
                    while !read_line(r, true)?.is_empty() {}
                    break;
                }
                let start = resp.body.len();
                resp.body.resize(start + size + 2, 0);
                r.read_exact(&mut resp.body[start..]).map_err(|e| io_error(e, true))?;
                resp.body.truncate(start + size);
            }
        } else if let Some(n) = resp.header("content-length") {
            let n: usize = n.parse().map_err(|_| ReadError::Broken(format!("bad content-length {n:?}")))?;
            resp.body.resize(n, 0);
            r.read_exact(&mut resp.body).map_err(|e| io_error(e, true))?;
        } else {
            r.read_to_end(&mut resp.body).map_err(|e| io_error(e, true))?;
        }
        return Ok(resp);
    }
}

fn connect(addr: &str) -> io::Result<TcpStream> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(READ_TIMEOUT))?;
    s.set_write_timeout(Some(READ_TIMEOUT))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// The bytes of a request (with Content-Length when there is a body or it is a POST).
fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8], close: bool) -> Vec<u8> {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if close {
        r.push_str("Connection: close\r\n");
    }
    for (k, v) in headers {
        let _ = write!(r, "{k}: {v}\r\n");
    }
    if !body.is_empty() || method == "POST" {
        let _ = write!(r, "Content-Length: {}\r\n", body.len());
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One client: its keep-alive connection (if it keeps one) and how often a reused
/// connection had been closed by the server and the request was sent again.
struct Client {
    addr: String,
    keep_alive: bool,
    conn: Option<(BufReader<TcpStream>, Instant)>,
    retries: usize,
}

impl Client {
    /// Sends a complete request and reads its answer, on the kept connection when this
    /// client keeps one. A kept connection idle for a while may have been closed by the
    /// server (its idle timeout): like any HTTP client, send once more on a new one.
    fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Response, String> {
        let bytes = request(method, target, headers, body, !self.keep_alive);
        if self.keep_alive {
            if let Some((mut conn, used)) = self.conn.take() {
                if used.elapsed() < Duration::from_secs_f64(CLIENT_TIMEOUT / 3.0) {
                    match conn
                        .get_mut()
                        .write_all(&bytes)
                        .map_err(|e| io_error(e, false))
                        .and_then(|()| read_response(&mut conn))
                    {
                        Ok(resp) => {
                            if !resp.closes() {
                                self.conn = Some((conn, Instant::now()));
                            }
                            return Ok(resp);
                        }
                        Err(ReadError::Closed(_)) => self.retries += 1,
                        Err(e) => return Err(e.describe()),
                    }
                }
            }
        }
        let stream = connect(&self.addr).map_err(|e| format!("cannot connect: {e}"))?;
        let mut conn = BufReader::new(stream);
        conn.get_mut().write_all(&bytes).map_err(|e| format!("cannot send: {e}"))?;
        let resp = read_response(&mut conn).map_err(|e| e.describe())?;
        if self.keep_alive && !resp.closes() {
            self.conn = Some((conn, Instant::now()));
        }
        Ok(resp)
    }
}

/// Sends `bytes` on a new connection (ignoring a failed write: the server may close early
/// and still answer), optionally half-closes, and reads the answer.
fn raw_exchange(addr: &str, bytes: &[u8], half_close: bool) -> Result<Response, ReadError> {
    let stream = connect(addr).map_err(|e| ReadError::Closed(format!("cannot connect: {e}")))?;
    let mut conn = BufReader::new(stream);
    let _ = conn.get_mut().write_all(bytes);
    if half_close {
        let _ = conn.get_mut().shutdown(Shutdown::Write);
    }
    read_response(&mut conn)
}

// ---------------------------------------------------------------------------------------
// What the answers must be.

struct Valid {
    query: String,
    accept: &'static str,
    expected: Vec<u8>,
    /// Compare as sets of lines (N-Triples has no order).
    unordered: bool,
}

struct Expectations {
    addr: String,
    valid: Vec<Valid>,
    statics: Vec<(&'static str, Vec<u8>)>,
    /// (target, status, body) as the quiet server answered them before the load.
    api: Vec<(String, u16, Vec<u8>)>,
    outbound: Vec<Outbound>,
}

enum Outbound {
    /// A query that calls SERVICE: 403.
    Service(String),
    /// A query that names a remote graph in FROM: answered from the store (nothing fetched).
    From(String, Vec<u8>),
    /// A LOAD of a remote document: refused by the read-only server.
    Load(String),
}

fn same(v: &Valid, body: &[u8]) -> bool {
    if v.unordered {
        let lines = |b: &[u8]| {
            let mut l: Vec<String> = String::from_utf8_lossy(b).lines().map(String::from).collect();
            l.sort();
            l
        };
        lines(body) == lines(&v.expected)
    } else {
        body == v.expected
    }
}

/// `newskg query` on the store: the reference answers.
fn cli_query(store: &str, format: &str, query: &str) -> Vec<u8> {
    ok(run(&["query", "--store", store, "--format", format, query])).into_bytes()
}

fn media(format: &str) -> &'static str {
    match format {
        "json" => "application/sparql-results+json",
        "xml" => "application/sparql-results+xml",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        _ => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------
// The requests.

/// What happened to one request.
enum Outcome {
    /// The expected answer: the right results, or the right error (status given).
    Expected(u16),
    /// 503 for a request that is not over its time: the server was busy (a clean error).
    Busy,
    /// Closed by the server without an answer, where that is acceptable (garbage).
    ClosedCleanly,
    Failed(String),
}

fn expect_status(resp: &Response, statuses: &[u16], needle: &str) -> Outcome {
    if statuses.contains(&resp.status) && resp.text().contains(needle) {
        Outcome::Expected(resp.status)
    } else if resp.status == 503 {
        Outcome::Busy
    } else {
        Outcome::Failed(format!("expected {statuses:?} with {needle:?}, got {}: {:.300}", resp.status, resp.text()))
    }
}

fn from_result(r: Result<Response, String>, check: impl FnOnce(&Response) -> Outcome) -> Outcome {
    match r {
        Ok(resp) => check(&resp),
        Err(e) => Outcome::Failed(e),
    }
}

fn valid_outcome(v: &Valid, resp: &Response) -> Outcome {
    match resp.status {
        200 if same(v, &resp.body) => Outcome::Expected(200),
        503 => Outcome::Busy,
        s => Outcome::Failed(format!("{s}, wrong answer to {:?}: {:.300}", v.query, resp.text())),
    }
}

/// Sends a valid query by GET, form POST or query POST.
fn send_valid(client: &mut Client, v: &Valid, how: usize) -> Result<Response, String> {
    let accept = [("Accept", v.accept)];
    match how % 3 {
        0 => client.send("GET", &format!("/sparql?query={}", encode(&v.query)), &accept, b""),
        1 => client.send(
            "POST",
            "/sparql",
            &[accept[0], ("Content-Type", "application/x-www-form-urlencoded")],
            format!("query={}", encode(&v.query)).as_bytes(),
        ),
        _ => client.send(
            "POST",
            "/sparql",
            &[accept[0], ("Content-Type", "application/sparql-query")],
            v.query.as_bytes(),
        ),
    }
}

/// Queries far over a second on this store: cross products and a path closure, all of
/// which oxigraph stops within milliseconds of the cancellation. (A cross product of three
/// patterns, or an ORDER BY over a cross product, is answered on time too, but runs on
/// long after: see the note in the report.)
const SLOW: [&str; 4] = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) < STR(?f)) }",
    "SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (!rdf:type)+ ?b }",
];

/// (method, target, content type, body, statuses, text the answer must contain)
type Misuse = (&'static str, String, &'static str, Vec<u8>, &'static [u16], &'static str);

fn malformed() -> Vec<Misuse> {
    let q = |s: &str| format!("/sparql?query={}", encode(s));
    let parse = "does not parse";
    vec![
        ("GET", q("SELECT ?s WHERE { ?s ?p "), "", vec![], &[400], parse),
        ("GET", q("SELEC * WHERE { ?s ?p ?o }"), "", vec![], &[400], parse),
        ("GET", q("SELECT * WHERE { ?s nope:x ?o }"), "", vec![], &[400], parse),
        ("GET", q(""), "", vec![], &[400], parse),
        ("GET", q("SELECT * WHERE { ?s ?p ?o } LIMIT -1"), "", vec![], &[400], parse),
        ("POST", "/sparql".into(), "application/sparql-query", b"ASK { ?s ?p \"unterminated }".to_vec(), &[400], parse),
        ("POST", "/sparql".into(), "application/sparql-query", b"ASK {}\xff\xfe".to_vec(), &[400], "not UTF-8"),
        ("GET", "/sparql".into(), "", vec![], &[400], "?query="),
        ("POST", "/sparql".into(), "text/plain", b"ASK {}".to_vec(), &[415], "cannot take"),
        ("POST", "/sparql".into(), "application/x-www-form-urlencoded", b"format=csv".to_vec(), &[400], "neither"),
        (
            "POST",
            "/sparql".into(),
            "application/sparql-update",
            b"INSERT DATA { <urn:a> <urn:b> <urn:c> }".to_vec(),
            &[403],
            "read-only",
        ),
        ("GET", format!("{}&default-graph-uri=urn%3Ax", q("ASK {}")), "", vec![], &[400], "not supported"),
        ("DELETE", "/sparql".into(), "", vec![], &[405], ""),
        ("GET", "/api/graph?depth=deep".into(), "", vec![], &[400], "whole number"),
    ]
}

/// A huge request: sends it (or part of it) and returns the answer.
fn send_huge(addr: &str, which: usize) -> Result<Response, ReadError> {
    let filler = |n: usize| {
        let mut b = b"SELECT * WHERE { ?s ?p ?o } # ".to_vec();
        b.resize(n, b'x');
        b
    };
    let post = |len: usize, extra: &str| {
        format!(
            "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/sparql-query\r\nContent-Length: {len}\r\n{extra}\r\n"
        )
        .into_bytes()
    };
    match which {
        // A 1 MiB body, all of it sent before reading.
        0 => {
            let mut r = post(1 << 20, "");
            r.extend(filler(1 << 20));
            raw_exchange(addr, &r, false)
        }
        // 100 MiB announced, 256 KiB sent, then the answer read.
        1 => {
            let mut r = post(100 << 20, "");
            r.extend(filler(256 << 10));
            raw_exchange(addr, &r, false)
        }
        // Chunked, no length: 256 KiB in 16 KiB chunks.
        2 => {
            let mut r = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            let chunk = filler(16 << 10);
            for _ in 0..16 {
                r.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
                r.extend(&chunk);
                r.extend(b"\r\n");
            }
            r.extend(b"0\r\n\r\n");
            raw_exchange(addr, &r, false)
        }
        // Expect: 100-continue with 10 MiB announced: refused before any body is sent.
        3 => raw_exchange(addr, &post(10 << 20, "Expect: 100-continue\r\n"), false),
        // A form of 200 KiB.
        4 => {
            let body = format!("query={}", "x".repeat(200 << 10));
            let r = format!(
                "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            raw_exchange(addr, r.as_bytes(), false)
        }
        // A request target of 1 MiB.
        5 => {
            let r = format!(
                "GET /sparql?query={} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                "x".repeat(1 << 20)
            );
            raw_exchange(addr, r.as_bytes(), false)
        }
        // 500 headers.
        _ => {
            let mut r = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".to_string();
            for n in 0..500 {
                let _ = write!(r, "X-Filler-{n}: {}\r\n", "y".repeat(100));
            }
            r.push_str("\r\n");
            raw_exchange(addr, r.as_bytes(), false)
        }
    }
}
const HUGE_VARIANTS: usize = 7;

fn traversal_targets(port: u16) -> Vec<String> {
    [
        "/../../etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/%2E%2E/Cargo.toml",
        "/app.js/../..",
        "/app.js/../../Cargo.toml",
        "/app.js/..%2f..%2fCargo.toml",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "//etc/passwd",
        "/./Cargo.toml",
        "/.%2fCargo.toml",
        "/assets/index.html",
        "/src/server/assets/app.js",
        "/server/assets/../../../Cargo.toml",
        "/app.js%00.html",
        "/app.js/",
        "/Cargo.toml",
        "/..\\..\\Cargo.toml",
        "../../etc/passwd",
        "/api/entity/..%2f..%2f..%2fetc%2fpasswd",
        "/api/entity/../../../etc/passwd",
        "/store?graph=file%3A%2F%2F%2Fetc%2Fpasswd",
        "/sparql?query=SELECT%20*%20FROM%20%3Cfile%3A%2F%2F%2Fetc%2Fpasswd%3E%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
        "*",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("http://127.0.0.1:{port}/../../etc/passwd")])
    .collect()
}

/// Raw bytes that are not (complete, valid) HTTP; whether to half-close after sending.
fn garbage() -> Vec<(Vec<u8>, bool)> {
    let mut noise = Vec::with_capacity(2048);
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..2048 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push(x as u8);
    }
    vec![
        (noise, false),
        (b"GARBAGE\r\n\r\n".to_vec(), false),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n".to_vec(), false),
        (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(), false),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_vec(), false),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nASK {}".to_vec(), false),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(), false),
        (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nASK {}\r\n0\r\n\r\n".to_vec(),
            false,
        ),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(), false),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHo".to_vec(), true),
        (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK {}".to_vec(),
            true,
        ),
        (b"GET /\0\0\0 HTTP/1.1\r\n\r\n".to_vec(), false),
        (format!("{} / HTTP/1.1\r\nHost: x\r\n\r\n", "M".repeat(5000)).into_bytes(), false),
        (b"GET /\r\n\r\n".to_vec(), false),
        (b"\r\n\r\n\r\n\r\n".to_vec(), true),
        (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n".to_vec(), false),
    ]
}

/// Statuses a server may answer to garbage: client errors, or 505 for an HTTP version it
/// does not speak.
fn clean_refusal(status: u16) -> bool {
    (400..500).contains(&status) || status == 505
}

/// Sends a request a byte at a time (a few milliseconds apart), then reads the answer.
fn send_slowly(addr: &str, bytes: &[u8]) -> Result<Response, String> {
    let stream = connect(addr).map_err(|e| format!("cannot connect: {e}"))?;
    let mut conn = BufReader::new(stream);
    for b in bytes {
        conn.get_mut().write_all(std::slice::from_ref(b)).map_err(|e| format!("cannot send: {e}"))?;
        thread::sleep(Duration::from_millis(2));
    }
    read_response(&mut conn).map_err(|e| e.describe())
}

#[derive(Default)]
struct Tally {
    sent: usize,
    expected: usize,
    busy: usize,
    closed_cleanly: usize,
    statuses: BTreeMap<u16, usize>,
    failures: Vec<String>,
    /// Longest wait for an answer (slow queries).
    longest: Duration,
}

type Tallies = BTreeMap<Kind, Tally>;

/// Runs request `i`, records its outcome.
fn one(i: usize, ex: &Expectations, client: &mut Client, tallies: &mut Tallies) {
    let kind = kind_of(i);
    let started = Instant::now();
    let addr = ex.addr.as_str();
    let outcome = match kind {
        Kind::Valid => {
            let v = &ex.valid[variant(i, ex.valid.len())];
            from_result(send_valid(client, v, i / 3), |r| valid_outcome(v, r))
        }
        Kind::Malformed => {
            let all = malformed();
            let (method, target, ctype, body, statuses, needle) = &all[variant(i, all.len())];
            let headers: Vec<(&str, &str)> = if ctype.is_empty() { vec![] } else { vec![("Content-Type", ctype)] };
            from_result(client.send(method, target, &headers, body), |r| expect_status(r, statuses, needle))
        }
        Kind::TooManyRows => {
            let q = if i.is_multiple_of(2) {
                "SELECT * WHERE { ?s ?p ?o }"
            } else {
                "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
            };
            from_result(client.send("GET", &format!("/sparql?query={}", encode(q)), &[], b""), |r| {
                expect_status(r, &[400], &format!("more than {MAX_ROWS} rows"))
            })
        }
        Kind::Huge => {
            let which = variant(i, HUGE_VARIANTS);
            match send_huge(addr, which) {
                Ok(r) if which <= 4 => expect_status(&r, &[413], "--max-body"),
                Ok(r) => expect_status(&r, &[414, 431], ""),
                Err(e) => Outcome::Failed(format!("huge request {which}: {}", e.describe())),
            }
        }
        Kind::Slow => {
            let q = SLOW[variant(i, SLOW.len())];
            let r = client.send("POST", "/sparql", &[("Content-Type", "application/sparql-query")], q.as_bytes());
            match r {
                // Stopped when its time ran out, or (all slots taken) refused when it did.
                Ok(r)
                    if r.status == 503
                        && (r.text().contains(&format!("stopped after {TIMEOUT} s")) || r.text().contains("busy")) =>
                {
                    if started.elapsed() < Duration::from_secs_f64(TIMEOUT) + MARGIN {
                        Outcome::Expected(503)
                    } else {
                        Outcome::Failed(format!("503 only after {:?}", started.elapsed()))
                    }
                }
                Ok(r) => Outcome::Failed(format!("slow query: {} {:.200}", r.status, r.text())),
                Err(e) => Outcome::Failed(e),
            }
        }
        Kind::Abandoned => {
            let q = SLOW[variant(i, SLOW.len())];
            let bytes = request("POST", "/sparql", &[("Content-Type", "application/sparql-query")], q.as_bytes(), true);
            match connect(addr).and_then(|mut s| {
                s.write_all(&bytes)?;
                // Give the server time to start the evaluation, then go away.
                thread::sleep(Duration::from_millis(50));
                s.shutdown(Shutdown::Both)
            }) {
                Ok(()) => Outcome::Expected(0),
                Err(e) => Outcome::Failed(format!("cannot send: {e}")),
            }
        }
        Kind::Static => {
            let (path, body) = &ex.statics[variant(i, ex.statics.len())];
            from_result(client.send("GET", path, &[], b""), |r| {
                if r.status == 200 && &r.body == body {
                    Outcome::Expected(200)
                } else {
                    Outcome::Failed(format!("{path}: {} with {} bytes", r.status, r.body.len()))
                }
            })
        }
        Kind::Api => {
            let (target, status, body) = &ex.api[variant(i, ex.api.len())];
            from_result(client.send("GET", target, &[("Accept", "application/n-triples")], b""), |r| {
                if r.status == *status && &r.body == body {
                    Outcome::Expected(r.status)
                } else if r.status == 503 {
                    Outcome::Busy
                } else {
                    Outcome::Failed(format!("{target}: {} ({} bytes), not as before the load", r.status, r.body.len()))
                }
            })
        }
        Kind::Traversal => {
            let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
            let targets = traversal_targets(port);
            let target = &targets[variant(i, targets.len())];
            let bytes = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            match raw_exchange(addr, bytes.as_bytes(), false) {
                Ok(r) => {
                    let text = r.text();
                    if let Some(m) = FILE_MARKERS.iter().find(|m| text.contains(*m)) {
                        Outcome::Failed(format!("{target}: the answer holds a file's text ({m:?})"))
                    } else if r.status == 200 && target.starts_with("/sparql") {
                        // FROM <file:…> names a graph of the store: nothing is read.
                        Outcome::Expected(200)
                    } else if [400, 403, 404].contains(&r.status) {
                        Outcome::Expected(r.status)
                    } else {
                        Outcome::Failed(format!("{target}: {} {:.200}", r.status, text))
                    }
                }
                Err(e) => Outcome::Failed(format!("{target}: {}", e.describe())),
            }
        }
        Kind::Outbound => match &ex.outbound[variant(i, ex.outbound.len())] {
            Outbound::Service(q) => {
                from_result(client.send("GET", &format!("/sparql?query={}", encode(q)), &[], b""), |r| {
                    expect_status(r, &[403], "SERVICE")
                })
            }
            Outbound::From(q, expected) => from_result(
                client.send("GET", &format!("/sparql?query={}", encode(q)), &[("Accept", "text/csv")], b""),
                |r| {
                    if r.status == 200 && &r.body == expected {
                        Outcome::Expected(200)
                    } else {
                        Outcome::Failed(format!("FROM a remote graph: {} {:.200}", r.status, r.text()))
                    }
                },
            ),
            Outbound::Load(u) => from_result(
                client.send("POST", "/sparql", &[("Content-Type", "application/sparql-update")], u.as_bytes()),
                |r| expect_status(r, &[403], "read-only"),
            ),
        },
        Kind::Garbage => {
            let all = garbage();
            let (bytes, half_close) = &all[variant(i, all.len())];
            match raw_exchange(addr, bytes, *half_close) {
                Ok(r) if clean_refusal(r.status) => Outcome::Expected(r.status),
                Ok(r) => Outcome::Failed(format!("garbage {}: answered {}", variant(i, all.len()), r.status)),
                Err(ReadError::Closed(_)) => Outcome::ClosedCleanly,
                Err(e) => Outcome::Failed(format!("garbage {}: {}", variant(i, all.len()), e.describe())),
            }
        }
        Kind::SlowClient => {
            // Short requests: sent a byte every 2 ms, they still arrive within the client
            // timeout (a longer one is cut off, as the held connections show).
            let short: Vec<&Valid> = ex.valid.iter().filter(|v| v.query.len() < 120).collect();
            let v = short[variant(i, short.len())];
            let bytes =
                request("GET", &format!("/sparql?query={}", encode(&v.query)), &[("Accept", v.accept)], b"", true);
            from_result(send_slowly(addr, &bytes), |r| valid_outcome(v, r))
        }
    };
    let t = tallies.entry(kind).or_default();
    t.sent += 1;
    t.longest = t.longest.max(started.elapsed());
    match outcome {
        Outcome::Expected(status) => {
            t.expected += 1;
            *t.statuses.entry(status).or_default() += 1;
        }
        Outcome::Busy => {
            t.busy += 1;
            *t.statuses.entry(503).or_default() += 1;
        }
        Outcome::ClosedCleanly => t.closed_cleanly += 1,
        Outcome::Failed(f) => t.failures.push(format!("request {i}: {f}")),
    }
}

/// Requests `range` from `CLIENTS` threads (each takes the next number); the merged tallies
/// and the number of kept-alive connections found closed and retried.
fn load(ex: &Arc<Expectations>, range: std::ops::Range<usize>) -> (Tallies, usize) {
    let next = Arc::new(AtomicUsize::new(range.start));
    let end = range.end;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (ex, next) = (ex.clone(), next.clone());
            thread::spawn(move || {
                let mut client = Client { addr: ex.addr.clone(), keep_alive: c % 2 == 0, conn: None, retries: 0 };
                let mut tallies = Tallies::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    one(i, &ex, &mut client, &mut tallies);
                }
                (tallies, client.retries)
            })
        })
        .collect();
    let mut all = Tallies::new();
    let mut retries = 0;
    for t in threads {
        let (tallies, r) = t.join().expect("a client thread panicked");
        retries += r;
        merge(&mut all, tallies);
    }
    (all, retries)
}

fn merge(into: &mut Tallies, from: Tallies) {
    for (k, t) in from {
        let a = into.entry(k).or_default();
        a.sent += t.sent;
        a.expected += t.expected;
        a.busy += t.busy;
        a.closed_cleanly += t.closed_cleanly;
        for (s, n) in t.statuses {
            *a.statuses.entry(s).or_default() += n;
        }
        a.failures.extend(t.failures);
        a.longest = a.longest.max(t.longest);
    }
}

// ---------------------------------------------------------------------------------------
// Connections held open during the load.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Held {
    /// Connects and sends nothing.
    Idle,
    /// Sends a request head a byte every 300 ms, never finishing it.
    Slowloris,
    /// One request on a kept-alive connection, then silence.
    KeepAliveIdle,
    /// Announces a body of 1,000 bytes and sends 10.
    SlowBody,
    /// Pipelines requests for 25 MB of answers and reads none of them for a while.
    NonReader,
}

impl Held {
    fn name(self) -> &'static str {
        match self {
            Held::Idle => "connected, sends nothing",
            Held::Slowloris => "request head a byte every 300 ms, never finished",
            Held::KeepAliveIdle => "kept alive after one answer, then idle",
            Held::SlowBody => "announces a 1,000-byte body, sends 10",
            Held::NonReader => "25 MB of pipelined answers, not read",
        }
    }
}

const HELD: [(Held, usize); 5] =
    [(Held::Idle, 16), (Held::Slowloris, 8), (Held::KeepAliveIdle, 8), (Held::SlowBody, 4), (Held::NonReader, 4)];

/// Waits for the server to close `s` (end of stream or reset); how long that took.
fn closed_within(s: &mut TcpStream, since: Instant, limit: Duration) -> Result<Duration, String> {
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(since.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(_) => return Ok(since.elapsed()),
        }
        if since.elapsed() > limit {
            return Err(format!("still open after {:?}", since.elapsed()));
        }
    }
}

/// Holds one connection as `how` says; Ok(what the server did, when) or the failure.
fn hold(addr: &str, how: Held, app_js_len: usize) -> Result<(String, Duration), String> {
    let limit = Duration::from_secs_f64(CLIENT_TIMEOUT) + MARGIN;
    let mut s = connect(addr).map_err(|e| format!("cannot connect: {e}"))?;
    let since = Instant::now();
    match how {
        Held::Idle => closed_within(&mut s, since, limit).map(|t| ("closed, no answer".into(), t)),
        Held::Slowloris => {
            s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
            let head = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
            let mut buf = [0u8; 1024];
            for n in 0.. {
                let byte = head.get(n).copied().unwrap_or(b'a');
                if s.write_all(&[byte]).is_err() {
                    return Ok(("closed, no answer".into(), since.elapsed()));
                }
                match s.read(&mut buf) {
                    Ok(0) => return Ok(("closed, no answer".into(), since.elapsed())),
                    Ok(_) => return Ok(("answered, closed".into(), since.elapsed())),
                    Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                    Err(_) => return Ok(("closed, no answer".into(), since.elapsed())),
                }
                if since.elapsed() > limit {
                    return Err(format!("still open after {:?}", since.elapsed()));
                }
            }
            unreachable!()
        }
        Held::KeepAliveIdle => {
            s.write_all(&request("GET", "/app.css", &[], b"", false)).map_err(|e| e.to_string())?;
            let mut r = BufReader::new(s.try_clone().unwrap());
            let resp = read_response(&mut r).map_err(|e| e.describe())?;
            if resp.status != 200 {
                return Err(format!("the first request got {}", resp.status));
            }
            let since = Instant::now();
            closed_within(&mut s, since, limit).map(|t| ("closed, no answer".into(), t))
        }
        Held::SlowBody => {
            let mut r = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\n".to_vec();
            r.extend(b"ASK { ?s ?");
            s.write_all(&r).map_err(|e| e.to_string())?;
            let since = Instant::now();
            let mut reader = BufReader::new(s);
            match read_response(&mut reader) {
                Ok(resp) if resp.status == 408 && since.elapsed() < limit => {
                    Ok((format!("answered {}", resp.status), since.elapsed()))
                }
                Ok(resp) => Err(format!("answered {} after {:?}", resp.status, since.elapsed())),
                Err(e) => Err(e.describe()),
            }
        }
        Held::NonReader => {
            let n = (25 << 20) / app_js_len + 1;
            let one = request("GET", "/app.js", &[], b"", false);
            s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut sent = 0;
            for _ in 0..n {
                if s.write_all(&one).is_err() {
                    break;
                }
                sent += 1;
            }
            thread::sleep(Duration::from_secs_f64(CLIENT_TIMEOUT) + Duration::from_secs(3));
            // Now read whatever the server wrote before it gave up.
            let mut got = 0usize;
            let mut buf = vec![0u8; 1 << 16];
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                        return Err(format!("still open after {:?} ({got} bytes read)", since.elapsed()));
                    }
                    Err(_) => break,
                }
            }
            if got >= sent * app_js_len {
                return Err(format!("all {sent} answers arrived: the connection was never cut"));
            }
            Ok((format!("cut off after {} of {} answers", got / app_js_len, sent), since.elapsed()))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The server process, from /proc.

fn proc_status(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = s.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn rss(pid: u32) -> u64 {
    proc_status(pid, "VmRSS:") * 1024
}

/// CPU time the process has used, in clock ticks (user + system).
fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat; `after` starts at field 3.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn clock_ticks_per_second() -> u64 {
    let out = std::process::Command::new("getconf").arg("CLK_TCK").output();
    out.ok().and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok()).unwrap_or(100)
}

fn sockets(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|l| l.to_string_lossy().starts_with("socket:"))
        .count()
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
}

// ---------------------------------------------------------------------------------------

#[test]
fn the_server_under_load() {
    let test_started = Instant::now();
    let dir = tmpdir("server-load", "load");
    let corpus = dir.join("corpus.jsonl");
    let store = dir.join("kg.store").display().to_string();
    ok(run(&["generate", "--articles", &ARTICLES.to_string(), "-o", corpus.to_str().unwrap()]));
    ok(run(&["build", corpus.to_str().unwrap(), "--store", &store]));

    // A listener standing for every remote endpoint a query could try to reach.
    let trap = TcpListener::bind("127.0.0.1:0").unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    trap.set_nonblocking(true).unwrap();
    let trapped = Arc::new(AtomicUsize::new(0));
    let trap_done = Arc::new(AtomicBool::new(false));
    let trap_thread = {
        let (trapped, done) = (trapped.clone(), trap_done.clone());
        thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                match trap.accept() {
                    Ok(_) => {
                        trapped.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };

    // The reference answers, from `newskg query` before the server starts.
    let articles =
        String::from_utf8(cli_query(&store, "csv", "SELECT (COUNT(*) AS ?n) WHERE { ?a a nkg:Article }")).unwrap();
    assert_eq!(articles.lines().nth(1).map(str::trim), Some(ARTICLES.to_string().as_str()), "{articles}");
    let recognizes = String::from_utf8(cli_query(
        &store,
        "csv",
        "SELECT DISTINCT ?s ?o WHERE { ?s nkg:recognizes ?o } ORDER BY ?s ?o",
    ))
    .unwrap();
    let pairs: Vec<(String, String)> = recognizes
        .lines()
        .skip(1)
        .map(|l| {
            let (s, o) = l.trim().split_once(',').unwrap();
            (s.to_string(), o.to_string())
        })
        .collect();
    assert!(pairs.len() >= 5, "the corpus should state some recognitions: {recognizes}");
    let top = String::from_utf8(cli_query(
        &store,
        "csv",
        "SELECT ?e (COUNT(*) AS ?n) WHERE { ?a a nkg:Assertion ; rdf:subject ?e } GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1",
    ))
    .unwrap();
    let top_iri = top.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    let top_id = top_iri.rsplit('/').next().unwrap().to_string();
    let graph = String::from_utf8(cli_query(&store, "csv", "SELECT ?g WHERE { ?g a nkg:Article } ORDER BY ?g LIMIT 1"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    let graph_triples = ok(run(&["dump", "--store", &store, "--format", "ntriples", "--graph", &graph]));

    let valid_queries: Vec<(&str, String)> = vec![
        ("csv", "SELECT DISTINCT ?s ?o WHERE { ?s nkg:recognizes ?o } ORDER BY ?s ?o".into()),
        ("json", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }".into()),
        (
            "tsv",
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?a a nkg:Assertion ; rdf:predicate ?p } GROUP BY ?p ORDER BY DESC(?n) ?p".into(),
        ),
        ("json", format!("ASK {{ <{top_iri}> ?p ?o }}")),
        ("xml", "ASK { ent:no-such-entity-anywhere ?p ?o }".into()),
        ("xml", "SELECT ?art ?title WHERE { ?art a nkg:Article ; dcterms:title ?title } ORDER BY ?art LIMIT 40".into()),
        (
            "json",
            "SELECT ?t (COUNT(DISTINCT ?e) AS ?n) WHERE { ?a rdf:subject ?e . ?e a ?t } GROUP BY ?t ORDER BY ?t".into(),
        ),
        ("csv", std::fs::read_to_string(root().join("data/queries/negated-claims.rq")).unwrap()),
    ];
    let mut valid: Vec<Valid> = valid_queries
        .into_iter()
        .map(|(f, q)| Valid { expected: cli_query(&store, f, &q), query: q, accept: media(f), unordered: false })
        .collect();
    // CONSTRUCT: the triples the SELECT above found, written here as N-Triples.
    valid.push(Valid {
        query: "CONSTRUCT { ?s nkg:recognizes ?o } WHERE { ?s nkg:recognizes ?o }".into(),
        accept: "application/n-triples",
        expected: pairs
            .iter()
            .map(|(s, o)| format!("<{s}> <{NKG}recognizes> <{o}> .\n"))
            .collect::<String>()
            .into_bytes(),
        unordered: true,
    });
    let from_remote =
        format!("SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:{trap_port}/data.ttl> WHERE {{ ?s ?p ?o }}");
    let outbound = vec![
        Outbound::Service(format!("SELECT * WHERE {{ SERVICE <http://127.0.0.1:{trap_port}/sparql> {{ ?s ?p ?o }} }}")),
        Outbound::Service(format!(
            "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{trap_port}/sparql> {{ ?s ?p ?o }} }}"
        )),
        Outbound::Service(format!(
            "SELECT * WHERE {{ VALUES ?svc {{ <http://127.0.0.1:{trap_port}/a> }} SERVICE ?svc {{ ?s ?p ?o }} }}"
        )),
        Outbound::Service(format!(
            "SELECT * WHERE {{ ?s nkg:recognizes ?o OPTIONAL {{ SERVICE SILENT <http://localhost:{trap_port}/x> {{ ?o ?p ?z }} }} }} LIMIT 5"
        )),
        Outbound::Service(format!("ASK {{ SERVICE <http://127.0.0.1:{trap_port}/> {{ }} }}")),
        Outbound::Service(format!(
            "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{trap_port}/c> {{ ?s ?p ?o }} }}"
        )),
        Outbound::From(from_remote.clone(), cli_query(&store, "csv", &from_remote)),
        Outbound::Load(format!("LOAD <http://127.0.0.1:{trap_port}/data.ttl>")),
    ];
    let statics = vec![
        ("/", std::fs::read(root().join("src/server/assets/index.html")).unwrap()),
        ("/app.js", std::fs::read(root().join("src/server/assets/app.js")).unwrap()),
        ("/app.css", std::fs::read(root().join("src/server/assets/app.css")).unwrap()),
    ];
    let app_js_len = statics[1].1.len();

    let mut server = Server::start(
        &store,
        &[
            "--timeout",
            &TIMEOUT.to_string(),
            "--client-timeout",
            &CLIENT_TIMEOUT.to_string(),
            "--max-body",
            &MAX_BODY.to_string(),
            "--max-rows",
            &MAX_ROWS.to_string(),
        ],
    );
    let pid = server.child.id();
    let addr = server.addr();
    let sockets_at_start = sockets(pid);

    // Quiet answers first: each valid query by each method, then the API's answers, which
    // the load must reproduce exactly.
    let mut quiet = Client { addr: addr.clone(), keep_alive: false, conn: None, retries: 0 };
    for v in &valid {
        for how in 0..3 {
            let r = send_valid(&mut quiet, v, how).unwrap();
            assert!(r.status == 200 && same(v, &r.body), "{:?} by method {how}: {} {}", v.query, r.status, r.text());
        }
    }
    let api_targets = [
        "/api/meta".to_string(),
        format!("/api/entity/{top_id}"),
        "/api/entity/no-such-entity-anywhere".into(),
        "/api/graph?predicate=recognizes".into(),
        format!("/api/graph?entity={top_id}&depth=1"),
        "/api/graph?min_confidence=high".into(),
        "/api/graph?aggregate=state&predicate=recognizes,attacks".into(),
        format!("/store?graph={}", encode(&graph)),
    ];
    let mut api = Vec::new();
    for t in api_targets {
        let r = quiet.send("GET", &t, &[("Accept", "application/n-triples")], b"").unwrap();
        api.push((t, r.status, r.body));
    }
    let meta: serde_json::Value = serde_json::from_slice(&api[0].2).unwrap();
    assert_eq!(meta["articles"], ARTICLES, "/api/meta counts the articles");
    assert_eq!(api[1].1, 200, "/api/entity/{top_id}");
    assert_eq!(api[2].1, 404);
    assert_eq!(api[5].1, 400);
    let mut served: Vec<&str> = std::str::from_utf8(&api[7].2).unwrap().lines().collect();
    let mut dumped: Vec<&str> = graph_triples.lines().collect();
    served.sort_unstable();
    dumped.sort_unstable();
    assert_eq!(served, dumped, "/store?graph= serves the graph `newskg dump` writes");

    let ex = Arc::new(Expectations { addr: addr.clone(), valid, statics, api, outbound });

    // Warm-up, then memory; then the rest of the load, with connections held open meanwhile.
    let started = Instant::now();
    let (mut tallies, mut retries) = load(&ex, 0..WARM_UP);
    // Memory at rest: a moment after the requests, once freed memory has gone back.
    let settle = Duration::from_secs(1);
    thread::sleep(settle);
    let rss_warm = rss(pid);
    let held: Vec<_> = HELD
        .iter()
        .flat_map(|&(how, n)| std::iter::repeat_n(how, n))
        .map(|how| {
            let addr = addr.clone();
            thread::spawn(move || (how, hold(&addr, how, app_js_len)))
        })
        .collect();
    let (rest, r) = load(&ex, WARM_UP..REQUESTS);
    merge(&mut tallies, rest);
    retries += r;
    let load_time = started.elapsed();
    // Per way of holding: held, closed by the server, latest close, what the server did
    // (one example), failures.
    let mut held_results: BTreeMap<Held, (usize, usize, Duration, String, Vec<String>)> = BTreeMap::new();
    for h in held {
        let (how, result) = h.join().expect("a holding thread panicked");
        let e = held_results.entry(how).or_default();
        e.0 += 1;
        match result {
            Ok((what, t)) => {
                e.1 += 1;
                e.2 = e.2.max(t);
                e.3 = what;
            }
            Err(f) => e.4.push(f),
        }
    }

    // Afterwards: the server is idle (no evaluation left running), every connection is
    // closed, nothing reached the trap, and a query is still answered correctly.
    thread::sleep(Duration::from_millis(500));
    let ticks = cpu_ticks(pid);
    let idle_window = Duration::from_secs(2);
    thread::sleep(idle_window);
    let idle_cpu = (cpu_ticks(pid) - ticks) as f64 / clock_ticks_per_second() as f64;
    let rss_end = rss(pid);
    let deadline = Instant::now() + MARGIN;
    while sockets(pid) > sockets_at_start && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
    }
    let sockets_at_end = sockets(pid);
    let mut after = Client { addr: addr.clone(), keep_alive: false, conn: None, retries: 0 };
    let last = send_valid(&mut after, &ex.valid[0], 0).unwrap();
    assert!(last.status == 200 && same(&ex.valid[0], &last.body), "after the load: {} {}", last.status, last.text());
    trap_done.store(true, Ordering::Relaxed);
    trap_thread.join().unwrap();
    let outbound_connections = trapped.load(Ordering::Relaxed);
    assert!(server.child.try_wait().unwrap().is_none(), "the server is still running");

    // Last, a query oxigraph stops only minutes after its cancellation, then SIGTERM: the
    // query is answered on time, and the server still exits promptly and cleanly.
    let runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let r = after.send("POST", "/sparql", &[("Content-Type", "application/sparql-query")], runaway.as_bytes()).unwrap();
    assert_eq!(r.status, 503, "{}", r.text());
    let stopping = Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    let exit = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(stopping.elapsed() < Duration::from_secs(30), "SIGTERM did not stop the server");
        thread::sleep(Duration::from_millis(50));
    };
    let stop_time = stopping.elapsed();
    assert!(exit.success(), "exit status after SIGTERM: {exit:?}");

    // The figures.
    let total: usize = tallies.values().map(|t| t.sent).sum();
    let expected: usize = tallies.values().map(|t| t.expected).sum();
    let busy: usize = tallies.values().map(|t| t.busy).sum();
    let closed: usize = tallies.values().map(|t| t.closed_cleanly).sum();
    let failures: Vec<&String> = tallies.values().flat_map(|t| &t.failures).collect();
    // The first few of each kind, for the assertion's message.
    let some_failures: Vec<&String> = tallies.values().flat_map(|t| t.failures.iter().take(5)).collect();
    let server_errors: usize =
        tallies.values().flat_map(|t| &t.statuses).filter(|(s, _)| **s >= 500 && **s != 503).map(|(_, n)| n).sum();
    let slow = &tallies[&Kind::Slow];
    let held_failures: Vec<&String> = held_results.values().flat_map(|h| &h.4).collect();

    let mut md = String::new();
    let _ = writeln!(md, "## Server under load\n");
    let _ = writeln!(
        md,
        "`tests/server_load.rs`: `newskg serve` (on a store of {ARTICLES} generated articles, \
         `--timeout {TIMEOUT} --client-timeout {CLIENT_TIMEOUT} --max-body {MAX_BODY} --max-rows {MAX_ROWS}`) \
         gets {REQUESTS} requests over loopback from {CLIENTS} client threads (half of them keep connections alive), \
         a fixed mix checked answer by answer: valid queries against `newskg query`'s answers, API answers against \
         the quiet server's, errors by status and message. Meanwhile {} connections are held open in the ways below; \
         the server must close each. Memory is sampled after the first {WARM_UP} requests and at the end; then the \
         server's CPU over {} s of quiet, its open sockets, and the test's listener that every SERVICE, FROM and LOAD \
         points at.\n",
        HELD.iter().map(|h| h.1).sum::<usize>(),
        idle_window.as_secs()
    );
    let _ = writeln!(md, "| requests | sent | as expected | answers by status | closed without answer | failures |");
    let _ = writeln!(md, "|---|---:|---:|---|---:|---:|");
    for (k, t) in &tallies {
        let statuses: Vec<String> = t
            .statuses
            .iter()
            .map(|(s, n)| if *s == 0 { format!("hung up: {n}") } else { format!("{s}: {n}") })
            .collect();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            k.name(),
            t.sent,
            t.expected,
            statuses.join(", "),
            t.closed_cleanly,
            t.failures.len()
        );
    }
    let _ = writeln!(
        md,
        "| **all** | **{total}** | **{expected}** | 503 to requests not meant to be slow: {busy} | {closed} | **{}** |\n",
        failures.len()
    );
    let _ = writeln!(
        md,
        "The 200s among the traversal attempts and the outbound requests are SPARQL queries with \
         `FROM <file:///etc/passwd>` or `FROM <http://127.0.0.1:PORT/…>`: a FROM names a graph of the \
         store, nothing is read or fetched, and the answer is checked to be the store's (empty) one. \
         Garbage is answered 4xx or the connection is closed.\n"
    );
    let _ = writeln!(md, "| held connection | held | closed by the server | latest close | how | failures |");
    let _ = writeln!(md, "|---|---:|---:|---:|---|---:|");
    for (how, (n, closed, t, what, f)) in &held_results {
        let _ = writeln!(md, "| {} | {n} | {closed} | {:.1} s | {what} | {} |", how.name(), t.as_secs_f64(), f.len());
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "| figure | value |");
    let _ = writeln!(md, "|---|---|");
    let _ = writeln!(md, "| clients, requests | {CLIENTS}, {total} in {:.1} s |", load_time.as_secs_f64());
    let _ = writeln!(md, "| answers as expected (correct results or the right error) | {expected} |");
    let _ = writeln!(
        md,
        "| clean errors where an answer was expected (503: over {TIMEOUT} s with both cores saturated, or no free slot) | {busy} |"
    );
    let _ = writeln!(
        md,
        "| timeouts enforced (slow queries answered 503) | {} of {}, longest wait {:.2} s (limit {TIMEOUT} s) |",
        slow.statuses.get(&503).copied().unwrap_or(0),
        slow.sent,
        slow.longest.as_secs_f64()
    );
    let _ = writeln!(md, "| connection errors and broken answers | {} |", failures.len());
    let _ = writeln!(md, "| 5xx other than 503 | {server_errors} |");
    let _ = writeln!(md, "| kept-alive connections found closed, request resent | {retries} |");
    let _ = writeln!(
        md,
        "| server RSS after warm-up / at the end | {} / {} ({:+.1} MiB) |",
        mib(rss_warm),
        mib(rss_end),
        (rss_end as f64 - rss_warm as f64) / (1 << 20) as f64
    );
    let _ = writeln!(md, "| server CPU in {} s after the load | {idle_cpu:.2} s |", idle_window.as_secs());
    let _ = writeln!(md, "| server sockets at start / at the end | {sockets_at_start} / {sockets_at_end} |");
    let _ = writeln!(md, "| outbound connections observed | {outbound_connections} |");
    let _ = writeln!(
        md,
        "| SIGTERM while a runaway evaluation (a cross product of three patterns) runs | exit 0 after {:.1} s |",
        stop_time.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "\nNot in the mix: a cross product of three patterns, or an ORDER BY over a cross product, is \
         answered 503 on time too, but oxigraph's evaluator (spareval 0.2.9) looks at the cancellation \
         only between rows of the inner pattern (and not while sorting), so such an evaluation runs on \
         after its answer, keeping its query slot (16; the JSON API has its own) until it ends or the \
         server stops (the last figure above). On this store, by \
         hand: an ORDER BY over `?a ?b ?c . ?d ?e ?f` kept a core busy for 40 s after its 503, a COUNT \
         over `?a ?b ?c . ?d ?e ?f . ?g ?h ?i` for more than 5 minutes."
    );
    eprintln!("{md}");
    eprintln!("whole test: {:.1} s", test_started.elapsed().as_secs_f64());

    assert!(failures.is_empty(), "{} requests failed, among them:\n{some_failures:#?}", failures.len());
    assert!(held_failures.is_empty(), "held connections: {held_failures:#?}");
    assert_eq!(total, REQUESTS);
    assert_eq!(server_errors, 0, "no 5xx but 503");
    assert_eq!(slow.expected, slow.sent, "every query over its time is answered 503 when the limit strikes");
    assert_eq!(outbound_connections, 0, "no query may connect anywhere");
    assert!(rss_end < rss_warm + RSS_GROWTH_LIMIT, "memory grew from {} to {}", mib(rss_warm), mib(rss_end));
    assert!(idle_cpu < 1.0, "the server kept working after the load ({idle_cpu:.2} s CPU in {idle_window:?})");
    assert!(
        sockets_at_end <= sockets_at_start,
        "{sockets_at_end} sockets open at the end, {sockets_at_start} at start"
    );
    report("server_load", &md);
}
