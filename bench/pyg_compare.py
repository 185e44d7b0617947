#!/usr/bin/env python3
"""Trains one deep GCN with PyTorch Geometric and with gcnops on the same
GPU and prints the epoch-time and peak-memory ratios.

    python3 bench/pyg_compare.py [--layers 2,8,16,32] [--epochs 200]
        [--configs plain,pairnorm,residual,rescaled] [--warmup 10]
        [--gcnops build/bin/gcnops] [--data data/cora] [--json FILE]

Needs a CUDA device, torch and torch_geometric (tested against torch 2.11
and torch-geometric 2.8), and a gcnops built with its CUDA backend. Runs
every gcnops training first, as `gcnops train --backend cuda ... --report
FILE.json`, then every PyG training in this process, so that this process
holds no CUDA context while gcnops measures the device.

The model, identical on both sides
  cora from --data: the adjacency (Matrix Market, lower triangle of a
  symmetric pattern) mirrored into both directions, features divided by
  their row sum, labels and the train/val/test node lists. L layers of
  widths 1433 -> 64 -> ... -> 64 -> 7; layer l computes
      H_l = relu(P(dropout(H_{l-1}) W_l) + b_l)      (no relu on layer L)
  with dropout 0.5 on every layer's input (the features too). Mean cross
  entropy over the training nodes; Adam, lr 0.01, L2 weight decay 5e-4
  added to the gradient of the first layer's weight and bias (gcnops'
  default, as in Kipf & Welling); glorot weights, zero biases.
  One epoch is a training step and an evaluation of every split without
  dropout; the test accuracy reported is the one at the best validation
  epoch.

Configurations (PyG side | gcnops flags)
  plain     GCNConv, symmetric normalisation with self-loops
            | --operator plain
  pairnorm  GCNConv, then torch_geometric.nn.PairNorm (scale 1, eps 1e-5),
            then the bias | --operator pairnorm
  residual  plain, plus the layer input added after the activation where
            widths match (hidden layers 2 .. L-1) | --operator plain
            --residual
  rescaled  GCNConv output times c = sqrt(N / ||A^||_F^2), computed from
            the normalised adjacency | --operator rescaled
  The normalised adjacency is computed once with PyG's gcn_norm and shared
  by every layer (GCNConv with normalize=False), as gcnops prepares its
  graph once; GCNConv then runs PyG's default edge-list message passing.

Time per epoch
  Both sides skip the first --warmup epochs (default 10: allocations,
  cuBLAS and kernel set-up) and average the rest. PyG epochs are timed
  with torch.cuda.synchronize() before and after; gcnops epochs are read
  from the report's per-epoch curve (its seconds_per_epoch averages all
  epochs, warm-up included, so it is not used).

Memory: what each number includes (read this before the ratio)
  PyG MiB     torch.cuda.max_memory_allocated() over the run: the peak of
              tensor memory handed out by torch's caching allocator. It
              counts the graph, features and labels on the device,
              parameters, gradients, Adam moments, activations kept for
              backward and transient tensors such as the per-edge messages
              of GCNConv, and the cuBLAS workspace where torch allocates it
              through its allocator. It leaves out the CUDA context, the
              allocator's reserved but unused blocks and library handles.
  gcnops MiB  `memory_bytes` of the report: what the gcnops model holds
              on the device after training (graph, features, labels,
              parameters, gradients, Adam moments, activations, dropout
              masks and propagation workspaces). It is what the model
              owns, not a peak, and leaves out the CUDA context, cuBLAS
              and cuSPARSE workspaces.
  dev MiB     `device_memory_in_use_bytes` of the report: total minus free
              device memory after gcnops trained, i.e. everything on the
              device, the CUDA context and other processes included. It is
              printed for reference and is not comparable with PyG MiB.
  The memory ratio is PyG MiB / gcnops MiB: the closest pair, both
  counting the model's tensors and neither the context, but a peak against
  a holding.

Status: not run on a GPU yet. The gcnops side (flags, report keys) is
checked with the CPU backend; the PyG side has been compiled, not run.

Output: one table, config x depth -> PyG ms/epoch, gcnops ms/epoch, time
ratio (PyG / gcnops, above 1: gcnops faster), PyG MiB, gcnops MiB, memory
ratio, gcnops dev MiB and both test accuracies. --json FILE also writes
the rows. Accuracies differ by the random streams (weights, dropout) of
the two libraries, not by the model. Exits 1 with one line naming what is
missing (torch, torch_geometric, a CUDA device, the gcnops binary, a data
file) or what failed.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

CONFIGS = {
    # name: (gcnops flags, PyG post-propagation step)
    "plain": (["--operator", "plain"], None),
    "pairnorm": (["--operator", "pairnorm"], "pairnorm"),
    "residual": (["--operator", "plain", "--residual"], None),
    "rescaled": (["--operator", "rescaled"], "rescale"),
}


class CompareError(Exception):
    """Something the comparison needs is missing or failed."""


# --- The dataset ----------------------------------------------------------

def read_mtx(path):
    """(rows, cols, [(i, j, value)]) of a Matrix Market coordinate file,
    0-based; pattern entries have the value 1."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise CompareError(f"{path}: cannot be read ({e.strerror})")
    if not lines or not lines[0].lower().startswith(
            "%%matrixmarket matrix coordinate"):
        raise CompareError(f"{path}:1: expected a '%%MatrixMarket matrix "
                           "coordinate' header")
    body = [(n + 1, line.split()) for n, line in enumerate(lines)
            if line.strip() and not line.startswith("%")]
    if not body or len(body[0][1]) != 3:
        raise CompareError(f"{path}: expected a 'rows cols entries' line "
                           "after the header")
    entries = []
    for number, fields in body:
        try:
            if number == body[0][0]:
                rows, cols, _ = (int(v) for v in fields)
                continue
            value = float(fields[2]) if len(fields) > 2 else 1.0
            entries.append((int(fields[0]) - 1, int(fields[1]) - 1, value))
        except (ValueError, IndexError):
            raise CompareError(f"{path}:{number}: expected integers "
                               "'row col' and an optional value")
    return rows, cols, entries


