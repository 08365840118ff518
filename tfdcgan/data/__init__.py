"""Input pipelines for tfdcgan: image folders, MNIST, an offline default.

Every loader returns a batched `tf.data.Dataset` ready for `DCGAN.fit()`:
float32 images in [-1, 1], shaped `[batch_size, height, width, c_dim]`, with
int32 labels `[batch_size]` where the dataset has them (MNIST).

Public API
----------
`load_dataset(dataset, data_dir="./data", **options) -> (Dataset, DatasetInfo)`
    What the CLI calls with carpedm20's flag values. `dataset="mnist"` reads
    the IDX files in `data_dir/mnist` when present, else the bundled
    10,000-digit set (logged, and recorded in `info.source`); any other name
    is the image folder `data_dir/<dataset>`. Options: input_fname_pattern,
    c_dim (None = infer), crop, input_height, input_width, output_height,
    output_width, batch_size, train_size, shuffle, seed, cache, labels, split,
    small_images, verify, prefetch_to_device, shard (`(num_shards, index)`:
    one worker's part of every epoch).

`image_folder(data_dir, dataset=None, *, input_fname_pattern="*.jpg", c_dim=3,
              crop=False, input_height=108, input_width=None, output_height=64,
              output_width=None, batch_size=64, train_size=None, shuffle=True,
              seed=None, cache=None, small_images="error", verify="header",
              drop_remainder=True, prefetch_to_device=None, shard=None,
              with_info=False)`
    Files matching `data_dir/dataset/input_fname_pattern` (JPEG, PNG, BMP,
    GIF first frame, WebP) -> `[batch, output_height, output_width, c_dim]`.

`mnist(data_dir=None, batch_size=64, split="train", labels=True, *,
       shuffle=True, seed=None, train_size=None, c_dim=1, output_height=None,
       output_width=None, drop_remainder=True, prefetch_to_device=None,
       shard=None, with_info=False)`
    `(images [b, 28, 28, 1], labels [b] int32)`, or images alone.
    `data_dir=None` reads the bundled set.

`DatasetInfo`
    Frozen dataclass: name, source ("folder" | "mnist" | "mnist-bundled"),
    path, pattern, num_files, num_examples, skipped ((name, reason), ...),
    num_skipped, image_shape, c_dim, c_dim_inferred, has_labels, num_classes,
    batch_size, steps_per_epoch; `summary()` for logs, `to_dict()` for JSON.

`DatasetError(ValueError)`
    Raised before any model is built when the data cannot be used: missing
    folder, no file matching (the message lists what is there instead), no
    readable image, an image smaller than the crop, fewer images than a
    batch. Unreadable files among good ones are skipped and reported, never
    raised.

`read_idx(path)`, `write_idx(path, array)`: the MNIST file format.

Downloads live in `tfdcgan.data.download` (`python download.py mnist celebA`).

Example:
    >>> import tfdcgan.data
    >>> ds, info = tfdcgan.data.load_dataset("mnist", "./data")  # doctest: +SKIP
    >>> print(info.summary())  # doctest: +SKIP
"""

from tfdcgan.data.errors import DatasetError
from tfdcgan.data.folder import image_folder
from tfdcgan.data.idx import read_idx, write_idx
from tfdcgan.data.info import DatasetInfo
from tfdcgan.data.load import load_dataset
from tfdcgan.data.mnist_dataset import mnist

__all__ = [
    "DatasetError",
    "DatasetInfo",
    "image_folder",
    "load_dataset",
    "mnist",
    "read_idx",
    "write_idx",
]
