#!/usr/bin/env python3
"""Reads the JSON written by the gcnops benchmarks and reports it.

    bench_report.py table operator_bench.json
        Prints a markdown table of the operator benchmark (fused kernels
        against the cuSPARSE pipeline) and the geometric-mean speedups per
        operator and direction, with the targets they are held to.

    bench_report.py report [--operator FILE] [--cpu FILE] [--train FILE]
                           [--energy FILE] [--out DIR] [--title TEXT]
                           [--no-plots]
        Writes DIR/report.md (DIR defaults to bench-report) and PNG plots
        beside it, from whichever inputs are given:
          --operator  Google Benchmark JSON of bench/operator_bench
                      -> throughput*.png (GFLOP/s against F per graph,
                         fused, cuSPARSE and CPU) and speedup.png
          --cpu       Google Benchmark JSON of bench/cpu_propagate_bench
                      -> a table, and CPU points in throughput*.png
          --train     Google Benchmark JSON of the BM_train_step rows of
                      bench/model_bench -> train_step.png (epochs/s against
                      depth, CPU and GPU panels) and a table with memory
          --energy    the --energy_out JSON of bench/model_bench
                      -> energy_depth<L>.png per depth (backward and
                         forward energy per layer at the first and last
                         step) and a table of E(dL/dH_1) / E(dL/dH_L)
        Google Benchmark writes JSON with --benchmark_out=FILE
        --benchmark_out_format=json. Rows that did not run (no GPU) are
        counted and their first reason quoted.

    bench_report.py selftest
        Runs `report` on tiny made-up inputs in a temporary folder and
        checks what it wrote; prints one line and exits 0 when all is well.

Tables need only the standard library. Plots need matplotlib; without it
`report` still writes the markdown and says how to get the plots. An input
that is missing or not the expected JSON stops the command with one line
naming the file (exit status 1).
"""

import argparse
import contextlib
import io
import json
import math
import os
import re
import sys
import tempfile
from collections import defaultdict

OPS = ["plain", "rescaled", "shifted", "energy", "energy_col",
       "mean_centered", "pairnorm"]
GRAPHS = ["cora", "pubmed", "citeseer", "rmat16", "rmat20", "rmat22",
          "rmat20-flat"]
CPU_GRAPHS = ["cora", "rmat14"]
# Geometric-mean speedup each operator is held to (plain: parity with the
# best cuSPARSE algorithm; global operators: 1.3x the unfused pipeline).
TARGETS = {"plain": 1.0, "energy": 1.3, "energy_col": 1.3,
           "mean_centered": 1.3, "pairnorm": 1.3}
# Benchmark inputs: the row families each holds, and what it should be.
BENCH_INPUTS = {
    "operator": (("BM_gpu_operator",), "the JSON of bench/operator_bench"),
    "cpu": (("BM_cpu_forward", "BM_cpu_backward"),
            "the JSON of bench/cpu_propagate_bench"),
    "train": (("BM_train_step",),
              "the JSON of bench/model_bench (BM_train_step rows)"),
}
ENERGY_KEYS = ["operator", "init", "depth", "step", "layer", "h", "grad_h",
               "grad_w"]
MS_PER_UNIT = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
NAN = float("nan")


class InputError(Exception):
    """An input file is missing or is not the JSON it should be."""


# --- Reading -------------------------------------------------------------