def read_ids(path):
    try:
        with open(path) as f:
            return [int(v) for v in f.read().split()]
    except OSError as e:
        raise CompareError(f"{path}: cannot be read ({e.strerror})")
    except ValueError:
        raise CompareError(f"{path}: expected one integer per line")


def load_cora(folder):
    """The dataset as plain Python lists, read as gcnops reads it."""
    # 1. Undirected edges, both directions, without self-loops (the
    # normalisation adds them).
    n, _, entries = read_mtx(os.path.join(folder, "adjacency.mtx"))
    edges = sorted({(i, j) for a, b, _ in entries if a != b
                    for i, j in ((a, b), (b, a))})

    # 2. Features as (row, col, value), each row divided by its sum.
    rows, width, feats = read_mtx(os.path.join(folder, "features.mtx"))
    if rows != n:
        raise CompareError(f"{folder}/features.mtx: {rows} rows, expected "
                           f"{n} (one per node)")
    sums = [0.0] * n
    for i, _, v in feats:
        sums[i] += v
    feats = [(i, j, v / sums[i] if sums[i] else v) for i, j, v in feats]

    # 3. Labels and splits.
    labels = read_ids(os.path.join(folder, "labels.txt"))
    if len(labels) != n:
        raise CompareError(f"{folder}/labels.txt: {len(labels)} labels, "
                           f"expected {n}")
    splits = [read_ids(os.path.join(folder, f"{s}.txt"))
              for s in ("train", "val", "test")]
    return {"nodes": n, "width": width, "edges": edges, "features": feats,
            "labels": labels, "classes": max(labels) + 1, "splits": splits}


# --- gcnops ---------------------------------------------------------------

def run_gcnops(args, config, depth, folder):
    """Trains with `gcnops train` and returns the report's numbers."""
    report = os.path.join(folder, f"gcnops_{config}_{depth}.json")
    command = [args.gcnops, "train", "--data", args.data, "--backend", "cuda",
               "--layers", str(depth), *CONFIGS[config][0],
               "--hidden", str(args.hidden), "--dropout", "0.5",
               "--activation", "relu", "--norm", "sym", "--self-loop", "1",
               "--init", "glorot", "--lr", "0.01", "--weight-decay", "5e-4",
               "--epochs", str(args.epochs), "--seed", str(args.seed),
               "--log-every", str(args.epochs), "--report", report]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CompareError(f"gcnops train ({config}, {depth} layers) exited "
                           f"{done.returncode}: {last}")
    try:
        with open(report) as f:
            r = json.load(f)
        timed = [e["seconds"] for e in r["curve"][args.warmup:]]
        return {"ms": 1e3 * sum(timed) / len(timed),
                "mib": r["memory_bytes"] / 2**20,
                "device_mib": r["device_memory_in_use_bytes"] / 2**20,
                "test": r["test_accuracy"], "backend": r["backend"]}
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError) as e:
        raise CompareError(f"{report}: not a complete gcnops train report "
                           f"({type(e).__name__}: {e})")


# --- PyTorch Geometric ----------------------------------------------------

def import_torch():
    """(torch, torch_geometric.nn, gcn_norm), or CompareError saying what
    is missing."""
    try:
        import torch
    except ImportError:
        raise CompareError("torch is not installed (needs torch and "
                           "torch_geometric with CUDA)")
    try:
        import torch_geometric.nn as pyg_nn
        from torch_geometric.nn.conv.gcn_conv import gcn_norm
    except ImportError:
        raise CompareError("torch_geometric is not installed (pip install "
                           "torch-geometric)")
    if not torch.cuda.is_available():
        raise CompareError(f"no CUDA device visible to torch "
                           f"{torch.__version__} (built for CUDA "
                           f"{torch.version.cuda})")
    return torch, pyg_nn, gcn_norm


