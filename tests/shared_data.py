"""Where the real datasets are (`../shared/data` beside the repository), for
tests that skip with a clear reason when they are absent."""

import gzip
import pathlib

import numpy as np
import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"
CELEBA_DIR = SHARED_DATA / "celebA"


def require(path):
    """Skips the calling test when `path` does not exist."""
    if not path.exists():
        pytest.skip(f"real data not found at {path} (see the README's Tests section)")
    return path


def mnist_train_images(n):
    """The first `n` MNIST training digits as float32 `[n, 28, 28, 1]` in [-1, 1]."""
    path = require(MNIST_DIR / "train-images-idx3-ubyte.gz")
    with gzip.open(path) as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16)
    images = raw.reshape(-1, 28, 28, 1)[:n].astype("float32")
    return images / 127.5 - 1.0
