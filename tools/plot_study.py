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
    depths = sorted({d for (_, d) in energies})
    shown = [d for d in depths if d > 2] or depths

    fig, axes = plt.subplots(1, len(shown), figsize=(5.2 * len(shown), 4.2),
                             squeeze=False)
    for ax, depth in zip(axes[0], shown):
        for config in configs:
            per_layer = energies.get((config, depth))
            if not per_layer:
                continue
            layers = sorted(per_layer)
            values = [math.exp(sum(math.log(max(v, 1e-300)) for v in
                                   per_layer[l]) / len(per_layer[l]))
                      for l in layers]
            ax.plot(layers, values, marker="o", markersize=3, label=config)
        ax.set_yscale("log")
        ax.set_title(f"{depth} layers")
        ax.set_xlabel("layer l (1 = next to the input)")
        ax.set_ylabel("gradient energy  E(dL/dH_l)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][-1].legend(title="configuration", fontsize=8)
    fig.suptitle("Gradient energy per layer at the first training step "
                 "(geometric mean over seeds)")
    fig.tight_layout()
    fig.savefig(dst, dpi=130)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