def make_model(torch, pyg_nn, widths, step, scale, residual):
    """A deep GCN laid out as gcnops lays it out (see the docstring)."""
    functional = torch.nn.functional

    class DeepGcn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            pairs = list(zip(widths[:-1], widths[1:]))
            self.convs = torch.nn.ModuleList(
                pyg_nn.GCNConv(a, b, normalize=False, bias=False)
                for a, b in pairs)
            self.biases = torch.nn.ParameterList(
                torch.nn.Parameter(torch.zeros(b)) for _, b in pairs)
            self.norm = pyg_nn.PairNorm() if step == "pairnorm" else None

        def forward(self, x, edge_index, edge_weight):
            last = len(self.convs) - 1
            h = x
            for l, (conv, bias) in enumerate(zip(self.convs, self.biases)):
                z = conv(functional.dropout(h, 0.5, self.training),
                         edge_index, edge_weight)
                if self.norm is not None:
                    z = self.norm(z)
                if step == "rescale":
                    z = z * scale
                z = z + bias
                if l < last:
                    z = torch.relu(z)
                if residual and 0 < l < last and z.shape == h.shape:
                    z = z + h
                h = z
            return h

    return DeepGcn()


def to_device(torch, gcn_norm, data):
    """Tensors on the GPU and the constant c of the rescaled operator."""
    device = torch.device("cuda")
    n = data["nodes"]
    edge_index = torch.tensor(data["edges"], dtype=torch.long).t()
    edge_index = edge_index.contiguous()
    edge_index, edge_weight = gcn_norm(edge_index, num_nodes=n,
                                       add_self_loops=True)
    c = math.sqrt(n / float((edge_weight.double() ** 2).sum()))
    rows, cols, values = zip(*data["features"])
    x = torch.zeros(n, data["width"])
    x[list(rows), list(cols)] = torch.tensor(values, dtype=torch.float)
    return {"x": x.to(device), "edge_index": edge_index.to(device),
            "edge_weight": edge_weight.to(device),
            "y": torch.tensor(data["labels"], device=device),
            "splits": [torch.tensor(s, device=device)
                       for s in data["splits"]], "c": c}


def run_pyg(torch, pyg_nn, tensors, data, args, config, depth):
    """Trains with PyG; returns ms/epoch after warm-up, peak MiB, test."""
    torch.manual_seed(args.seed)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    widths = [data["width"]] + [args.hidden] * (depth - 1) + [data["classes"]]
    model = make_model(torch, pyg_nn, widths, CONFIGS[config][1],
                       tensors["c"], config == "residual").cuda()
    first = [model.convs[0].lin.weight, model.biases[0]]
    rest = [p for p in model.parameters()
            if all(p is not q for q in first)]
    optimizer = torch.optim.Adam([{"params": first, "weight_decay": 5e-4},
                                  {"params": rest, "weight_decay": 0.0}],
                                 lr=0.01)
    x, y = tensors["x"], tensors["y"]
    graph = (tensors["edge_index"], tensors["edge_weight"])
    train, val, test = tensors["splits"]
    seconds, best_val, test_at_best = [], -1.0, 0.0
    for epoch in range(1, args.epochs + 1):
        torch.cuda.synchronize()
        start = time.perf_counter()

        # 1. One training step.
        model.train()
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x, *graph)[train],
                                                 y[train])
        loss.backward()
        optimizer.step()

        # 2. Accuracy of every split without dropout.
        model.eval()
        with torch.no_grad():
            hit = model(x, *graph).argmax(dim=1) == y
            accuracy = torch.stack([hit[s].float().mean()
                                    for s in (train, val, test)]).tolist()
        torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        if epoch == 1 or accuracy[1] > best_val:
            best_val, test_at_best = accuracy[1], accuracy[2]
    timed = seconds[args.warmup:]
    peak = torch.cuda.max_memory_allocated() / 2**20
    del model, optimizer
    return {"ms": 1e3 * sum(timed) / len(timed), "mib": peak,
            "test": test_at_best}


