//! `newskg serve`: the store over HTTP. A SPARQL 1.1 Protocol endpoint (`/sparql`), Graph
//! Store Protocol reads (`/store`), the entity graph as Cytoscape.js JSON with the export
//! filters (`/api/graph`), one entity with its evidence (`/api/entity/{id}`), and the
//! explorer page (`/`), whose files are compiled into the binary.
//!
//! Built on axum and tokio (see ARCHITECTURE.md for why). SPARQL runs on tokio's
//! blocking pool with a cancellation token: a query over its time, or whose client went
//! away, is cancelled, not left running. Clients get a time limit too: to send a request's
//! head and body, to send the next request on an idle connection, and to read the answer.
//! Read-only unless started writable with a bearer token; SERVICE is refused (no query can
//! make an outbound request).

// Helpers return a ready error `Response` to send: a cold path where boxing buys nothing.
#![allow(clippy::result_large_err)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;

use crate::export::{self, Drawing};
use crate::graph::{self, Affiliations, Aggregate, Filter};
use crate::query::{self, CancellationToken, Form, Limits, QueryError, ResultFormat};
use crate::store::{GraphRecords, KgStore, Syntax};

mod assets {
    pub const INDEX_HTML: &str = include_str!("assets/index.html");
    pub const APP_JS: &str = include_str!("assets/app.js");
    pub const APP_CSS: &str = include_str!("assets/app.css");
}

include!(concat!(env!("OUT_DIR"), "/queries.rs"));

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// A query running longer is cancelled and answered with 503.
    pub timeout: Duration,
    /// A query with more solutions or triples is answered with 400.
    pub max_rows: usize,
    /// Largest accepted request body, in bytes.
    pub max_body: usize,
    /// With a token the server is writable: SPARQL Update and Graph Store writes need
    /// `Authorization: Bearer <token>`. Without one it is read-only.
    pub token: Option<String>,
    /// Queries evaluated at once, and apart as many pieces of the server's own heavy work
    /// (graph layouts, dumps); more wait their turn, within their time limit.
    pub concurrent_queries: usize,
    /// How long a client may take to send a request's head, to send its body, to send the
    /// next request on an idle connection, and to take the next part of an answer; past
    /// it, the connection is closed (408 for a body).
    pub client_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Called on the worker thread after each piece of heavy work (a query, a layout, a
    /// dump): the binary passes its allocator's way to give freed memory back at once.
    pub release_memory: Option<fn()>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            timeout: Duration::from_secs(30),
            max_rows: 100_000,
            max_body: 1 << 20,
            token: None,
            concurrent_queries: 16,
            client_timeout: Duration::from_secs(30),
            max_connections: 256,
            release_memory: None,
        }
    }
}

struct AppState {
    store: KgStore,
    config: Config,
    affiliations: Affiliations,
    records: RwLock<Option<Arc<GraphRecords>>>,
    /// Held by the one request reading the records.
    reading_records: tokio::sync::Mutex<()>,
    /// Counts writes, so records read across a write are not kept.
    writes: AtomicU64,
    /// Held by each evaluation until it has really stopped (not merely timed out).
    queries: Arc<Semaphore>,
    /// The same for the server's own heavy work (layouts, dumps), apart: queries that will
    /// not stop cannot lock the explorer out.
    work: Arc<Semaphore>,
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
    client_timeout: Duration,
    max_connections: usize,
}

