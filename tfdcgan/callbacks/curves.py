"""`LossCurves`: per-step stats as JSON lines, and D and G loss curves as a PNG."""

import os
import time

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tfdcgan import jsonfiles
from tfdcgan.callbacks.steps import StepCallback

LOSSES = ("d_loss", "g_loss", "d_loss_real", "d_loss_fake")
OUTPUTS = ("d_real", "d_fake")


class LossCurves(StepCallback):
    """Appends every step's metric values to `stats_path` (one JSON object a
    line: `step`, `epoch`, `time` and the metrics) and redraws `plot_path`
    every `every` steps and at the end of each `fit()`: the losses of D and G
    above, the mean D(x) and D(G(z)) below, each raw and smoothed.

    On a resumed run, lines after the model's step (from steps that were
    trained again after the checkpoint) are dropped first, so the curves show
    each step once.

    Args:
        stats_path: str, the JSON-lines file.
        plot_path: str, the PNG.
        every: int, steps between redraws; 0 or None for `fit()` ends only.
    """

    def __init__(self, stats_path, plot_path, every=200):
        super().__init__()
        self.stats_path = stats_path
        self.plot_path = plot_path
        self.every = every
        self.history = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.history is None:
            self.history = [r for r in jsonfiles.read_jsonl(self.stats_path)
                            if r["step"] <= self.step]
            jsonfiles.write_jsonl(self.stats_path, self.history)

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        record = {"step": self.step, "epoch": self._epoch, "time": round(time.time(), 3)}
        record.update(self.step_values)
        self.history.append(record)
        jsonfiles.append_jsonl(self.stats_path, record)
        if self.every and self.step % self.every == 0:
            self.plot()

    def on_train_end(self, logs=None):
        if self.history:
            self.plot()

    def plot(self):
        """Redraws the PNG from the history; returns its path."""
        return plot_curves(self.history or [], self.plot_path)


def plot_curves(records, path, smoothing=0.9):
    """Draws losses and D outputs of `records` against step into `path`."""
    fig = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    steps = [r["step"] for r in records]
    for ax, names, title in ((top, LOSSES, "Losses"),
                             (bottom, OUTPUTS, "Mean sigmoid(D): real x, fake G(z)")):
        for i, name in enumerate(names):
            values = [r.get(name, float("nan")) for r in records]
            if not any(v == v for v in values):
                continue
            color = f"C{i}"
            ax.plot(steps, values, color=color, alpha=0.25, linewidth=0.8)
            ax.plot(steps, _ema(values, smoothing), color=color, label=name)
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(loc="upper right", fontsize="small")
    bottom.set_xlabel("step")
    bottom.set_ylim(-0.02, 1.02)
    fig.tight_layout()
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    # Written beside and renamed, so a viewer never sees half a PNG.
    partial = path + ".partial.png"
    fig.savefig(partial)
    os.replace(partial, path)
    return path


def _ema(values, smoothing):
    """Exponential moving average, debiased as TensorBoard's smoothing."""
    out, average, weight = [], 0.0, 0.0
    for v in values:
        if v == v:  # NaN leaves the average where it was
            average = smoothing * average + (1 - smoothing) * v
            weight = smoothing * weight + (1 - smoothing)
        out.append(average / weight if weight else float("nan"))
    return out
