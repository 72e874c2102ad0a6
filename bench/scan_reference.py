#!/usr/bin/env python3
"""The obvious Python scan for the gpt3-13gram rule, the yardstick of bench/scan.bench.js.

Same rule as `heldout scan`: lm-evaluation-harness janitor normalisation (A-Z -> a-z, delete
string.punctuation), str.split() tokens, word n-grams; a dict from every benchmark n-gram (a tuple of
tokens) to the items it occurs in; every corpus document tokenised and each of its n-grams looked up.

Usage: scan_reference.py ITEMS.jsonl N FIELD CORPUS.jsonl...
  ITEMS.jsonl: one {"source": label, "id": item id, "text": item text} per line (written by the bench, so that
  both sides look for exactly the same texts).
Prints one JSON object: timings, matched documents (file:line, 1-based) and contaminated items per source.
"""
import json
import os
import string
import sys
import time

TABLE = str.maketrans(string.ascii_uppercase, string.ascii_lowercase, string.punctuation)


def tokens(text):
    return text.translate(TABLE).split()


def main():
    items_file, n, field, *corpus = sys.argv[1:]
    n = int(n)
    t0 = time.perf_counter()
    index = {}
    items = []
    with open(items_file, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            k = len(items)
            items.append((item["source"], item["id"]))
            toks = tokens(item["text"])
            for i in range(len(toks) - n + 1):
                index.setdefault(tuple(toks[i : i + n]), set()).add(k)
    t1 = time.perf_counter()
    c1 = time.process_time()
    documents = []
    hit_items = set()
    total = 0
    common = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in corpus])
    for path in corpus:
        name = os.path.relpath(os.path.abspath(path), common)
        total += os.path.getsize(path)
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                text = json.loads(line).get(field)
                if not isinstance(text, str):
                    continue
                toks = tokens(text)
                found = False
                for i in range(len(toks) - n + 1):
                    hit = index.get(tuple(toks[i : i + n]))
                    if hit:
                        found = True
                        hit_items.update(hit)
                if found:
                    documents.append(f"{name}:{lineno}")
    t2 = time.perf_counter()
    c2 = time.process_time()
    per_source = {}
    for k in sorted(hit_items):
        per_source.setdefault(items[k][0], []).append(items[k][1])
    json.dump(
        {
            "bytes": total,
            "indexSeconds": t1 - t0,
            "scanSeconds": t2 - t1,
            "cpuSeconds": c2 - c1,
            "ngrams": len(index),
            "documents": documents,
            "contaminated": per_source,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
