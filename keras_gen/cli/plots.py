"""The loss plot of a `keras-gen train` run: `losses.png` from `history.csv`."""

from __future__ import annotations

import csv
import math
import os


def plot_history(history_path: str, plot_path: str) -> str:
    """Plots every column of a CSVLogger file against the epoch: losses left, others right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    with open(history_path, newline="") as file:
        rows = list(csv.DictReader(file))
    epochs = [int(row["epoch"]) + 1 for row in rows]
    # CSVLogger fills metrics that were never logged (val_* without validation) with "NA".
    columns = [
        c for c in (rows[0] if rows else {}) if c != "epoch" and any(row[c] != "NA" for row in rows)
    ]
    # The KL term is orders of magnitude below the reconstruction term: its own panel.
    kl_terms = [c for c in columns if c.startswith("kl")]
    losses = [c for c in columns if c.endswith("loss") and c not in kl_terms]
    others = [c for c in columns if c not in losses and c not in kl_terms]
    panels = [
        (ylabel, names)
        for ylabel, names in (("loss", losses), ("KL divergence", kl_terms), ("value", others))
        if names
    ]
    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for axis, (ylabel, names) in zip(axes[0], panels):
        for name in names:
            values = [float(row[name]) if row[name] != "NA" else math.nan for row in rows]
            axis.plot(epochs, values, marker="o", label=name)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(ylabel)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(os.path.basename(os.path.dirname(os.path.abspath(plot_path))))
    figure.tight_layout()
    figure.savefig(plot_path, dpi=100)
    plt.close(figure)
    return plot_path
