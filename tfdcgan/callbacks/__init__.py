"""Callbacks for `fit()`: what a training run writes and how it stops.

    SampleGrid            samples/train_{step:08d}.png from a fixed z
    LossCurves            stats.jsonl and losses.png
    TrainingGif           training.gif of the sample grids
    TensorBoardSummaries  scalars, D(x)/D(G(z)) histograms, image grids
    NaNGuard              stop at the first non-finite loss
    RunCheckpoint         what a checkpoint holds; robust restore
    Checkpointer          save every N steps and at epoch ends
    StopOnSignal          Ctrl-C / SIGTERM: stop cleanly after this step
    SaveOnPreemption      SIGTERM on any worker of a cluster: all save, then stop
    RunProgbar            the Keras progress bar, numbered for the whole run
    RunLog                progress as lines, for stdout that is not a terminal
    EpochWeights          weights/generator_{epoch:03d}.weights.h5 (D's, G's average)
    MallocThresholds      keep glibc's malloc reusing large buffers (from
                          tfdcgan.allocator; GAN.fit adds it)

All but MallocThresholds read the global step from the model
(`StepCallback`: the optimizers' iteration counts, restored with a
checkpoint), so a resumed run continues where it stopped.
"""

from tfdcgan.allocator import MallocThresholds
from tfdcgan.callbacks.checkpoint import Checkpointer, NonFiniteWeightsError, RunCheckpoint
from tfdcgan.callbacks.curves import LossCurves
from tfdcgan.callbacks.gif import TrainingGif
from tfdcgan.callbacks.interrupt import StopOnSignal
from tfdcgan.callbacks.nan_guard import NaNGuard
from tfdcgan.callbacks.preemption import SaveOnPreemption
from tfdcgan.callbacks.progbar import RunLog, RunProgbar, progress_callback
from tfdcgan.callbacks.samples import SampleGrid
from tfdcgan.callbacks.steps import StepCallback
from tfdcgan.callbacks.tensorboard import TensorBoardSummaries
from tfdcgan.callbacks.weights import EpochWeights
