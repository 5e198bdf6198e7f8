#!/usr/bin/env python3
"""Writes the search benchmark KB: the repository's kb/ (kinds, templates, shared signatures),
N generated rules with one signature each and inline tests, and M past cases in kb/cases/.
Deterministic for a given seed.

usage: benches/gen_search_kb.py OUT [--rules 500] [--cases 10000] [--seed 7]
"""
import argparse
import json
import os
import random
import shutil

WORDS = """agent controller enforcer scanner consul raft leader election snapshot policy admission
webhook audit queue flush cache lock session token certificate rotation tls handshake timeout
connection refused reset peer cluster member join leave heartbeat grpc stream message limit
memory pressure eviction restart crash panic goroutine deadlock kernel netns epoll socket runtime
containerd docker image pull registry manifest layer database update federation managed master
sync watcher informer lease quota storage volume mount probe liveness readiness dns resolve""".split()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ident(rng, camel):
    parts = rng.sample(WORDS, rng.randint(2, 4))
    if camel:
        return "".join(p.capitalize() for p in parts)
    return "_".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rules", type=int, default=500)
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = a.out
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(os.path.join(ROOT, "kb"), os.path.join(out, "kb"),
                    ignore=shutil.ignore_patterns("kb.lock.json", "changelog.json", "cases"))
    os.makedirs(os.path.join(out, "rules", "bench"))
    os.makedirs(os.path.join(out, "runbooks"))
    os.makedirs(os.path.join(out, "kb", "cases"))
    rules = []
    for i in range(a.rules):
        words = rng.sample(WORDS, 4)
        key = ident(rng, i % 2 == 0)
        literal = f"{words[0]} {words[1]} {key}"
        rid = f"bench.{words[0]}.{words[1]}-{i:03d}"
        line = f"2025-01-01T00:00:00Z [ERROR] {words[2]}: {literal} failed id=42"
        rules.append((rid, literal, key, words))
        with open(os.path.join(out, "rules", "bench", f"r{i:03d}.yaml"), "w") as f:
            f.write(f"""id: {rid}
title: {words[0].capitalize()} {words[1]} {words[2]} failure {i}
status: test
severity: {rng.choice(['low', 'medium', 'high', 'critical'])}
description: >
  The {words[0]} reports {words[1]} trouble while {words[2]} waits on {words[3]} ({key}).
tags: [bench, {words[0]}]
signatures:
  - id: s
    description: {words[0]} {words[1]} failed
    regex: '{literal} failed id=(?P<id>\\d+)'
    min_count: 1
tests:
  - name: fires
    expect: match
    files:
      app.log: |
        {line}
  - name: silent
    expect: no_match
    files:
      app.log: |
        2025-01-01T00:00:00Z [INFO] all good
""")
    for c in range(a.cases):
        fired = rng.sample(rules, rng.randint(1, 4))
        cid = f"BENCH-{c:05d}"
        rec = {
            "id": cid,
            "date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "title": f"{fired[0][3][0].capitalize()} {fired[0][3][1]} trouble",
            "kb": {"name": "casebook-bench", "version": "1.0.0"},
            "products": {"NeuVector version": f"v5.{rng.randint(0, 4)}.{rng.randint(0, 9)}"},
            "findings": [{"rule": r[0], "severity": "high", "title": r[1], "params": {"count": rng.randint(1, 999)}}
                         for r in fired],
            "signatures": {f"{r[0]}/s": rng.randint(1, 5000) for r in fired},
            "templates": [{"template": f"{r[1]} failed id=<*>", "count": rng.randint(1, 5000)} for r in fired],
            "resolution": f"restarted the {rng.choice(WORDS)} and raised the {rng.choice(WORDS)} limit",
        }
        with open(os.path.join(out, "kb", "cases", f"{cid}.json"), "w") as f:
            json.dump(rec, f, indent=2)
    print(f"{out}: {a.rules} rules, {a.cases} cases")


if __name__ == "__main__":
    main()