/// Binds `addr` (port 0 picks a free port) for `store`. `affiliations` serves
/// `aggregate=state`.
pub async fn bind(addr: SocketAddr, store: KgStore, config: Config, affiliations: Affiliations) -> io::Result<Server> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let (client_timeout, max_connections) = (config.client_timeout, config.max_connections.max(1));
    let state = Arc::new(AppState {
        store,
        queries: Arc::new(Semaphore::new(config.concurrent_queries.max(1))),
        work: Arc::new(Semaphore::new(config.concurrent_queries.max(1))),
        config,
        affiliations,
        records: RwLock::new(None),
        reading_records: tokio::sync::Mutex::new(()),
        writes: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", assets::INDEX_HTML) }))
        .route("/app.js", get(|| async { page("text/javascript; charset=utf-8", assets::APP_JS) }))
        .route("/app.css", get(|| async { page("text/css; charset=utf-8", assets::APP_CSS) }))
        .route("/sparql", get(sparql_get).post(sparql_post))
        .route("/store", get(store_get).put(store_put).post(store_post).delete(store_delete))
        .route("/api/graph", get(api_graph))
        .route("/api/entity/{id}", get(api_entity))
        .route("/api/meta", get(api_meta))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page: see / for the explorer, /sparql for SPARQL") })
        .with_state(state);
    Ok(Server { listener, app, client_timeout, max_connections })
}

impl Server {
    /// The address actually bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    ///
    /// The accept loop is hyper's HTTP/1.1 server as `axum::serve` runs it, plus what
    /// `axum::serve` cannot configure: a header read timeout (which also closes idle
    /// keep-alive connections), a write timeout, a limit on open connections, and a
    /// lingering close so a client still sending a refused body reads its answer.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let Server { listener, app, client_timeout, max_connections } = self;
        let slots = Arc::new(Semaphore::new(max_connections));
        // Dropping `stop` asks every connection to finish; `done` closes when all have.
        let (stop, stopping) = watch::channel(());
        let (done, running) = watch::channel(());
        let mut shutdown = pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => slot.expect("the connection semaphore is never closed"),
                () = &mut shutdown => break,
            };
            let tcp = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(e) if is_connection_error(&e) => continue,
                    // Out of file descriptors or the like: wait for connections to end.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = tcp.set_nodelay(true);
            let io = TokioIo::new(Patient::new(tcp, client_timeout));
            let service = TowerToHyperService::new(app.clone());
            let (mut stopping, running) = (stopping.clone(), running.clone());
            tokio::spawn(async move {
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(TokioTimer::new()).header_read_timeout(client_timeout);
                let mut conn = pin!(http.serve_connection(io, service));
                tokio::select! {
                    _ = conn.as_mut() => {}
                    _ = stopping.changed() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    }
                }
                drop((slot, running));
            });
        }
        drop(listener);
        drop((stop, running));
        done.closed().await;
        Ok(())
    }
}

/// Errors of one connection attempt, not of the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// How long, and how many bytes of a request nobody will read, a closing connection
/// waits for and discards, so the client sees the answer and not a reset.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 16 << 20;

/// A client connection with a write timeout and a lingering close. A write that makes no
/// progress for `patience` (the client stopped reading) fails, which ends the connection.
/// Shutting down sends the FIN after the answer, then reads and discards what the client
/// still sends, for a short while: closing a socket with unread data would make the kernel
/// reset the connection, and the client could lose the answer (413 for a body too large).
struct Patient {
    tcp: TcpStream,
    patience: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
    linger: Option<Linger>,
}

struct Linger {
    deadline: Pin<Box<Sleep>>,
    sent_fin: bool,
    discarded: usize,
}

impl Patient {
    fn new(tcp: TcpStream, patience: Duration) -> Patient {
        Patient { tcp, patience, stalled: None, linger: None }
    }

    /// A write's outcome, failed when it has waited for the client too long.
    fn waited<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let patience = self.patience;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(patience)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client has not read its answer within the client timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Patient {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Patient {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.tcp).poll_write(cx, buf);
        this.waited(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs);
        this.waited(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.tcp).poll_flush(cx);
        this.waited(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let linger = this.linger.get_or_insert_with(|| Linger {
            deadline: Box::pin(tokio::time::sleep(LINGER_TIME)),
            sent_fin: false,
            discarded: 0,
        });
        if !linger.sent_fin {
            if ready!(Pin::new(&mut this.tcp).poll_shutdown(cx)).is_err() {
                return Poll::Ready(Ok(()));
            }
            linger.sent_fin = true;
        }
        let mut scratch = [0u8; 8192];
        while linger.discarded < LINGER_BYTES {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.tcp).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if !buf.filled().is_empty() => linger.discarded += buf.filled().len(),
                // The client closed its side (or the connection broke): done.
                Poll::Ready(_) => return Poll::Ready(Ok(())),
                Poll::Pending => return linger.deadline.as_mut().poll(cx).map(Ok),
            }
        }
        Poll::Ready(Ok(()))
    }
}

fn page(media_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, media_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let mut m = message.into();
    m.push('\n');
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], m).into_response()
}

fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

/// Decoded `application/x-www-form-urlencoded` pairs.
fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

