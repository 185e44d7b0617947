#!/usr/bin/env python3
"""Reads Google Benchmark JSON from the gcnops benchmarks and reports it.

    bench_report.py table operator_bench.json
        A markdown table of the operator benchmark (fused against cuSPARSE)
        and the geometric-mean speedups per operator and direction, with
        the targets they are held to.

Only the standard library is needed for tables.
"""

import argparse
import json
import math
import re
import sys
from collections import defaultdict

OPS = ["plain", "rescaled", "shifted", "energy", "energy_col",
       "mean_centered", "pairnorm"]
GRAPHS = ["cora", "pubmed", "citeseer", "rmat16", "rmat20", "rmat22",
          "rmat20-flat"]
# Geometric-mean speedup each operator is held to (plain: parity with the
# best cuSPARSE algorithm; global operators: 1.3x the unfused pipeline).
TARGETS = {"plain": 1.0, "energy": 1.3, "energy_col": 1.3,
           "mean_centered": 1.3, "pairnorm": 1.3}


def parse_args_of(name):
    """BM_x/op:3/bwd:1/graph:0/F:64/... -> {'op': 3, 'bwd': 1, ...}"""
    out = {}
    for part in name.split("/")[1:]:
        m = re.fullmatch(r"([A-Za-z_]+):(-?\d+)", part)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = []
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        args = parse_args_of(b["name"])
        rows.append({"name": b["name"], "args": args, "bench": b,
                     "error": b.get("error_message")})
    return data.get("context", {}), rows


def geomean(values):
    values = [v for v in values if v > 0 and math.isfinite(v)]
    if not values:
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def table(path):
    context, rows = load(path)
    print(f"# Operator throughput: fused gcnops against cuSPARSE\n")
    print(f"Source: `{path}`, {context.get('date', '?')}, "
          f"host {context.get('host_name', '?')}.\n")
    errors = [r for r in rows if r["error"]]
    ok = [r for r in rows if not r["error"]]
    if errors:
        print(f"{len(errors)} rows did not run; first reason: "
              f"{errors[0]['error']}\n")
    if not ok:
        return 1
    print("| graph | F | operator | dir | fused µs | cuSPARSE µs | speedup "
          "| GFLOP/s | GB/s | max rel diff |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|")
    by_op = defaultdict(list)
    key = lambda r: (r["args"].get("graph", 0), r["args"].get("F", 0),
                     r["args"].get("op", 0), r["args"].get("bwd", 0))
    for r in sorted(ok, key=key):
        a, b = r["args"], r["bench"]
        op = OPS[a["op"]]
        direction = "bwd" if a.get("bwd") else "fwd"
        graph = GRAPHS[a["graph"]] if a["graph"] < len(GRAPHS) else a["graph"]
        by_op[(op, direction)].append(b.get("speedup", float("nan")))
        diff = b.get("max_rel_diff")
        diff_text = f"{diff:.1e}" if diff is not None else "-"
        print(f"| {graph} | {a['F']} | {op} | {direction} "
              f"| {b.get('fused_us', float('nan')):.1f} "
              f"| {b.get('cusparse_us', float('nan')):.1f} "
              f"| {b.get('speedup', float('nan')):.2f} "
              f"| {b.get('GFLOP/s', float('nan')):.0f} "
              f"| {b.get('GB/s', float('nan')):.0f} | {diff_text} |")
    print("\n## Geometric-mean speedup over graphs x F\n")
    print("| operator | fwd | bwd | fwd+bwd | target | met |")
    print("|---|---:|---:|---:|---:|---|")
    for op in OPS:
        fwd = geomean(by_op.get((op, "fwd"), []))
        bwd = geomean(by_op.get((op, "bwd"), []))
        both = geomean(by_op.get((op, "fwd"), []) + by_op.get((op, "bwd"), []))
        target = TARGETS.get(op)
        met = "-" if target is None else ("yes" if both >= target else "NO")
        target_text = f"{target:.1f}x" if target else "-"
        print(f"| {op} | {fwd:.2f} | {bwd:.2f} | {both:.2f} | {target_text} "
              f"| {met} |")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("table", help="markdown table of operator_bench JSON")
    t.add_argument("json")
    args = parser.parse_args()
    if args.command == "table":
        return table(args.json)
    return 2


if __name__ == "__main__":
    sys.exit(main())