def parse_args_of(name):
    """BM_x/op:3/bwd:1/graph:0/F:64/... -> {'op': 3, 'bwd': 1, ...}"""
    out = {}
    for part in name.split("/")[1:]:
        m = re.fullmatch(r"([A-Za-z_]+):(-?\d+)", part)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def read_json(path, what):
    """The parsed JSON of `path`; InputError names the file otherwise."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (expected {what})")
    except OSError as e:
        raise InputError(f"{path}: cannot be read: {e.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not JSON ({e}); expected {what}")


def load_benchmarks(path, kind):
    """(context, rows) of the Google Benchmark JSON in `path`, keeping the
    iteration rows of the families BENCH_INPUTS[kind] names. Each row is
    {'family', 'name', 'args', 'bench', 'error'}."""
    families, what = BENCH_INPUTS[kind]
    data = read_json(path, what)
    if not isinstance(data, dict) or not isinstance(
            data.get("benchmarks"), list):
        raise InputError(f"{path}: no 'benchmarks' list; expected {what}")
    rows = []
    seen = set()
    for b in data["benchmarks"]:
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            raise InputError(f"{path}: a benchmark entry has no name; "
                             f"expected {what}")
        family = b["name"].split("/")[0]
        seen.add(family)
        if family not in families:
            continue
        if b.get("run_type", "iteration") != "iteration":
            continue
        rows.append({"family": family, "name": b["name"],
                     "args": parse_args_of(b["name"]), "bench": b,
                     "error": b.get("error_message")})
    if not rows:
        found = ", ".join(sorted(seen)) or "none"
        raise InputError(f"{path}: no {' or '.join(families)} rows (found: "
                         f"{found}); expected {what}")
    return data.get("context", {}), rows


def load_energy(path):
    """(dataset, steps, rows) of the --energy_out JSON of model_bench."""
    what = "the --energy_out JSON of bench/model_bench"
    data = read_json(path, what)
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise InputError(f"{path}: no 'rows' list; expected {what}")
    if not data["rows"]:
        raise InputError(f"{path}: 'rows' is empty; expected {what}")
    for i, row in enumerate(data["rows"]):
        missing = [k for k in ENERGY_KEYS
                   if not isinstance(row, dict) or k not in row]
        if missing:
            raise InputError(f"{path}: row {i} has no '{missing[0]}'; "
                             f"expected {what}")
        # Non-finite energies are written as null.
        for k in ("h", "grad_h", "grad_w"):
            if not isinstance(row[k], (int, float)):
                row[k] = NAN
    return data.get("dataset", "?"), data.get("steps"), data["rows"]


# --- Small helpers -------------------------------------------------------

def geomean(values):
    values = [v for v in values if v > 0 and math.isfinite(v)]
    if not values:
        return NAN
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fmt(value, spec):
    """`value` formatted with `spec`, or '-' when absent or not finite."""
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    return format(value, spec)


def name_of(index, names):
    return names[index] if 0 <= index < len(names) else str(index)


def arg(row, key):
    """The integer `key` of a benchmark row's name (0 when absent)."""
    return row["args"].get(key, 0)


def op_of(row):
    """The operator's name of a benchmark row."""
    return name_of(row["args"].get("op", -1), OPS)


def op_order(name):
    """Sort key: the operators in op_kind order, unknown ones after."""
    return (OPS.index(name) if name in OPS else len(OPS), name)


def to_ms(bench):
    return bench.get("real_time", NAN) * MS_PER_UNIT.get(
        bench.get("time_unit", "ns"), NAN)


def split_errors(rows, lines):
    """The rows that ran; a line about the others is appended to lines."""
    errors = [r for r in rows if r["error"]]
    if errors:
        lines.append(f"{len(errors)} of {len(rows)} rows did not run; first "
                     f"reason: {errors[0]['error']}\n")
    return [r for r in rows if not r["error"]]


def source_line(path, context):
    return (f"Source: `{path}`, {context.get('date', '?')}, host "
            f"{context.get('host_name', '?')}.\n")


# --- Markdown ------------------------------------------------------------

def table_lines(rows, columns, key, cells):
    """A markdown table of the rows that ran, sorted by `key`, after a line
    about those that did not. `columns` is [(title, 'l' or 'r')];
    `cells(row)` gives the row's texts."""
    lines = []
    ok = split_errors(rows, lines)
    if ok:
        lines.append("| " + " | ".join(t for t, _ in columns) + " |")
        lines.append("|" + "|".join("---:" if a == "r" else "---"
                                    for _, a in columns) + "|")
        lines += ["| " + " | ".join(cells(r)) + " |"
                  for r in sorted(ok, key=key)]
        lines.append("")
    return lines


def direction_of(row):
    """'fwd' or 'bwd' of an operator or CPU benchmark row."""
    backward = arg(row, "bwd") or row["family"] == "BM_cpu_backward"
    return "bwd" if backward else "fwd"


def operator_markdown(path, context, rows, level):
    """(intro, body) of the operator table and geometric means; `level` is
    the heading depth of the title. The body is empty when no row ran."""
    h = "#" * level
    intro = [f"{h} Operator throughput: fused gcnops against cuSPARSE\n",
             source_line(path, context)]

    # 1. One line per row.
    def cells(r):
        b = r["bench"]
        return [name_of(arg(r, "graph"), GRAPHS), str(arg(r, "F")),
                "flushed" if arg(r, "flush") else "warm", op_of(r),
                direction_of(r), fmt(b.get("fused_us"), ".1f"),
                fmt(b.get("cusparse_us"), ".1f"),
                fmt(b.get("speedup"), ".2f"), fmt(b.get("GFLOP/s"), ".0f"),
                fmt(b.get("GB/s"), ".0f"), fmt(b.get("max_rel_diff"), ".1e")]

    columns = [("graph", "l"), ("F", "r"), ("L2", "l"), ("operator", "l"),
               ("dir", "l"), ("fused µs", "r"), ("cuSPARSE µs", "r"),
               ("speedup", "r"), ("GFLOP/s", "r"), ("GB/s", "r"),
               ("max rel diff", "r")]
    key = lambda r: tuple(arg(r, k)
                          for k in ("graph", "F", "flush", "op", "bwd"))
    lines = table_lines(rows, columns, key, cells)
    by_op = defaultdict(list)
    for r in rows:
        if not r["error"]:
            by_op[(op_of(r), direction_of(r))].append(
                r["bench"].get("speedup", NAN))
    if not by_op:
        return intro, lines

    # 2. Geometric means per operator against the targets.
    lines.append(f"{h}# Geometric-mean speedup over graphs x F\n")
    lines.append("| operator | fwd | bwd | fwd+bwd | target | met |")
    lines.append("|---|---:|---:|---:|---:|---|")
    for op in sorted({op for op, _ in by_op}, key=op_order):
        fwd = by_op.get((op, "fwd"), [])
        bwd = by_op.get((op, "bwd"), [])
        both = geomean(fwd + bwd)
        target = TARGETS.get(op)
        met = "-"
        if target is not None and math.isfinite(both):
            met = "yes" if both >= target else "NO"
        lines.append(f"| {op} | {fmt(geomean(fwd), '.2f')} "
                     f"| {fmt(geomean(bwd), '.2f')} | {fmt(both, '.2f')} "
                     f"| {fmt(target, '.1f')}{'x' if target else ''} "
                     f"| {met} |")
    lines.append("")
    return intro, lines