/// `+` is a space in form encoding; the rest is percent-encoding.
fn url_decode(s: &str) -> String {
    crate::rdf::iri_unescape(&s.replace('+', " "))
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The media types of an Accept header, best first (by q, then order).
fn accepted(headers: &HeaderMap) -> Vec<String> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return Vec::new() };
    let mut items: Vec<(f32, usize, String)> = accept
        .split(',')
        .enumerate()
        .map(|(i, item)| {
            let mut parts = item.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q, i, media)
        })
        .filter(|(q, _, _)| *q > 0.0)
        .collect();
    items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    items.into_iter().map(|(_, _, m)| m).collect()
}

/// The results format for a query form: `format=` first, then the Accept header.
fn negotiate(form: Form, accept: &[String], format_param: Option<&str>) -> ResultFormat {
    let by_name = |n: &str| match n {
        "json" => Some(if form == Form::Construct { ResultFormat::JsonLd } else { ResultFormat::Json }),
        "xml" => Some(if form == Form::Construct { ResultFormat::RdfXml } else { ResultFormat::Xml }),
        "csv" => Some(ResultFormat::Csv),
        "tsv" => Some(ResultFormat::Tsv),
        "turtle" | "ttl" => Some(ResultFormat::Turtle),
        "ntriples" | "nt" => Some(ResultFormat::NTriples),
        "jsonld" => Some(ResultFormat::JsonLd),
        "rdfxml" => Some(ResultFormat::RdfXml),
        _ => None,
    };
    if let Some(f) = format_param.and_then(by_name) {
        return f;
    }
    for media in accept {
        let f = match (form, media.as_str()) {
            (Form::Construct, "text/turtle" | "application/x-turtle") => ResultFormat::Turtle,
            (Form::Construct, "application/n-triples" | "text/plain") => ResultFormat::NTriples,
            (Form::Construct, "application/ld+json" | "application/json") => ResultFormat::JsonLd,
            (Form::Construct, "application/rdf+xml" | "application/xml") => ResultFormat::RdfXml,
            (Form::Construct, _) => continue,
            (_, "application/sparql-results+json" | "application/json") => ResultFormat::Json,
            (_, "application/sparql-results+xml" | "application/xml" | "text/xml") => ResultFormat::Xml,
            (_, "text/csv") => ResultFormat::Csv,
            (_, "text/tab-separated-values") => ResultFormat::Tsv,
            _ => continue,
        };
        return f;
    }
    if form == Form::Construct {
        ResultFormat::Turtle
    } else {
        ResultFormat::Json
    }
}

fn query_error(e: QueryError, timeout: Duration) -> Response {
    match e {
        QueryError::Syntax(_) | QueryError::TooLarge(_) | QueryError::Unsupported(_) => {
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
        QueryError::Service(_) => error(StatusCode::FORBIDDEN, e.to_string()),
        QueryError::Cancelled => error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the query was stopped after {} s, the server's time limit (--timeout): add a LIMIT or narrow it",
                timeout.as_secs_f64()
            ),
        ),
        QueryError::Evaluation(_) | QueryError::Output(_) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Cancels its token when dropped: when the answer is sent, or when the client went away
/// and the handler was dropped with the evaluation still running.
struct CancelOnDrop(CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// 503 for work that found no free slot in time.
fn busy(timeout: Duration) -> Response {
    let mut r = error(
        StatusCode::SERVICE_UNAVAILABLE,
        format!(
            "the server is busy: no slot came free within {} s, the server's time limit (--timeout); try again",
            timeout.as_secs_f64()
        ),
    );
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

/// One of `slots`, waited for until `deadline` (then 503). Blocking work keeps its slot
/// until it really ends, so the slots bound the CPU the server spends.
async fn slot(
    state: &AppState,
    slots: &Arc<Semaphore>,
    deadline: tokio::time::Instant,
) -> Result<OwnedSemaphorePermit, Response> {
    match tokio::time::timeout_at(deadline, slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(error(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down")),
        Err(_) => Err(busy(state.config.timeout)),
    }
}

/// Runs heavy blocking work (a graph layout, a dump) in a slot.
async fn heavy<T: Send + 'static>(state: &AppState, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Response> {
    let permit = slot(state, &state.work, tokio::time::Instant::now() + state.config.timeout).await?;
    let release = state.config.release_memory;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let done = work();
        release.inspect(|f| f());
        done
    })
    .await
    .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, format!("the work failed: {e}")))
}

