"""`load_dataset`: the one call the CLI makes, with carpedm20's flag values."""

import logging
import os

from tfdcgan.data import folder, mnist_dataset

logger = logging.getLogger(__name__)


def load_dataset(dataset, data_dir="./data", *, input_fname_pattern="*.jpg",
                 c_dim=None, crop=False, input_height=108, input_width=None,
                 output_height=None, output_width=None, batch_size=64,
                 train_size=None, shuffle=True, seed=None, cache=None,
                 labels=True, split="train", small_images="error",
                 verify="header", prefetch_to_device=None, shard=None):
    """Dataset by name, as carpedm20's `--dataset` / `--data_dir` flags mean.

    * `"mnist"`: the full MNIST IDX files from `data_dir/mnist` when present,
      else the bundled 10,000-digit set; the choice is logged and recorded
      in `info.source`. Yields `(images, labels)` unless `labels=False`.
      `crop`, `input_*`, `input_fname_pattern`, `small_images`, `verify` and
      `cache` do not apply; `c_dim` None means 1.
    * anything else: the image folder `data_dir/dataset` (see
      `image_folder`); `c_dim` None infers it from the files.

    Args:
        dataset: "mnist" or a folder name under `data_dir`.
        data_dir: parent folder of the datasets.
        output_height: None means 28 for MNIST and 64 for folders.
        split: MNIST only: "train", "test" or "all".
        shard: None, or `(num_shards, index)`: after the shuffle, keep every
            `num_shards`-th image from the `index`-th, so that workers
            shuffling with the same seed read disjoint parts (each worker of a
            `tf.distribute` cluster its own; `info` still describes the whole).
        Others: as for `image_folder` and `mnist`.

    Returns:
        `(dataset, info)`: a `tf.data.Dataset` and a `DatasetInfo` saying
        what was read; `info.summary()` is a log-ready description.

    Raises:
        DatasetError: see `image_folder` and `mnist`.
    """
    common = dict(batch_size=batch_size, train_size=train_size, shuffle=shuffle,
                  seed=seed, prefetch_to_device=prefetch_to_device, shard=shard,
                  with_info=True)
    if dataset == "mnist":
        mnist_dir = mnist_dataset.find_mnist_folder(data_dir, split)
        if mnist_dir is None:
            where = os.path.join(data_dir, "mnist")
            missing = mnist_dataset.missing_files(where, split)
            logger.warning(
                "Using the bundled MNIST subset (10,000 training digits, %s): %s "
                "lacks %s. Run `python download.py mnist --data_dir %s` for the "
                "full set.", mnist_dataset.bundled_path(), where, ", ".join(missing), data_dir)
            data, info = mnist_dataset.mnist(None, split=split, labels=labels, c_dim=c_dim or 1,
                                     output_height=output_height,
                                     output_width=output_width, **common)
        else:
            data, info = mnist_dataset.mnist(data_dir, split=split, labels=labels, c_dim=c_dim or 1,
                                     output_height=output_height,
                                     output_width=output_width, **common)
            logger.info("Using full MNIST (%s digits, split %r) from %s.",
                        f"{info.num_files:,}", split, info.path)
        return data, info
    data, info = folder.image_folder(
        data_dir, dataset, input_fname_pattern=input_fname_pattern, c_dim=c_dim,
        crop=crop, input_height=input_height, input_width=input_width,
        output_height=output_height or 64, output_width=output_width,
        cache=cache, small_images=small_images, verify=verify, **common)
    logger.info("%s", info.summary())
    return data, info
