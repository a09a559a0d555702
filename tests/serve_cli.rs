//! Starts `newskg serve` on loopback and talks to it as its users do: SPARQL clients
//! (tests/readers/sparql_protocol.py: SPARQLWrapper, urllib, rdflib), a headless Chromium
//! (tests/readers/browser_explorer.py), and raw HTTP for the limits. Every server is
//! started with a self-stop deadline and killed when its test ends.

mod common;
use common::{ok, python, run, sample_store_in, tmpdir, Server};

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// One raw HTTP/1.1 request; (status, body).
fn http(server: &Server, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        server.addr(),
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let resp = String::from_utf8_lossy(&resp).into_owned();
    let status = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn sparql_protocol_graph_store_reads_and_api() {
    let dir = tmpdir("serve", "protocol");
    let store = sample_store_in(&dir);
    let graph = ok(run(&["query", "--store", &store, "--format", "csv", "SELECT ?g WHERE { ?g a nkg:Article }"]));
    let graph = graph.lines().nth(1).unwrap().trim().to_string();
    let triples = ok(run(&["dump", "--store", &store, "--format", "ntriples", "--graph", &graph])).lines().count();
    let server = Server::start(&store, &[]);
    let report = python("sparql_protocol.py", &[&server.url, &graph, &triples.to_string()]);
    for check in [
        "SELECT as csv",
        "CONSTRUCT as application/ld+json",
        "malformed query: 400",
        "SERVICE refused",
        "no path traversal",
    ] {
        assert!(report.contains(check), "{check} not checked:\n{report}");
    }
}

#[test]
fn the_explorer_works_in_a_real_browser() {
    let dir = tmpdir("serve", "browser");
    let store = sample_store_in(&dir);
    let server = Server::start(&store, &[]);
    let shot = dir.join("explorer.png");
    let report = python("browser_explorer.py", &[&server.url, shot.to_str().unwrap()]);
    assert!(report.contains("clicking Russia shows"), "{report}");
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    eprintln!("explorer screenshot: {} ({} bytes)", shot.display(), png.len());
}

#[test]
fn writes_need_the_writable_flag_and_the_token() {
    let dir = tmpdir("serve", "writes");
    let store = sample_store_in(&dir);
    let update = b"INSERT DATA { GRAPH <urn:test:g> { <urn:test:a> <urn:test:b> \"c\" } }";
    let sparql_update = [("Content-Type", "application/sparql-update")];
    {
        let ro = Server::start(&store, &[]);
        let (status, body) = http(&ro, "POST", "/sparql", &sparql_update, update);
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("read-only"), "{body}");
    }
    let rw = Server::start(&store, &["--writable", "--token", "s3cret"]);
    let (status, _) = http(&rw, "POST", "/sparql", &sparql_update, update);
    assert_eq!(status, 401);
    let (status, _) = http(&rw, "POST", "/sparql", &[sparql_update[0], ("Authorization", "Bearer wrong!")], update);
    assert_eq!(status, 401);
    let (status, body) = http(&rw, "POST", "/sparql", &[sparql_update[0], ("Authorization", "Bearer s3cret")], update);
    assert_eq!(status, 204, "{body}");
    let q = "/sparql?query=SELECT%20%3Fo%20WHERE%20%7B%20%3Curn%3Atest%3Aa%3E%20%3Fp%20%3Fo%20%7D";
    let (_, body) = http(&rw, "GET", q, &[("Accept", "text/csv")], b"");
    assert!(body.contains('c'), "the update is visible: {body}");
    // Graph Store writes.
    let turtle = [("Content-Type", "text/turtle"), ("Authorization", "Bearer s3cret")];
    let (status, _) = http(&rw, "PUT", "/store?graph=urn%3Atest%3Ah", &turtle, b"<urn:x> <urn:y> <urn:z> .");
    assert_eq!(status, 201);
    let (status, body) = http(&rw, "GET", "/store?graph=urn%3Atest%3Ah", &[("Accept", "application/n-triples")], b"");
    assert_eq!((status, body.trim()), (200, "<urn:x> <urn:y> <urn:z> ."));
    let (status, _) = http(
        &rw,
        "PUT",
        "/store?graph=urn%3Atest%3Ah",
        &[("Content-Type", "text/turtle")],
        b"<urn:x> <urn:y> <urn:w> .",
    );
    assert_eq!(status, 401, "a write without the token is refused");
    let (status, _) = http(&rw, "DELETE", "/store?graph=urn%3Atest%3Ah", &[("Authorization", "Bearer s3cret")], b"");
    assert_eq!(status, 204);
    let (status, _) = http(&rw, "GET", "/store?graph=urn%3Atest%3Ah", &[], b"");
    assert_eq!(status, 404);
}

#[test]
fn limits_time_rows_and_body_size() {
    let dir = tmpdir("serve", "limits");
    let store = sample_store_in(&dir);
    let server = Server::start(&store, &["--timeout", "0.5", "--max-rows", "3", "--max-body", "2000"]);
    // A cross product of the whole store three times: far more than half a second.
    let slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    let started = Instant::now();
    let (status, body) =
        http(&server, "POST", "/sparql", &[("Content-Type", "application/sparql-query")], slow.as_bytes());
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("stopped after 0.5 s"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(30), "the answer came when the limit struck");
    let (status, body) = http(
        &server,
        "POST",
        "/sparql",
        &[("Content-Type", "application/sparql-query")],
        b"SELECT * WHERE { ?s ?p ?o }",
    );
    assert_eq!(status, 400);
    assert!(body.contains("more than 3 rows"), "{body}");
    let big = format!("SELECT * WHERE {{ ?s ?p ?o }} # {}", "x".repeat(5000));
    let (status, _) = http(&server, "POST", "/sparql", &[("Content-Type", "application/sparql-query")], big.as_bytes());
    assert_eq!(status, 413);
    // Still serving after all that.
    let (status, _) = http(&server, "GET", "/sparql?query=ASK%7B%7D", &[], b"");
    assert_eq!(status, 200);
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let dir = tmpdir("serve", "sigint");
    let store = sample_store_in(&dir);
    let mut server = Server::start(&store, &[]);
    let (status, _) = http(&server, "GET", "/", &[], b"");
    assert_eq!(status, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status after Ctrl-C: {status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The store is intact and opens again.
    ok(run(&["validate", "--store", &store]));
}