async fn run_query(state: Arc<AppState>, text: String, accept: Vec<String>, format_param: Option<String>) -> Response {
    let token = CancellationToken::new();
    let _cancel = CancelOnDrop(token.clone());
    let limits = Limits { cancel: Some(token.clone()), max_rows: Some(state.config.max_rows) };
    let timeout = state.config.timeout;
    // The time limit covers waiting for a slot as well: it is the longest a client waits.
    let deadline = tokio::time::Instant::now() + timeout;
    let permit = match slot(&state, &state.queries, deadline).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let st = state.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let answer = query::prepare(&st.store, &text, &limits).and_then(|prepared| {
            let mut body = Vec::new();
            let chosen =
                prepared.write(&|form| negotiate(form, &accept, format_param.as_deref()), &limits, &mut body)?;
            Ok((chosen, body))
        });
        st.config.release_memory.inspect(|f| f());
        answer
    });
    match tokio::time::timeout_at(deadline, task).await {
        Err(_) => {
            token.cancel();
            query_error(QueryError::Cancelled, timeout)
        }
        Ok(Err(join)) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("the query failed: {join}")),
        Ok(Ok(Err(e))) => query_error(e, timeout),
        Ok(Ok(Ok((format, body)))) => ([(header::CONTENT_TYPE, format.media_type())], body).into_response(),
    }
}

/// The request body, read within the client timeout and the size limit: 413 for a body
/// larger than `--max-body` (at once when its Content-Length says so, else when the limit
/// is reached: nothing more is read or kept), 408 for a body that does not arrive in time.
async fn read_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let limit = state.config.max_body;
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes, the server's limit (--max-body)"),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(state.config.client_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                if s.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                source = s.source();
            }
            Err(error(StatusCode::BAD_REQUEST, format!("cannot read the request body: {e}")))
        }
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s, the server's limit (--client-timeout)",
                state.config.client_timeout.as_secs_f64()
            ),
        )),
    }
}

/// Checks the bearer token of a write; the error response when it is refused.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(expected) = &state.config.token else {
        return Err(error(
            StatusCode::FORBIDDEN,
            "this server is read-only: start it with --writable --token T to allow updates",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare without stopping at the first difference.
    let same = given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        Ok(())
    } else {
        let mut r = error(StatusCode::UNAUTHORIZED, "updates need the header Authorization: Bearer <token>");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"newskg\""));
        Err(r)
    }
}

async fn run_update(state: Arc<AppState>, headers: &HeaderMap, text: String) -> Response {
    if let Err(r) = authorize(&state, headers) {
        return r;
    }
    let st = state.clone();
    match tokio::task::spawn_blocking(move || query::update(&st.store, &text)).await {
        Ok(Ok(())) => {
            forget_records(&state);
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(Err(e @ QueryError::Syntax(_))) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("the update failed: {e}")),
    }
}

fn refuse_dataset(pairs: &[(String, String)]) -> Option<Response> {
    pairs.iter().any(|(k, _)| k == "default-graph-uri" || k == "named-graph-uri").then(|| {
        error(
            StatusCode::BAD_REQUEST,
            "default-graph-uri and named-graph-uri are not supported: use FROM / FROM NAMED or GRAPH in the query (the default graph is the union of all graphs)",
        )
    })
}

async fn sparql_get(State(state): State<Arc<AppState>>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let pairs = form_pairs(q.as_deref().unwrap_or(""));
    if let Some(r) = refuse_dataset(&pairs) {
        return r;
    }
    let Some(text) = param(&pairs, "query") else {
        return error(StatusCode::BAD_REQUEST, "give the query as ?query=… (URL-encoded), or POST it");
    };
    run_query(state.clone(), text.to_string(), accepted(&headers), param(&pairs, "format").map(String::from)).await
}

async fn sparql_post(
    State(state): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let url_pairs = form_pairs(q.as_deref().unwrap_or(""));
    let content_type = media_type(&headers);
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return error(StatusCode::BAD_REQUEST, "the request body is not UTF-8");
    };
    let format = param(&url_pairs, "format").map(String::from);
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let pairs = form_pairs(&text);
            if let Some(r) = refuse_dataset(&pairs) {
                return r;
            }
            if let Some(u) = param(&pairs, "update") {
                return run_update(state, &headers, u.to_string()).await;
            }
            let Some(query) = param(&pairs, "query") else {
                return error(StatusCode::BAD_REQUEST, "the form has neither query= nor update=");
            };
            let format = format.or_else(|| param(&pairs, "format").map(String::from));
            run_query(state, query.to_string(), accepted(&headers), format).await
        }
        "application/sparql-query" => run_query(state, text, accepted(&headers), format).await,
        "application/sparql-update" => run_update(state, &headers, text).await,
        other => error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("cannot take a {other:?} body: send application/sparql-query, application/sparql-update or a form (application/x-www-form-urlencoded)"),
        ),
    }
}

