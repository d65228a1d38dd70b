#!/usr/bin/env python3
"""Turns an anchor query set (queries.py's JSON: terms, filters, project_id) into
`ctxstore search --batch` lines, so our engine runs exactly the anchors' queries.

  python3 Benchmarks/anchors/queries_to_batch.py queries.json --limit 50 [--unscoped-projects] > batch.jsonl

Our search is always project-scoped (Docs/FORMAT.md section 3); the anchors report both unscoped
and project-scoped figures, so compare with their scoped ones where they differ.
"""
import argparse
import json

ap = argparse.ArgumentParser()
ap.add_argument("queries")
ap.add_argument("--limit", type=int, default=50)
a = ap.parse_args()
with open(a.queries, encoding="utf-8") as f:
    qs = json.load(f)["queries"]
for q in qs:
    filters = {}
    for k, v in q["filters"].items():
        if k == "tag":
            filters["tags"] = [v]
        else:
            filters[k] = v
    print(json.dumps({"project": q["project_id"], "query": " ".join(q["terms"]), "filters": filters,
                      "limit": a.limit, "order": "relevance"}, ensure_ascii=False))