def cpu_markdown(path, context, rows):
    """(intro, body) of the CPU table."""
    intro = ["## CPU backend throughput\n", source_line(path, context)]

    def cells(r):
        b = r["bench"]
        return [name_of(arg(r, "graph"), CPU_GRAPHS), str(arg(r, "F")),
                op_of(r), direction_of(r), fmt(to_ms(b), ".3f"),
                fmt(b.get("GFLOP/s"), ".2f"), fmt(b.get("GB/s"), ".2f")]

    columns = [("graph", "l"), ("F", "r"), ("operator", "l"), ("dir", "l"),
               ("time ms", "r"), ("GFLOP/s", "r"), ("GB/s", "r")]
    key = lambda r: (arg(r, "graph"), arg(r, "F"), arg(r, "op"),
                     direction_of(r) == "bwd")
    return intro, table_lines(rows, columns, key, cells)


def train_markdown(path, context, rows):
    """(intro, body) of the training-step table."""
    intro = ["## Training step on cora\n", source_line(path, context),
             "One forward, backward and Adam update of the whole model "
             "(hidden 64). *model MiB* is what the model holds (parameters, "
             "activations, gradients, graph, workspaces); *device MiB* is "
             "the device memory in use after the timed steps, for the whole "
             "device (CUDA runtime, cuBLAS and other processes included).\n"]

    def cells(r):
        b = r["bench"]
        rate = b.get("epochs/s", NAN)
        return ["GPU" if arg(r, "gpu") else "CPU", op_of(r),
                str(arg(r, "depth")), fmt(rate, ".1f"),
                fmt(1e3 / rate if rate > 0 else NAN, ".2f"),
                fmt(b.get("model_MiB"), ".1f"),
                fmt(b.get("device_peak_MiB"), ".0f")]

    columns = [("device", "l"), ("operator", "l"), ("depth", "r"),
               ("epochs/s", "r"), ("ms/step", "r"), ("model MiB", "r"),
               ("device MiB", "r")]
    key = lambda r: (arg(r, "gpu"), arg(r, "op"), arg(r, "depth"))
    return intro, table_lines(rows, columns, key, cells)


def energy_table(rows):
    """{(operator, init, depth): {step: {layer: row}}}, duplicates merged."""
    table = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        key = (r["operator"], r["init"], int(r["depth"]))
        table[key][int(r["step"])][int(r["layer"])] = r
    return table


def energy_markdown(path, dataset, steps, table):
    """(intro, body) of the table of energy ratios."""
    intro = ["## Energy per layer\n",
             f"Source: `{path}`, {dataset}, {steps} training steps. "
             "E(X) = ‖X‖²_F. The ratio E(dL/dH_1) / E(dL/dH_L) compares the "
             "gradient energy reaching the first layer with the one at the "
             "logits: far below 1 it vanishes on the way to the input, far "
             "above 1 it explodes.\n"]
    lines = ["| operator | init | depth | ratio at first step "
             "| ratio at last step |",
             "|---|---|---:|---:|---:|"]
    key = lambda k: (k[2], k[1], op_order(k[0]))
    for op, init, depth in sorted(table, key=key):
        per_step = table[(op, init, depth)]
        ratios = []
        for step in (min(per_step), max(per_step)):
            layers = per_step[step]
            first = layers.get(1, {}).get("grad_h", NAN)
            last = layers.get(depth, {}).get("grad_h", NAN)
            ratios.append(first / last if last else NAN)
        lines.append(f"| {op} | {init} | {depth} | {fmt(ratios[0], '.3g')} "
                     f"| {fmt(ratios[1], '.3g')} |")
    lines.append("")
    return intro, lines


