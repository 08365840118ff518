"""MNIST from its IDX files, or the compact copy bundled for offline use.

`mnist(data_dir)` reads `data_dir/mnist/` (carpedm20's layout) or
`data_dir/` itself; `mnist()` with no folder uses the bundled set: the first
10,000 training digits of MNIST with their labels (see assets/SOURCE.md and
tools/make_bundled_mnist.py), so training works on a fresh machine.
"""

import importlib.resources
import os

import numpy as np
import tensorflow as tf

from tfdcgan import rules
from tfdcgan.data import idx, pipeline
from tfdcgan.data.errors import DatasetError
from tfdcgan.data.info import DatasetInfo

SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
BUNDLED = ("mnist-10k-train-images-idx3-ubyte.gz", "mnist-10k-train-labels-idx1-ubyte.gz")
NUM_CLASSES = 10


def find_mnist_folder(data_dir, split="train"):
    """`data_dir/mnist` or `data_dir` if it holds `split`'s IDX files, else None."""
    for folder in (os.path.join(data_dir, "mnist"), data_dir):
        if not missing_files(folder, split):
            return folder
    return None


def missing_files(folder, split="train"):
    """IDX file names `split` needs that `folder` lacks ("all" = both)."""
    names = [n for s in _split_names(split) for n in SPLITS[s]]
    return [n + ".gz" for n in names if idx.find_idx(folder, n) is None]


def load_arrays(folder, split="train"):
    """uint8 images `[n, 28, 28]` and labels `[n]` from IDX files in `folder`.

    Args:
        folder: folder holding the IDX files.
        split: "train" (60,000), "test" (10,000) or "all" (both, 70,000, as
            carpedm20 trains on).
    """
    missing = missing_files(folder, split)
    if missing:
        raise DatasetError(
            f"{folder} lacks MNIST files {', '.join(missing)}. Run `python "
            f"download.py mnist --data_dir {os.path.dirname(folder) or '.'}`, "
            f"or call mnist() without data_dir for the bundled set.")
    images, labels = [], []
    for s in _split_names(split):
        image_name, label_name = SPLITS[s]
        images.append(idx.read_idx(idx.find_idx(folder, image_name)))
        labels.append(idx.read_idx(idx.find_idx(folder, label_name)))
        if images[-1].ndim != 3 or labels[-1].shape != images[-1].shape[:1]:
            raise DatasetError(
                f"MNIST files in {folder} disagree: images {images[-1].shape}, "
                f"labels {labels[-1].shape}.")
    return np.concatenate(images), np.concatenate(labels)


def load_bundled_arrays():
    """The bundled 10,000 training digits: uint8 `[10000, 28, 28]`, `[10000]`."""
    assets = importlib.resources.files("tfdcgan.data").joinpath("assets")
    arrays = []
    for name in BUNDLED:
        with importlib.resources.as_file(assets.joinpath(name)) as path:
            arrays.append(idx.read_idx(str(path)))
    return tuple(arrays)


def bundled_path():
    """Where the bundled files live (for messages and DatasetInfo)."""
    return str(importlib.resources.files("tfdcgan.data").joinpath("assets"))


