"""Private reader for the four MNIST IDX files, for training the classifier.

Kept here (instead of using `tfdcgan.data`) so the metrics need nothing
from the training pipeline. Format: http://yann.lecun.com/exdb/mnist/
(big-endian magic 0x00000801 labels / 0x00000803 images, uint8 payload).
"""

import gzip
import os

import numpy as np

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not a uint8 IDX file.")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big")
                  for i in range(ndim))
    payload = np.frombuffer(data, np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(shape)):
        raise ValueError(
            f"{path} is truncated: header says {shape}, got {payload.size} "
            "bytes of data.")
    return payload.reshape(shape)


def _find(data_dir, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"{stem}.gz not found in {data_dir!r}; it should hold the four "
        "MNIST IDX files (train-/t10k- images and labels).")


def load_mnist(data_dir, split):
    """Returns `(images uint8 [n, 28, 28], labels uint8 [n])` of a split.

    Args:
      data_dir: folder holding the IDX files, gzipped or not.
      split: "train" (60,000) or "test" (10,000).
    """
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    images_stem, labels_stem = _FILES[split]
    images = _read_idx(_find(data_dir, images_stem))
    labels = _read_idx(_find(data_dir, labels_stem))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"MNIST {split} files do not match: images {images.shape}, "
            f"labels {labels.shape}.")
    return images, labels
