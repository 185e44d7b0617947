#!/usr/bin/env python3
"""Plots the gradient energy per layer written by `gcnops study`.

    plot_study.py energy.csv energy.png

energy.csv has one row per (config, depth, seed, layer) with the energies
of the first training step. The figure has one panel per depth, layers on
the x axis, E(dL/dH_l) on a log scale, one line per configuration (the
geometric mean over seeds).
"""

import csv
import math
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    # energies[(config, depth)][layer] = list over seeds
    energies = defaultdict(lambda: defaultdict(list))
    configs = []
    with open(src) as f:
        for row in csv.DictReader(f):
            key = (row["config"], int(row["depth"]))
            energies[key][int(row["layer"])].append(float(row["grad_h"]))
            if row["config"] not in configs:
                configs.append(row["config"])
    if not energies:
        print(f"plot_study.py: {src} has no energy rows", file=sys.stderr)
        return 1
    depths = sorted({d for (_, d) in energies})
    shown = [d for d in depths if d > 2] or depths

    # Two panels a row at most, one shared legend on the right, so that a
    # --full study (four depths, ten configurations) stays readable.
    cols = min(2, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.0 * cols, 4.3 * rows),
                             squeeze=False)
    colours = plt.get_cmap("tab10")
    for index, depth in enumerate(shown):
        ax = axes[index // cols][index % cols]
        for k, config in enumerate(configs):
            per_layer = energies.get((config, depth))
            if not per_layer:
                continue
            layers = sorted(per_layer)
            values = [math.exp(sum(math.log(max(v, 1e-300)) for v in
                                   per_layer[l]) / len(per_layer[l]))
                      for l in layers]
            ax.plot(layers, values, marker="o", markersize=3, label=config,
                    color=colours(k % 10))
        ax.set_yscale("log")
        ax.set_title(f"{depth} layers")
        ax.set_xlabel(f"layer l (1 = next to the input, {depth} = logits)")
        ax.set_ylabel("gradient energy  E(dL/dH_l)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, which="both", alpha=0.3)
    for index in range(len(shown), rows * cols):
        axes[index // cols][index % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes.flat[1:len(shown)]:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    fig.legend(handles, labels, title="configuration", loc="center left",
               bbox_to_anchor=(1.0, 0.5), fontsize=9)
    fig.suptitle("Gradient energy per layer at the first training step "
                 "(geometric mean over seeds)")
    fig.tight_layout()
    fig.savefig(dst, dpi=130, bbox_inches="tight")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
