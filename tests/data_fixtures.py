"""Helpers for the data tests: real-data paths and image files written with Pillow.

Not a conftest (that file belongs to the whole suite); the data tests import
these helpers directly.
"""

import os
import pathlib

import numpy as np
import pytest
from PIL import Image

# ../shared/data relative to the repository root, found from this file so the
# tests work from any working directory.
SHARED_DATA = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data"
MNIST_DIR = SHARED_DATA / "mnist"
CELEBA_DIR = SHARED_DATA / "celebA"

requires_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(),
    reason=f"real MNIST not found at {MNIST_DIR} (../shared/data/mnist from the repo root)")
requires_celeba = pytest.mark.skipif(
    not (CELEBA_DIR / "000001.jpg").is_file(),
    reason=f"real CelebA photos not found at {CELEBA_DIR} (../shared/data/celebA)")


def rgb_pattern(height, width, seed=0):
    """uint8 `[h, w, 3]` of smooth colour ramps plus noise (JPEG-friendly)."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(0, 255, height)[:, None]
    cols = np.linspace(0, 255, width)[None, :]
    image = np.stack([rows + 0 * cols, cols + 0 * rows, (rows + cols) / 2], -1)
    return np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)


def position_image(height, width):
    """uint8 RGB whose pixels encode their own row and column (mod 256)."""
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows % 256, cols % 256, (rows * 7 + cols * 3) % 256], -1).astype(np.uint8)


def save(path, array_or_image, mode=None, **kwargs):
    """Writes an image with Pillow, converting to `mode` first; returns the path."""
    image = (array_or_image if isinstance(array_or_image, Image.Image)
             else Image.fromarray(array_or_image))
    if mode is not None and image.mode != mode:
        image = image.convert(mode)
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    image.save(str(path), **kwargs)
    return str(path)


def save_jpegs(folder, count, height=40, width=50, prefix="img", mode="RGB"):
    """`count` JPEGs with different content; returns their paths, sorted."""
    return [save(os.path.join(str(folder), f"{prefix}{i:03d}.jpg"),
                 rgb_pattern(height, width, seed=i), mode=mode, quality=95)
            for i in range(count)]


def save_flat(path, value, height=40, width=50, mode="RGB", **kwargs):
    """A single-colour image (value: int grey level or RGB tuple)."""
    fill = value if isinstance(value, tuple) else (value,) * 3
    return save(path, Image.new("RGB", (width, height), fill), mode=mode, **kwargs)


def write_bytes(path, data):
    with open(str(path), "wb") as f:
        f.write(data)
    return str(path)


def truncated_copy(source, dest, fraction=0.5):
    with open(source, "rb") as f:
        data = f.read()
    return write_bytes(dest, data[:int(len(data) * fraction)])


def to_float(pixels):
    """uint8 or uint16 array to the [-1, 1] floats the pipeline yields."""
    scale = 65535.0 if pixels.dtype == np.uint16 else 255.0
    return pixels.astype(np.float64) / scale * 2 - 1
