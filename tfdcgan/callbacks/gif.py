"""`TrainingGif`: the sample grids of a run as one animated GIF."""

import glob
import os

from tfdcgan import visualize
from tfdcgan.callbacks.steps import StepCallback


class TrainingGif(StepCallback):
    """At the end of training, animates every `sample_dir/pattern` file (in
    name order, i.e. step order for `SampleGrid`'s names) into `path`.

    Args:
        sample_dir: str, the folder of sample grids.
        path: str, the GIF to write.
        pattern: str, glob of the frames.
        frame_seconds: float, how long each frame shows.
    """

    def __init__(self, sample_dir, path, pattern="train_*.png", frame_seconds=0.2):
        super().__init__()
        self.sample_dir = sample_dir
        self.path = path
        self.pattern = pattern
        self.frame_seconds = frame_seconds

    def on_train_end(self, logs=None):
        self.write()

    def write(self):
        """Writes the GIF; returns its path, or None when there are no frames."""
        frames = sorted(glob.glob(os.path.join(self.sample_dir, self.pattern)))
        if not frames:
            return None
        return visualize.gif_from_files(
            frames, self.path, duration=self.frame_seconds * len(frames))