def mnist(data_dir=None, batch_size=64, split="train", labels=True, *,
          shuffle=True, seed=None, train_size=None, c_dim=1,
          output_height=None, output_width=None, drop_remainder=True,
          prefetch_to_device=None, shard=None, with_info=False):
    """MNIST digits as batches for `DCGAN.fit()`.

    Args:
        data_dir: folder holding `mnist/` (or the IDX files themselves), or
            None for the bundled 10,000-digit set (split "train" only).
        batch_size: images per batch.
        split: "train", "test" or "all" (train + test, carpedm20's choice).
        labels: also yield labels, for class conditioning (`y_dim=10`).
        shuffle, seed: reshuffle every epoch; a seed makes it reproducible.
        train_size: use at most this many digits (the first ones).
        c_dim: 1, or 3 to repeat the grey channel.
        output_height, output_width: resize (bilinear) from 28x28; None keeps 28.
        drop_remainder: drop the last partial batch.
        prefetch_to_device: None (plain prefetch), "auto" (onto the first
            GPU if there is one) or a device string; see `pipeline.finish`
            for why this is off by default.
        shard: None, or `(num_shards, index)`: this worker's part of every
            epoch (see `tfdcgan.data.load_dataset`).
        with_info: also return a `DatasetInfo`.

    Returns:
        A `tf.data.Dataset` of `(images, labels)`: float32 `[batch, 28, 28,
        c_dim]` in [-1, 1] and int32 `[batch]` in 0..9; images alone when
        `labels=False`. With `with_info`, `(dataset, info)`.

    Raises:
        tfdcgan.rules.SettingError: a batch size or output size out of range.
        DatasetError: no MNIST files there, or fewer digits than one batch.
    """
    rules.check("batch_size", batch_size, required=True)
    rules.check("output_height", output_height)
    rules.check("output_width", output_width)
    if data_dir is None:
        if split != "train":
            raise DatasetError(f"The bundled MNIST set has only the 'train' split "
                               f"(10,000 digits); split={split!r} needs the IDX files.")
        images, targets = load_bundled_arrays()
        source, folder = "mnist-bundled", bundled_path()
    else:
        folder = find_mnist_folder(data_dir, split)
        if folder is None:
            folder = os.path.join(data_dir, "mnist")
        images, targets = load_arrays(folder, split)
        source = "mnist"
    num_files = len(images)
    if train_size is not None:
        images, targets = images[:train_size], targets[:train_size]
    if drop_remainder and len(images) < batch_size:
        raise DatasetError(
            f"Only {len(images):,} MNIST digits, fewer than one batch of {batch_size}; "
            f"lower batch_size (or raise train_size).")
    output_size = (output_height or 28, output_width or output_height or 28)
    ds = digits_dataset(images, targets if labels else None, batch_size=batch_size,
                        shuffle=shuffle, seed=seed, c_dim=c_dim, output_size=output_size,
                        drop_remainder=drop_remainder, prefetch_to_device=prefetch_to_device,
                        shard=shard)
    if not with_info:
        return ds
    info = DatasetInfo(
        name="mnist", source=source, path=folder, pattern=None,
        num_files=num_files, num_examples=len(images), skipped=(),
        image_shape=(*output_size, c_dim), c_dim=c_dim, c_dim_inferred=False,
        has_labels=bool(labels), num_classes=NUM_CLASSES if labels else None,
        batch_size=batch_size,
        steps_per_epoch=(len(images) // batch_size if drop_remainder
                         else -(-len(images) // batch_size)))
    return ds, info


def digits_dataset(images, labels, *, batch_size, shuffle, seed, c_dim,
                   output_size, drop_remainder, prefetch_to_device, shard=None):
    """Batches from in-memory uint8 digits `[n, h, w]` (and labels `[n]`).

    Shuffles indices and gathers whole batches: one op per batch instead of
    one element per digit through tf.data.
    """
    if c_dim not in (1, 3):
        raise ValueError(f"c_dim must be 1 or 3, got {c_dim!r}")
    images = tf.constant(images)
    if labels is not None:
        labels = tf.constant(labels.astype(np.int32))
    count = int(images.shape[0])
    if shuffle and isinstance(seed, tf.Tensor):
        ds = tf.data.Dataset.from_tensor_slices(pipeline.seeded_order(count, seed))
    else:
        ds = tf.data.Dataset.range(count)
        if shuffle:
            ds = ds.shuffle(count, seed=seed)
    if shard is not None:
        ds = ds.shard(*shard)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    native = tuple(images.shape[1:3]) == tuple(output_size)

    def gather(index):
        batch = tf.cast(tf.gather(images, index), tf.float32)[..., None] / 127.5 - 1.0
        if not native:
            batch = tf.clip_by_value(
                tf.image.resize(batch, output_size, method="bilinear"), -1.0, 1.0)
        if c_dim == 3:
            batch = tf.tile(batch, [1, 1, 1, 3])
        return batch if labels is None else (batch, tf.gather(labels, index))

    ds = ds.map(gather, num_parallel_calls=pipeline.AUTOTUNE)
    return pipeline.finish(ds, prefetch_to_device)


def _split_names(split):
    if split == "all":
        return ("train", "test")
    if split not in SPLITS:
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    return (split,)