# --- Driver ---------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(
        description="Epoch time and peak memory of the same deep GCN in "
                    "PyTorch Geometric and gcnops on one GPU. See the "
                    "docstring at the top of this file for what is "
                    "compared and what each memory number includes.")
    parser.add_argument("--layers", default="2,8,16,32",
                        help="comma-separated depths (default: %(default)s)")
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help="comma-separated subset of "
                             f"{', '.join(CONFIGS)} (default: all)")
    parser.add_argument("--epochs", type=int, default=200,
                        help="training epochs per run (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="first epochs left out of the time per epoch "
                             "(default: %(default)s)")
    parser.add_argument("--hidden", type=int, default=64,
                        help="width of the hidden layers (default: "
                             "%(default)s)")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of both libraries (default: %(default)s)")
    parser.add_argument("--gcnops", default="build/bin/gcnops",
                        help="the gcnops binary, built with CUDA (default: "
                             "%(default)s)")
    parser.add_argument("--data", default="data/cora",
                        help="dataset folder in gcnops' format (default: "
                             "%(default)s)")
    parser.add_argument("--keep-reports", metavar="DIR",
                        help="keep the gcnops JSON reports in DIR")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the table's rows as JSON")
    args = parser.parse_args()
    try:
        args.depths = [int(v) for v in args.layers.split(",")]
    except ValueError:
        parser.error(f"--layers {args.layers}: expected integers like 2,8,16")
    args.config_list = args.configs.split(",")
    unknown = [c for c in args.config_list if c not in CONFIGS]
    if unknown:
        parser.error(f"--configs: unknown '{unknown[0]}'; expected some of "
                     f"{', '.join(CONFIGS)}")
    if min(args.depths) < 1:
        parser.error("--layers: every depth must be at least 1")
    if args.epochs <= args.warmup:
        parser.error(f"--epochs {args.epochs} leaves nothing to time after "
                     f"--warmup {args.warmup}")
    return args


def ratio(a, b):
    return a / b if b > 0 else float("nan")


def print_table(rows, info):
    print(f"# {info}")
    print("# ratios are PyG / gcnops (above 1: gcnops faster or smaller); "
          "dev MiB is the whole device")
    header = ("config", "L", "PyG ms/epoch", "gcnops ms/epoch", "ratio",
              "PyG MiB", "gcnops MiB", "ratio", "dev MiB", "PyG test",
              "gcnops test")
    print("| " + " | ".join(header) + " |")
    print("|---|---:" + "|---:" * (len(header) - 2) + "|")
    for r in rows:
        p, g = r["pyg"], r["gcnops"]
        cells = (r["config"], str(r["depth"]), f"{p['ms']:.2f}",
                 f"{g['ms']:.2f}", f"{ratio(p['ms'], g['ms']):.2f}",
                 f"{p['mib']:.1f}", f"{g['mib']:.1f}",
                 f"{ratio(p['mib'], g['mib']):.2f}",
                 f"{g['device_mib']:.0f}", f"{100 * p['test']:.1f}%",
                 f"{100 * g['test']:.1f}%")
        print("| " + " | ".join(cells) + " |")


def compare(args):
    # 1. Everything that can be checked before any training.
    for name in ("adjacency.mtx", "features.mtx", "labels.txt", "train.txt",
                 "val.txt", "test.txt"):
        path = os.path.join(args.data, name)
        if not os.path.isfile(path):
            raise CompareError(f"{path}: no such file (--data {args.data})")
    if not (os.path.isfile(args.gcnops) and os.access(args.gcnops, os.X_OK)):
        raise CompareError(f"{args.gcnops}: no gcnops binary there (build "
                           "with CUDA, or pass --gcnops PATH)")
    torch, pyg_nn, gcn_norm = import_torch()
    data = load_cora(args.data)

    # 2. gcnops first, while this process holds no CUDA context.
    runs = [(c, d) for c in args.config_list for d in args.depths]
    ours = {}
    with tempfile.TemporaryDirectory(prefix="pyg_compare_") as scratch:
        folder = args.keep_reports or scratch
        os.makedirs(folder, exist_ok=True)
        for config, depth in runs:
            print(f"gcnops: {config}, {depth} layers", file=sys.stderr)
            ours[(config, depth)] = run_gcnops(args, config, depth, folder)

    # 3. PyG in this process.
    tensors = to_device(torch, gcn_norm, data)
    rows = []
    for config, depth in runs:
        print(f"PyG: {config}, {depth} layers", file=sys.stderr)
        pyg = run_pyg(torch, pyg_nn, tensors, data, args, config, depth)
        rows.append({"config": config, "depth": depth, "pyg": pyg,
                     "gcnops": ours[(config, depth)]})

    # 4. The table.
    import torch_geometric
    info = (f"{torch.cuda.get_device_name()}; torch {torch.__version__}, "
            f"torch_geometric {torch_geometric.__version__}; gcnops "
            f"{rows[0]['gcnops']['backend']}; {args.epochs} epochs, first "
            f"{args.warmup} left out of the times")
    print_table(rows, info)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"setup": info, "rows": rows}, f, indent=1)


def main():
    args = parse_args()
    try:
        compare(args)
    except CompareError as e:
        print(f"pyg_compare.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
