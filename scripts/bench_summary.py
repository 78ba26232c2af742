#!/usr/bin/env python3
"""Compact table of `sparrow bench kernels --json` files: one line per (shape, batch, residency, format),
one column per file (e.g. before / after), each cell vs_dense[/vs_best when a peer ran].
Usage: scripts/bench_summary.py LABEL=FILE.jsonl [LABEL=FILE.jsonl ...]"""
import json, sys
from collections import OrderedDict

cols, rows = [], OrderedDict()
for arg in sys.argv[1:]:
    label, path = arg.split("=", 1)
    cols.append(label)
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        key = (r["shape"], r["batch"], r["residency"], r["format"])
        cell = "%.2f" % r["ratio_vs_dense"]
        if r.get("ratio_vs_ort") is not None:
            cell += "/%.2f" % r.get("ratio_vs_best", min(r["ratio_vs_dense"], r["ratio_vs_ort"]))
        if r["kind"] == "dense" or r["kind"] == "peer":
            cell += " (%.0fus)" % r["median_us"]
        rows.setdefault(key, {})[label] = cell
print("%-10s %5s %-9s %-22s " % ("shape", "batch", "weights", "format") + " ".join("%-18s" % c for c in cols))
for (shape, batch, res, fmt), cells in rows.items():
    print("%-10s %5d %-9s %-22s " % (shape, batch, res, fmt) + " ".join("%-18s" % cells.get(c, "-") for c in cols))
