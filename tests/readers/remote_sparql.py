"""Asks a SPARQL 1.1 endpoint (SPARQL Protocol over HTTP, with urllib only) or reads a
SPARQL JSON results file, and prints what it found as canonical JSON, so the Rust tests
can compare a remote store with newskg's local one.

Usage:
  python3 remote_sparql.py rows ENDPOINT QUERY_FILE    solutions of a SELECT, sorted
  python3 remote_sparql.py rows - RESULTS_JSON_FILE    the same, from a results file
  python3 remote_sparql.py sizes ENDPOINT              {graph IRI: triples} and the
                                                       default graph's size
"""

import json
import sys
import urllib.error
import urllib.request


def ask(endpoint, query):
    req = urllib.request.Request(
        endpoint,
        data=query.encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"{endpoint} answered {e.code}: {e.read().decode('utf-8', 'replace')}")


def term(t):
    """A binding as a comparable tuple; blank node labels are local to a store."""
    if t["type"] == "bnode":
        return ["bnode"]
    kind = "literal" if t["type"] in ("literal", "typed-literal") else t["type"]
    return [kind, t["value"], t.get("datatype", ""), t.get("xml:lang", "")]


def rows(results):
    variables = results["head"]["vars"]
    out = [[term(b[v]) if v in b else None for v in variables] for b in results["results"]["bindings"]]
    out.sort(key=lambda r: json.dumps(r, sort_keys=True))
    return {"vars": variables, "rows": out}


command = sys.argv[1]
if command == "rows":
    source, path = sys.argv[2], sys.argv[3]
    if source == "-":
        with open(path, encoding="utf-8") as f:
            results = json.load(f)
    else:
        with open(path, encoding="utf-8") as f:
            results = ask(source, f.read())
    print(json.dumps(rows(results), sort_keys=True))
elif command == "sizes":
    endpoint = sys.argv[2]
    named = ask(endpoint, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = {b["g"]["value"]: int(b["n"]["value"]) for b in named["results"]["bindings"]}
    # FROM <…default…> is not portable; the default graph is what a plain pattern sees
    # when the server does not merge graphs into it.
    default = ask(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    print(json.dumps({"graphs": sizes, "default": int(default["results"]["bindings"][0]["n"]["value"])}, sort_keys=True))
else:
    sys.exit(f"unknown command {command!r}")
