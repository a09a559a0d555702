"""Talks to a running `newskg serve` as SPARQL clients do (SPARQLWrapper and plain HTTP
with urllib), checks every answer, and prints a JSON summary of what it checked.

Usage: python3 sparql_protocol.py BASE_URL ARTICLE_GRAPH_IRI EXPECTED_GRAPH_TRIPLES
"""

import csv
import io
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import rdflib
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

base, graph_iri, graph_triples = sys.argv[1], sys.argv[2], int(sys.argv[3])
endpoint = base + "sparql"
checks = []

RECOGNIZES = "SELECT ?s ?o WHERE { ?s nkg:recognizes ?o }"
RUSSIA = "https://w3id.org/newskg/entity/russia"
TALIBAN = "https://w3id.org/newskg/entity/taliban"


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


# SELECT in the four result formats, through SPARQLWrapper (GET and POST).
for fmt, method in [(JSON, "GET"), (XML, "POST"), (CSV, "GET"), (TSV, "POST")]:
    w = SPARQLWrapper(endpoint)
    w.setQuery(RECOGNIZES)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    res = w.query()
    data = res.convert()
    if fmt == JSON:
        rows = [(b["s"]["value"], b["o"]["value"]) for b in data["results"]["bindings"]]
    elif fmt == XML:
        # SPARQLWrapper gives the XML results as a DOM document.
        rows = [
            tuple(n.getElementsByTagName("uri")[0].firstChild.data for n in r.getElementsByTagName("binding"))
            for r in data.getElementsByTagName("result")
        ]
    elif fmt == CSV:
        rows = [tuple(r) for r in list(csv.reader(io.StringIO(data.decode())))[1:]]
    else:
        lines = data.decode().strip().split("\n")[1:]
        rows = [tuple(c.strip("<>") for c in l.split("\t")) for l in lines]
    assert rows == [(RUSSIA, TALIBAN)], (fmt, method, rows)
    checks.append(f"SELECT as {fmt} over {method}")

# ASK and CONSTRUCT.
w = SPARQLWrapper(endpoint)
w.setQuery("ASK { ent:russia nkg:recognizes ent:taliban }")
w.setReturnFormat(JSON)
assert w.query().convert()["boolean"] is True
checks.append("ASK as JSON")
for accept, fmt in [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
    q = urllib.parse.urlencode({"query": "CONSTRUCT { ?s nkg:recognizes ?o } WHERE { ?s nkg:recognizes ?o }"})
    status, ctype, body = http("GET", "sparql?" + q, headers={"Accept": accept})
    assert status == 200 and ctype.startswith(accept), (status, ctype)
    g = rdflib.Graph().parse(data=body, format=fmt)
    assert (rdflib.URIRef(RUSSIA), rdflib.URIRef("https://w3id.org/newskg/ontology#recognizes"), rdflib.URIRef(TALIBAN)) in g
    checks.append(f"CONSTRUCT as {accept}, read by rdflib")

# POST form and application/sparql-query.
status, ctype, body = http("POST", "sparql", urllib.parse.urlencode({"query": RECOGNIZES}).encode(), {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
assert status == 200 and b"russia" in body, (status, body)
status, ctype, body = http("POST", "sparql", RECOGNIZES.encode(), {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
assert status == 200 and json.loads(body)["results"]["bindings"], body
checks.append("POST form and application/sparql-query")

# Errors.
status, _, body = http("GET", "sparql?" + urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s ?p "}))
assert status == 400 and b"does not parse" in body, (status, body)
checks.append("malformed query: 400 with the parser's message: " + body.decode().strip())
status, _, body = http("POST", "sparql", b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", {"Content-Type": "application/sparql-update"})
assert status in (401, 403), (status, body)
checks.append(f"update on a read-only server: {status}")
status, _, body = http("GET", "sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}))
assert status == 403 and b"SERVICE" in body, (status, body)
checks.append("SERVICE refused: 403")
status, _, body = http("POST", "sparql", b"x", {"Content-Type": "text/plain"})
assert status == 415, status
checks.append("unknown body type: 415")

# Graph Store Protocol reads.
status, ctype, body = http("GET", "store?" + urllib.parse.urlencode({"graph": graph_iri}), headers={"Accept": "text/turtle"})
assert status == 200, status
g = rdflib.Graph().parse(data=body, format="turtle")
assert len(g) == graph_triples, (len(g), graph_triples)
checks.append(f"GSP GET ?graph: {len(g)} triples, as in the store")
status, _, body = http("GET", "store?default", headers={"Accept": "application/n-triples"})
assert status == 200, status
status, _, _ = http("GET", "store?" + urllib.parse.urlencode({"graph": "https://example.org/none"}))
assert status == 404, status
status, ctype, body = http("GET", "store", headers={"Accept": "application/n-quads"})
assert status == 200 and ctype.startswith("application/n-quads")
ds = rdflib.Dataset().parse(data=body, format="nquads")
checks.append("GSP ?default, missing graph 404, whole dataset as N-Quads")

# The JSON API.
status, _, body = http("GET", "api/graph?predicate=recognizes")
doc = json.loads(body)
assert [(e["data"]["source"], e["data"]["target"]) for e in doc["elements"]["edges"]] == [("russia", "taliban")]
status, _, body = http("GET", "api/graph?predicate=recognises")
assert status == 400 and "recognizes" in json.loads(body)["error"], body
status, _, body = http("GET", "api/entity/russia")
ent = json.loads(body)
assert ent["entity"]["label"] == "Russia" and any(r["predicate"] == "recognizes" for r in ent["relations"])
assert all(r["evidence"] and r["article"]["id"] for r in ent["relations"])
status, _, _ = http("GET", "api/entity/atlantis")
assert status == 404
checks.append("api/graph with filters, bad filter 400, api/entity with evidence, unknown entity 404")

# No files outside the embedded ones.
for path in ["../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "app.js/../../Cargo.toml", "assets/index.html"]:
    status, _, body = http("GET", path)
    assert status == 404 and b"root:" not in body, (path, status)
checks.append("no path traversal")

print(json.dumps({"checks": checks}, indent=1))