/// `?graph=IRI` → Some(Some(iri)), `?default` → Some(None), neither → None.
fn graph_param(pairs: &[(String, String)]) -> Result<Option<Option<String>>, Response> {
    match (param(pairs, "graph"), pairs.iter().any(|(k, _)| k == "default")) {
        (Some(_), true) => Err(error(StatusCode::BAD_REQUEST, "give ?graph=IRI or ?default, not both")),
        (Some(g), false) => Ok(Some(Some(g.to_string()))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}

async fn store_get(State(state): State<Arc<AppState>>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let pairs = form_pairs(q.as_deref().unwrap_or(""));
    let target = match graph_param(&pairs) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let accept = accepted(&headers);
    let dataset = target.is_none();
    let syntax = accept
        .iter()
        .find_map(|m| match m.as_str() {
            "text/turtle" if !dataset => Some(Syntax::Turtle),
            "application/n-triples" if !dataset => Some(Syntax::NTriples),
            "application/rdf+xml" if !dataset => Some(Syntax::RdfXml),
            "application/ld+json" => Some(Syntax::JsonLd),
            "application/n-quads" if dataset => Some(Syntax::NQuads),
            "application/trig" if dataset => Some(Syntax::TriG),
            _ => None,
        })
        .unwrap_or(if dataset { Syntax::TriG } else { Syntax::Turtle });
    let media = match syntax {
        Syntax::Turtle => "text/turtle; charset=utf-8",
        Syntax::NTriples => "application/n-triples",
        Syntax::NQuads => "application/n-quads",
        Syntax::TriG => "application/trig",
        Syntax::RdfXml => "application/rdf+xml",
        Syntax::JsonLd => "application/ld+json",
    };
    let st = state.clone();
    let result = heavy(&state, move || {
        let mut body = Vec::new();
        match &target {
            Some(Some(g)) => {
                if !st.store.has_graph(g)? {
                    return Ok(None);
                }
                st.store.dump(syntax, Some(g), &mut body)?;
            }
            Some(None) => st.store.dump_default_graph(syntax, &mut body)?,
            None => st.store.dump(syntax, None, &mut body)?,
        }
        Ok::<_, crate::store::StoreError>(Some(body))
    })
    .await;
    match result {
        Ok(Ok(Some(body))) => ([(header::CONTENT_TYPE, media)], body).into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, "no such graph in the store"),
        Ok(Err(e)) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(r) => r,
    }
}

async fn store_write(
    state: Arc<AppState>,
    q: Option<String>,
    headers: HeaderMap,
    body: Body,
    replace: bool,
) -> Response {
    let target = match write_target(&state, q.as_deref(), &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let body = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let media = media_type(&headers);
    let st = state.clone();
    let existed = target.as_deref().map(|g| st.store.has_graph(g).unwrap_or(false)).unwrap_or(true);
    let result =
        tokio::task::spawn_blocking(move || st.store.write_graph(target.as_deref(), &media, &body, replace)).await;
    forget_records(&state);
    match result {
        Ok(Ok(())) if existed => StatusCode::NO_CONTENT.into_response(),
        Ok(Ok(())) => StatusCode::CREATED.into_response(),
        Ok(Err(e)) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The graph a Graph Store write names, once its bearer token is checked.
fn write_target(state: &AppState, q: Option<&str>, headers: &HeaderMap) -> Result<Option<String>, Response> {
    authorize(state, headers)?;
    match graph_param(&form_pairs(q.unwrap_or("")))? {
        Some(t) => Ok(t),
        None => Err(error(StatusCode::BAD_REQUEST, "give ?graph=IRI or ?default")),
    }
}

/// The request's media type, without parameters, lowercase.
fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

async fn store_put(
    State(state): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    store_write(state, q, headers, body, true).await
}

async fn store_post(
    State(state): State<Arc<AppState>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    store_write(state, q, headers, body, false).await
}

async fn store_delete(State(state): State<Arc<AppState>>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let target = match write_target(&state, q.as_deref(), &headers) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let st = state.clone();
    let result = tokio::task::spawn_blocking(move || st.store.remove_graph(target.as_deref())).await;
    forget_records(&state);
    match result {
        Ok(Ok(true)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Ok(false)) => error(StatusCode::NOT_FOUND, "no such graph in the store"),
        Ok(Err(e)) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// The store's records, read once and kept until a write.
/// Only one request reads them; the others wait for its result (within the time limit).
async fn records(state: &Arc<AppState>) -> Result<Arc<GraphRecords>, Response> {
    let cached = || state.records.read().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(r) = cached() {
        return Ok(r);
    }
    let Ok(_reading) = tokio::time::timeout(state.config.timeout, state.reading_records.lock()).await else {
        return Err(busy(state.config.timeout));
    };
    if let Some(r) = cached() {
        return Ok(r);
    }
    let generation = state.writes.load(Ordering::SeqCst);
    let st = state.clone();
    match heavy(state, move || st.store.graph_records()).await? {
        Ok(r) => {
            let r = Arc::new(r);
            let mut slot = state.records.write().unwrap_or_else(|e| e.into_inner());
            // A write while they were read makes them stale: serve them this once only.
            if state.writes.load(Ordering::SeqCst) == generation {
                *slot = Some(r.clone());
            }
            Ok(r)
        }
        Err(e) => Err(json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

/// After a write: the records are read again when next needed.
fn forget_records(state: &AppState) {
    state.writes.fetch_add(1, Ordering::SeqCst);
    *state.records.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// The export filters from query parameters (lists comma-separated or repeated).
fn filter_from(pairs: &[(String, String)]) -> Result<Filter, String> {
    let list = |name: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| {
                v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>()
            })
            .collect()
    };
    let flag = |name: &str| param(pairs, name).is_some_and(|v| matches!(v, "" | "1" | "true" | "yes" | "on"));
    let nonempty = |name: &str| param(pairs, name).filter(|v| !v.is_empty()).map(String::from);
    let min_confidence = match nonempty("min_confidence") {
        Some(v) => v.parse::<f64>().map_err(|_| format!("min_confidence={v:?}: give a number from 0 to 1"))?,
        None => 0.0,
    };
    let depth = match nonempty("depth") {
        Some(v) => v.parse::<usize>().map_err(|_| format!("depth={v:?}: give a whole number"))?,
        None => 1,
    };
    let aggregate = match nonempty("aggregate").as_deref() {
        None | Some("none") => Aggregate::None,
        Some("state") => Aggregate::State,
        Some(v) => return Err(format!("aggregate={v:?}: the choices are state and none")),
    };
    Ok(Filter {
        predicates: list("predicate"),
        types: list("type"),
        articles: list("article"),
        since: nonempty("since"),
        until: nonempty("until"),
        min_confidence,
        include_negated: flag("include_negated"),
        entity: nonempty("entity"),
        depth,
        aggregate,
        isolated: flag("isolated"),
    })
}

async fn api_graph(State(state): State<Arc<AppState>>, RawQuery(q): RawQuery) -> Response {
    let pairs = form_pairs(q.as_deref().unwrap_or(""));
    let filter = match filter_from(&pairs) {
        Ok(f) => f,
        Err(m) => return json_error(StatusCode::BAD_REQUEST, m),
    };
    let records = match records(&state).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let st = state.clone();
    let built = heavy(&state, move || {
        let g = graph::project(&records, &filter, &st.affiliations)?;
        Ok::<_, graph::FilterError>(export::cytoscape_value(&Drawing::new(&g)))
    })
    .await;
    match built {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        Ok(Err(e)) => json_error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(r) => r,
    }
}

async fn api_entity(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    let records = match records(&state).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(e) = records.entities.iter().find(|e| e.id == id) else {
        return json_error(StatusCode::NOT_FOUND, format!("no entity {id:?} in the store"));
    };
    let labels: std::collections::HashMap<&str, &str> =
        records.entities.iter().map(|e| (e.id.as_str(), e.label.as_str())).collect();
    let relation_labels: std::collections::HashMap<&str, &str> =
        records.predicates.iter().filter_map(|p| Some((p.name.as_str(), p.label.as_deref()?))).collect();
    let label_of = |x: &str| labels.get(x).copied().unwrap_or(x).to_string();
    let mut relations: Vec<Value> = Vec::new();
    let mut articles = std::collections::BTreeSet::new();
    for a in records.assertions.iter().filter(|a| a.subject == id || a.object == id) {
        let art = &records.articles[a.article];
        articles.insert(a.article);
        relations.push(json!({
            "subject": a.subject, "subject_label": label_of(&a.subject),
            "predicate": a.predicate, "relation": relation_labels.get(a.predicate.as_str()).copied().unwrap_or(&a.predicate),
            "object": a.object, "object_label": label_of(&a.object),
            "negated": a.negated, "asserted": a.asserted, "confidence": a.confidence,
            "evidence": a.evidence, "sentence": a.sentence,
            "article": {"id": art.id, "title": art.title, "date": art.date, "source": art.source},
        }));
    }
    let articles: Vec<Value> = articles
        .into_iter()
        .map(|i| {
            let a = &records.articles[i];
            json!({"id": a.id, "title": a.title, "date": a.date, "source": a.source})
        })
        .collect();
    axum::Json(json!({
        "entity": {"id": e.id, "label": e.label, "type": e.kind, "wikidata": e.wikidata, "iso3166": e.iso3166, "articles": e.articles},
        "relations": relations,
        "articles": articles,
    }))
    .into_response()
}

async fn api_meta(State(state): State<Arc<AppState>>) -> Response {
    let records = match records(&state).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let used: std::collections::BTreeSet<&str> = records.assertions.iter().map(|a| a.predicate.as_str()).collect();
    let predicates: Vec<Value> = records
        .predicates
        .iter()
        .filter(|p| used.contains(p.name.as_str()))
        .map(|p| json!({"name": p.name, "label": p.label, "quad_class": p.quad_class, "color": export::style::edge_color(p.quad_class.as_deref())}))
        .collect();
    let kinds: std::collections::BTreeSet<&str> = records.entities.iter().map(|e| e.kind.as_str()).collect();
    let types: Vec<Value> = kinds
        .into_iter()
        .map(|k| json!({"name": k, "label": export::style::kind_name(k), "color": export::style::node_color(k)}))
        .collect();
    let dates: Vec<&str> = records.articles.iter().filter_map(|a| a.date.as_deref()).collect();
    let examples: Vec<Value> = EXAMPLE_QUERIES.iter().map(|(n, t)| json!({"name": n, "query": t})).collect();
    axum::Json(json!({
        "articles": records.articles.len(),
        "entities": records.entities.len(),
        "assertions": records.assertions.len(),
        "predicates": predicates,
        "types": types,
        "first_date": dates.iter().min(),
        "last_date": dates.iter().max(),
        "examples": examples,
        "writable": state.config.token.is_some(),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_urls_decode() {
        assert_eq!(
            form_pairs("query=SELECT+%3Fs%20WHERE&format=csv&default"),
            [
                ("query".into(), "SELECT ?s WHERE".into()),
                ("format".into(), "csv".into()),
                ("default".into(), String::new())
            ]
        );
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%E2%9C%93"), "✓");
    }

    #[test]
    fn negotiation_follows_accept_and_form() {
        let acc = |s: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_str(s).unwrap());
            accepted(&h)
        };
        assert_eq!(
            negotiate(Form::Select, &acc("text/csv;q=0.5, application/sparql-results+xml"), None),
            ResultFormat::Xml
        );
        assert_eq!(negotiate(Form::Select, &acc("*/*"), None), ResultFormat::Json);
        assert_eq!(negotiate(Form::Construct, &acc("application/n-triples"), None), ResultFormat::NTriples);
        assert_eq!(negotiate(Form::Construct, &acc("application/sparql-results+json"), None), ResultFormat::Turtle);
        assert_eq!(negotiate(Form::Ask, &[], Some("tsv")), ResultFormat::Tsv);
    }

    #[test]
    fn filters_from_parameters() {
        let f = filter_from(&form_pairs(
            "predicate=recognizes,attacks&predicate=controls&include_negated=true&depth=2&entity=russia",
        ))
        .unwrap();
        assert_eq!(f.predicates, ["recognizes", "attacks", "controls"]);
        assert!(f.include_negated && f.depth == 2 && f.entity.as_deref() == Some("russia"));
        assert!(filter_from(&form_pairs("min_confidence=high")).is_err());
        assert!(filter_from(&form_pairs("aggregate=region")).is_err());
    }
}