# --- Plots ---------------------------------------------------------------

def op_colours(plt, ops):
    palette = plt.get_cmap("tab10").colors
    return {op: palette[i % len(palette)]
            for i, op in enumerate(sorted(ops, key=op_order))}


def log2_ticks(ax, values):
    """A log2 x axis labelled exactly at `values`."""
    from matplotlib.ticker import NullLocator
    ax.set_xscale("log", base=2)
    ax.set_xticks(values)
    ax.set_xticklabels([str(v) for v in values])
    ax.xaxis.set_minor_locator(NullLocator())


def log_y(ax):
    """A log y axis labelled with plain numbers (250, not 2.5x10^2)."""
    from matplotlib.ticker import LogFormatter
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(LogFormatter())
    ax.yaxis.set_minor_formatter(LogFormatter(minor_thresholds=(1, 0.4)))


def grid(ax):
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)


def save(fig, plt, out, name):
    fig.savefig(os.path.join(out, name), dpi=130, bbox_inches="tight")
    plt.close(fig)
    return name


def plot_energy(plt, out, dataset, table):
    """energy_depth<L>.png per depth; returns [(file, caption)]."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator
    written = []
    colours = op_colours(plt, {k[0] for k in table})
    inits = sorted({k[1] for k in table})
    styles = {init: ["-", "--", ":", "-."][i % 4]
              for i, init in enumerate(inits)}
    for depth in sorted({k[2] for k in table}):
        keys = sorted((k for k in table if k[2] == depth),
                      key=lambda k: (op_order(k[0]), k[1]))
        steps = sorted({s for k in keys for s in table[k]})
        shown = [steps[0], steps[-1]] if len(steps) > 1 else steps[:1]

        # 1. Backward energy on the top row, forward below; first step on
        # the left, last on the right, each with its own y range (the last
        # step can span many more decades than the first).
        fig, axes = plt.subplots(2, len(shown), squeeze=False,
                                 figsize=(6.0 * len(shown), 8.0))
        rows = [("grad_h", r"$E(\partial L / \partial H_l)$",
                 "backward energy"),
                ("h", r"$E(H_l)$", "forward energy")]
        for i, (field, symbol, label) in enumerate(rows):
            for j, step in enumerate(shown):
                ax = axes[i][j]
                for k in keys:
                    layers = table[k].get(step, {})
                    xs = sorted(layers)
                    ys = [layers[l][field] if layers[l][field] > 0 else NAN
                          for l in xs]
                    ax.plot(xs, ys, styles[k[1]], color=colours[k[0]],
                            marker="o", markersize=3)
                ax.set_yscale("log")
                when = "first" if step == shown[0] else "last"
                ax.set_title(f"{symbol} at step {step} ({when})")
                ax.set_xlabel(f"layer l  (1 = next to the input, {depth} = "
                              "logits)")
                ax.set_ylabel(f"{label} {symbol}, log scale")
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                grid(ax)

        # 2. One legend: colour is the operator, line style the init.
        handles = [Line2D([], [], color=colours[op], marker="o", label=op)
                   for op in sorted({k[0] for k in keys}, key=op_order)]
        if len(inits) > 1:
            handles += [Line2D([], [], color="black", linestyle=styles[i],
                               label=f"init {i}") for i in inits]
        fig.legend(handles=handles, loc="center left",
                   bbox_to_anchor=(1.0, 0.5),
                   title="operator" if len(inits) == 1 else None)
        single = f", init {inits[0]}" if len(inits) == 1 else ""
        fig.suptitle(f"{dataset}, {depth} layers{single}: energy per layer, "
                     r"$E(X) = \|X\|_F^2$")
        fig.tight_layout()
        name = save(fig, plt, out, f"energy_depth{depth}.png")
        written.append((name, f"Backward and forward energy per layer, "
                              f"{depth} layers"))
    return written


def plot_train(plt, out, ok_rows):
    """train_step.png; returns [(file, caption)]."""
    panels = [(gpu, [r for r in ok_rows if arg(r, "gpu") == gpu])
              for gpu in (0, 1)]
    panels = [(gpu, rows) for gpu, rows in panels if rows]
    if not panels:
        return []
    colours = op_colours(plt, {op_of(r)
                               for r in ok_rows})
    fig, axes = plt.subplots(1, len(panels), squeeze=False,
                             figsize=(5.6 * len(panels), 4.4))
    for ax, (gpu, rows) in zip(axes[0], panels):
        series = defaultdict(list)
        for r in rows:
            op = op_of(r)
            series[op].append((arg(r, "depth"),
                               r["bench"].get("epochs/s", NAN)))
        for op in sorted(series, key=op_order):
            xs, ys = zip(*sorted(series[op]))
            ax.plot(xs, ys, "-o", color=colours[op], markersize=4, label=op)
        log2_ticks(ax, sorted({arg(r, "depth") for r in rows}))
        log_y(ax)
        ax.set_title("GPU (CUDA backend)" if gpu else "CPU backend")
        ax.set_xlabel("depth L (layers)")
        ax.set_ylabel("training steps per second (epochs/s)")
        grid(ax)
        ax.legend(title="operator", fontsize=8)
    fig.suptitle("Training step on cora (hidden 64): throughput against "
                 "depth")
    fig.tight_layout()
    return [(save(fig, plt, out, "train_step.png"),
             "Training steps per second against depth")]


def throughput_points(gpu_rows, cpu_rows, flush):
    """{(graph, bwd): {(op, source): [(F, GFLOP/s)]}} for one L2 setting;
    the cuSPARSE rate is the same flops over the baseline's time."""
    points = defaultdict(lambda: defaultdict(list))
    for r in gpu_rows:
        b = r["bench"]
        if arg(r, "flush") != flush:
            continue
        cell = points[(name_of(arg(r, "graph"), GRAPHS), arg(r, "bwd"))]
        rate = b.get("GFLOP/s", NAN)
        cell[(op_of(r), "fused")].append((arg(r, "F"), rate))
        if b.get("cusparse_us", 0) > 0:
            cell[(op_of(r), "cuSPARSE")].append(
                (arg(r, "F"), rate * b.get("fused_us", NAN) /
                 b["cusparse_us"]))
    for r in cpu_rows:
        bwd = 1 if r["family"] == "BM_cpu_backward" else 0
        cell = points[(name_of(arg(r, "graph"), CPU_GRAPHS), bwd)]
        cell[(op_of(r), "CPU")].append(
            (arg(r, "F"), r["bench"].get("GFLOP/s", NAN)))
    return points


def plot_throughput(plt, out, gpu_rows, cpu_rows):
    """throughput.png (warm L2) and throughput_flushed.png; CPU points
    join every figure. Returns [(file, caption)]."""
    from matplotlib.lines import Line2D
    styles = {"fused": ("-", "o"), "cuSPARSE": ("--", "s"),
              "CPU": (":", "^")}
    flushes = sorted({arg(r, "flush") for r in gpu_rows}) or [0]
    written = []
    for flush in flushes:
        points = throughput_points(gpu_rows, cpu_rows, flush)
        if not points:
            continue
        known = GRAPHS + CPU_GRAPHS
        panels = sorted(points, key=lambda p: (
            known.index(p[0]) if p[0] in known else len(known), p[1]))
        ops = {op for cell in points.values() for op, _ in cell}
        colours = op_colours(plt, ops)

        # 1. One panel per graph and direction, forward and backward side
        # by side, at most four panels a row.
        columns = min(4, len(panels))
        grid_rows = -(-len(panels) // columns)
        fig, axes = plt.subplots(grid_rows, columns, squeeze=False,
                                 figsize=(4.2 * columns, 3.6 * grid_rows))
        for ax in axes.flat[len(panels):]:
            ax.set_visible(False)
        for ax, (graph, bwd) in zip(axes.flat, panels):
            cell = points[(graph, bwd)]
            for (op, source), pts in sorted(cell.items()):
                xs, ys = zip(*sorted(pts))
                line, marker = styles[source]
                ax.plot(xs, ys, linestyle=line, marker=marker,
                        color=colours[op], markersize=4)
            log2_ticks(ax, sorted({x for pts in cell.values()
                                   for x, _ in pts}))
            log_y(ax)
            ax.set_title(f"{graph}, {'backward' if bwd else 'forward'}")
            ax.set_xlabel("feature width F")
            ax.set_ylabel("GFLOP/s  (2(E+N)F per SpMM)")
            grid(ax)

        # 2. A legend for colours (operators), one for line styles.
        used = {s for cell in points.values() for _, s in cell}
        handles = [Line2D([], [], color=colours[op], label=op)
                   for op in sorted(ops, key=op_order)]
        handles += [Line2D([], [], color="black", linestyle=styles[s][0],
                           marker=styles[s][1], label=label)
                    for s, label in (("fused", "gcnops fused (GPU)"),
                                     ("cuSPARSE", "cuSPARSE pipeline (GPU)"),
                                     ("CPU", "gcnops CPU backend"))
                    if s in used]
        fig.legend(handles=handles, loc="center left",
                   bbox_to_anchor=(1.0, 0.5))
        l2 = "flushed L2" if flush else "warm L2"
        where = f"{l2} on the GPU" if gpu_rows else "CPU backend only"
        fig.suptitle(f"Operator throughput against feature width ({where})")
        fig.tight_layout()
        name = "throughput_flushed.png" if flush else "throughput.png"
        written.append((save(fig, plt, out, name),
                        f"GFLOP/s against F per graph ({where})"))
    return written


def plot_speedup(plt, out, gpu_rows):
    """speedup.png: a heatmap per (L2 setting, direction) of the speedup
    over cuSPARSE, operators against graph x F. Returns [(file, caption)]."""
    import numpy as np
    from matplotlib.ticker import FixedLocator
    panels = sorted({(arg(r, "flush"), arg(r, "bwd")) for r in gpu_rows})
    if not panels:
        return []
    ops = sorted({op_of(r) for r in gpu_rows}, key=op_order)
    columns = sorted({(arg(r, "graph"), arg(r, "F")) for r in gpu_rows})
    values = {(arg(r, "flush"), arg(r, "bwd"), op_of(r),
               (arg(r, "graph"), arg(r, "F"))):
              r["bench"].get("speedup", NAN) for r in gpu_rows}
    logs = [math.log2(v) for v in values.values() if v > 0]
    limit = max([math.log2(1.5)] + [abs(v) for v in logs])

    # 1. One heatmap per panel, log2 of the speedup so that 2x and 0.5x
    # sit equally far from 1.
    fig, axes = plt.subplots(
        len(panels), 1, squeeze=False, constrained_layout=True,
        figsize=(max(6.0, 0.55 * len(columns) + 2.5),
                 len(panels) * (0.42 * len(ops) + 1.4)))
    for ax, (flush, bwd) in zip(axes[:, 0], panels):
        heat = np.full((len(ops), len(columns)), np.nan)
        for i, op in enumerate(ops):
            for j, col in enumerate(columns):
                v = values.get((flush, bwd, op, col), NAN)
                if v > 0:
                    heat[i, j] = math.log2(v)
        image = ax.imshow(heat, cmap="RdBu", vmin=-limit, vmax=limit,
                          aspect="auto")
        if heat.size <= 600:
            for i in range(len(ops)):
                for j in range(len(columns)):
                    v = heat[i, j]
                    if np.isfinite(v):
                        dark = abs(v) > 0.55 * limit
                        ax.text(j, i, f"{2 ** v:.2f}", ha="center",
                                va="center", fontsize=7,
                                color="white" if dark else "black")

        # 2. Rows are operators; columns F, grouped by graph with the
        # graph's name above its group.
        ax.set_yticks(range(len(ops)))
        ax.set_yticklabels(ops)
        ax.set_xticks(range(len(columns)))
        ax.set_xticklabels([str(f) for _, f in columns], fontsize=8)
        ax.set_xlabel("feature width F, grouped by graph")
        for j, (graph, _) in enumerate(columns):
            if j == 0 or columns[j - 1][0] != graph:
                span = [k for k, c in enumerate(columns) if c[0] == graph]
                ax.text((span[0] + span[-1]) / 2, -0.6,
                        name_of(graph, GRAPHS), ha="center", va="bottom",
                        fontsize=8, fontweight="bold")
                if j:
                    ax.axvline(j - 0.5, color="white", linewidth=3)
        ax.set_title(f"{'backward' if bwd else 'forward'}, "
                     f"{'flushed' if flush else 'warm'} L2", pad=16)

    # 3. A colour bar labelled in speedups, not in their logarithms.
    ticks = [t for t in (0.25, 0.5, 0.67, 1.0, 1.5, 2.0, 4.0)
             if abs(math.log2(t)) <= limit]
    bar = fig.colorbar(image, ax=list(axes[:, 0]), shrink=0.8)
    bar.ax.yaxis.set_major_locator(FixedLocator([math.log2(t)
                                                 for t in ticks]))
    bar.ax.set_yticklabels([f"{t:g}x" for t in ticks])
    bar.set_label("speedup = cuSPARSE time / fused time  (1x: parity)")
    fig.suptitle("Fused gcnops kernels against the cuSPARSE pipeline "
                 "(blue: fused faster)")
    return [(save(fig, plt, out, "speedup.png"),
             "Speedup over cuSPARSE per operator, graph and F")]


# --- Commands ------------------------------------------------------------

def table(path):
    try:
        context, rows = load_benchmarks(path, "operator")
    except InputError as e:
        print(f"bench_report.py: {e}", file=sys.stderr)
        return 1
    intro, body = operator_markdown(path, context, rows, 1)
    print("\n".join(intro + body))
    return 0 if any(not r["error"] for r in rows) else 1


def load_plotting(enabled):
    """pyplot with a file-only backend, or None with the reason."""
    if not enabled:
        return None, "--no-plots was given"
    try:
        import matplotlib
    except ImportError:
        return None, ("matplotlib is not installed (python3 -m pip install "
                      "matplotlib, then run this command again)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt, None


def report(args):
    """Writes args.out/report.md and the plots; returns the files written."""
    # 1. Read every input first, so that a bad one stops before any output.
    inputs = {kind: load_benchmarks(getattr(args, kind), kind)
              for kind in BENCH_INPUTS if getattr(args, kind)}
    if args.energy:
        inputs["energy"] = load_energy(args.energy)
    if not inputs:
        raise InputError("no input: give at least one of --operator, --cpu, "
                         "--train, --energy")
    os.makedirs(args.out, exist_ok=True)
    plt, skipped = load_plotting(not args.no_plots)
    written = ["report.md"]

    def figures(*plots):
        """Image lines of what each (plot, args...) drew, none without
        matplotlib."""
        lines = []
        for plot, *plot_args in plots:
            if plt is None:
                continue
            for name, caption in plot(plt, args.out, *plot_args):
                written.append(name)
                lines.append(f"![{caption}]({name})\n")
        return lines

    def ran(key):
        return [r for r in inputs[key][1] if not r["error"]] \
            if key in inputs else []

    # 2. Sections in reading order: energy, training, operators, CPU; in
    # each, the plots come between the introduction and the tables.
    md = [f"# {args.title}\n"]
    if skipped:
        md.append(f"Plots were not drawn: {skipped}.\n")
    if "energy" in inputs:
        dataset, steps, rows = inputs["energy"]
        energies = energy_table(rows)
        intro, body = energy_markdown(args.energy, dataset, steps, energies)
        md += intro + figures((plot_energy, dataset, energies)) + body
    if "train" in inputs:
        intro, body = train_markdown(args.train, *inputs["train"])
        md += intro + figures((plot_train, ran("train"))) + body
    if "operator" in inputs:
        intro, body = operator_markdown(args.operator, *inputs["operator"],
                                        2)
        md += intro + figures((plot_speedup, ran("operator")),
                              (plot_throughput, ran("operator"), ran("cpu")))
        md += body
    if "cpu" in inputs:
        intro, body = cpu_markdown(args.cpu, *inputs["cpu"])
        if "operator" not in inputs:
            intro += figures((plot_throughput, [], ran("cpu")))
        md += intro + body

    # 3. The markdown last, naming only the plots that exist.
    path = os.path.join(args.out, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(md).rstrip() + "\n")
    print(f"bench_report.py: wrote {', '.join(written)} to {args.out}")
    if skipped:
        print(f"bench_report.py: plots skipped: {skipped}")
    return written


# --- Self-check ----------------------------------------------------------

def synthetic_inputs(folder):
    """Tiny inputs of every kind in `folder`; returns their paths."""
    def bench_file(name, rows):
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            json.dump({"context": {"date": "selftest", "host_name": "none"},
                       "benchmarks": rows}, f)
        return path

    operator = []
    for op in (0, 3):
        for bwd in (0, 1):
            for graph in (0, 3):
                for width in (32, 64):
                    fused = 10.0 + op + bwd + width / 32
                    operator.append({
                        "name": f"BM_gpu_operator/op:{op}/bwd:{bwd}/"
                                f"graph:{graph}/F:{width}/flush:0/"
                                "iterations:10/manual_time",
                        "run_type": "iteration", "real_time": fused,
                        "time_unit": "us", "fused_us": fused,
                        "cusparse_us": 14.0, "speedup": 14.0 / fused,
                        "GFLOP/s": 50.0 * width / fused, "GB/s": 300.0,
                        "max_rel_diff": 1e-7})
    operator.append({"name": "BM_gpu_operator/op:6/bwd:0/graph:5/F:64/"
                             "flush:1", "error_occurred": True,
                     "error_message": "no CUDA device: selftest"})
    cpu = [{"name": f"{family}/op:{op}/graph:0/F:64", "real_time": 1.0 + op,
            "time_unit": "ms", "GFLOP/s": 3.0 / (1 + op), "GB/s": 2.0}
           for family in ("BM_cpu_forward", "BM_cpu_backward")
           for op in (0, 3)]
    train = [{"name": f"BM_train_step/op:{op}/depth:{depth}/gpu:{gpu}",
              "real_time": depth, "time_unit": "ms",
              "epochs/s": 100.0 / depth * (1 + 9 * gpu),
              "model_MiB": 4.0 * depth,
              **({"device_peak_MiB": 600.0} if gpu else {})}
             for op in (0, 3) for depth in (2, 4, 8) for gpu in (0, 1)]
    train.append({"name": "BM_train_step/op:6/depth:2/gpu:1",
                  "error_occurred": True, "error_message": "selftest"})
    energy = {"dataset": "cora", "steps": 3, "rows": [
        {"operator": op, "init": init, "depth": 4, "step": step,
         "layer": layer, "h": 2.0 ** -layer,
         "grad_h": (0.5 if op == "plain" else 0.9) ** (4 - layer) * step,
         "grad_w": 1e-3}
        for op in ("plain", "energy") for init in ("glorot", "orthogonal")
        for step in (1, 3) for layer in range(1, 5)]}
    energy_path = os.path.join(folder, "energy.json")
    with open(energy_path, "w") as f:
        json.dump(energy, f)
    return {"operator": bench_file("operator.json", operator),
            "cpu": bench_file("cpu.json", cpu),
            "train": bench_file("train.json", train),
            "energy": energy_path}


def selftest():
    failures = []

    def check(condition, what):
        if not condition:
            failures.append(what)

    with tempfile.TemporaryDirectory() as folder:
        paths = synthetic_inputs(folder)
        quiet = contextlib.redirect_stdout(io.StringIO())

        # 1. The full report, with plots when matplotlib is here.
        out = os.path.join(folder, "out")
        args = argparse.Namespace(out=out, title="selftest", no_plots=False,
                                  **paths)
        with quiet:
            written = report(args)
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        for heading in ("## Energy per layer", "## Training step on cora",
                        "## Operator throughput", "## CPU backend"):
            check(heading in md, f"report.md lacks '{heading}'")
        check("| plain | glorot | 4 | 0.125 | 0.125 |" in md,
              "report.md lacks the plain energy ratio 0.125")
        check("1 of 17 rows did not run" in md,
              "report.md does not count the operator row without a GPU")
        plots = ["energy_depth4.png", "train_step.png", "speedup.png",
                 "throughput.png"]
        if load_plotting(True)[0] is not None:
            for name in plots:
                path = os.path.join(out, name)
                check(name in written and os.path.getsize(path) > 0,
                      f"{name} was not written")

        # 2. Without plots: the markdown alone, saying so.
        args.out = os.path.join(folder, "bare")
        args.no_plots = True
        with quiet:
            written = report(args)
        check(written == ["report.md"], f"--no-plots wrote {written}")

        # 3. Bad inputs stop with one line naming the file.
        bad = os.path.join(folder, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        cases = [("operator", os.path.join(folder, "absent.json")),
                 ("operator", bad), ("energy", bad),
                 ("operator", paths["cpu"]), ("energy", paths["train"])]
        for flag, path in cases:
            args = argparse.Namespace(out=os.path.join(folder, "x"),
                                      title="x", no_plots=True, operator=None,
                                      cpu=None, train=None, energy=None)
            setattr(args, flag, path)
            try:
                with quiet:
                    report(args)
                failures.append(f"--{flag} {path} was accepted")
            except InputError as e:
                check(path in str(e) and "\n" not in str(e),
                      f"--{flag} {path}: unclear error '{e}'")

        # 4. The `table` command on the same operator file.
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            status = table(paths["operator"])
        check(status == 0 and "| cora | 32 | warm | plain | fwd |"
              in text.getvalue(), "table does not list the cora rows")

    if failures:
        for f in failures:
            print(f"selftest: FAILED: {f}", file=sys.stderr)
        return 1
    print(f"selftest: ok ({len(plots)} plots checked)"
          if load_plotting(True)[0] is not None
          else "selftest: ok (markdown only: matplotlib is not installed)")
    return 0


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Run `bench_report.py <command> --help` for each command.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("table", help="markdown table of operator_bench JSON")
    t.add_argument("json", help="Google Benchmark JSON of operator_bench")
    r = sub.add_parser(
        "report", help="markdown and plots from any benchmark outputs",
        description="Writes OUT/report.md and PNG plots from whichever "
                    "benchmark outputs are given (at least one).")
    r.add_argument("--operator", metavar="FILE",
                   help="Google Benchmark JSON of bench/operator_bench")
    r.add_argument("--cpu", metavar="FILE",
                   help="Google Benchmark JSON of bench/cpu_propagate_bench")
    r.add_argument("--train", metavar="FILE",
                   help="Google Benchmark JSON of bench/model_bench with "
                        "BM_train_step rows")
    r.add_argument("--energy", metavar="FILE",
                   help="the --energy_out JSON of bench/model_bench")
    r.add_argument("--out", metavar="DIR", default="bench-report",
                   help="output folder (default: %(default)s)")
    r.add_argument("--title", default="gcnops benchmarks",
                   help="title of report.md (default: %(default)s)")
    r.add_argument("--no-plots", action="store_true",
                   help="write the markdown only")
    sub.add_parser("selftest", help="run `report` on tiny made-up inputs "
                                    "and check the files it writes")
    args = parser.parse_args()
    if args.command == "table":
        return table(args.json)
    if args.command == "selftest":
        return selftest()
    try:
        report(args)
    except InputError as e:
        print(f"bench_report.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
