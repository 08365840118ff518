"""`image_folder`: a folder of photos as batches for `DCGAN.fit()`."""

import functools
import hashlib
import logging
import os

from tfdcgan import rules
from tfdcgan.data import channels, pipeline, scan
from tfdcgan.data.errors import DatasetError
from tfdcgan.data.info import DatasetInfo, printable, skipped_message
from tfdcgan.rules import SMALL_IMAGE_POLICIES  # noqa: F401  (importable from here too)

logger = logging.getLogger(__name__)


def image_folder(data_dir, dataset=None, *, input_fname_pattern="*.jpg",
                 c_dim=3, crop=False, input_height=108, input_width=None,
                 output_height=64, output_width=None, batch_size=64,
                 train_size=None, shuffle=True, seed=None, cache=None,
                 small_images="error", verify="header", drop_remainder=True,
                 prefetch_to_device=None, shard=None, with_info=False):
    """Images under `data_dir/dataset` matching a glob, as training batches.

    carpedm20's layout: `image_folder("./data", "celebA")` reads
    `./data/celebA/*.jpg`; `image_folder("/photos/faces")` reads that
    folder directly.

    Every file is converted to `c_dim` channels (grey to RGB and back, alpha
    dropped, palettes expanded, 16-bit PNGs scaled by 1/65535). With
    `crop=True` the centred `input_height x input_width` window is cut
    (offsets floored) and resized to the output size, carpedm20's CelebA
    recipe; otherwise the whole image is resized, aspect ratio not kept.
    Resizing is bilinear, antialiased when shrinking.

    Bad files never stop training. Empty, non-image, truncated and corrupt
    files are found at start-up, counted, left out, and reported once (a
    warning naming the first few, and `DatasetInfo.skipped`). With
    `verify="header"` the start-up check reads each file's header and end
    only, so a file corrupt in its middle but well-formed at both ends can
    still fail to decode during training; it is then dropped with
    TensorFlow's warning.

    Args:
        data_dir: folder, or the parent of `dataset`.
        dataset: subfolder name, or None to read `data_dir` itself.
        input_fname_pattern: glob relative to the folder; `**` recurses.
        c_dim: 1 (grey) or 3 (RGB); None infers it (1 if every sampled
            image is grey, else 3).
        crop: centre-crop before resizing.
        input_height, input_width: crop size (width defaults to height).
        output_height, output_width: output size (width defaults to height).
        batch_size: images per batch.
        train_size: use at most the first `train_size` files (sorted by path).
        shuffle, seed: reshuffle every epoch; a seed makes the order (and
            the parallel decode order) reproducible.
        cache: None, "memory", or a file path prefix for an on-disk cache of
            decoded images (uint8 at the output size: 12 KB per 64x64x3
            image). The cache is filled when the dataset is made (one decode
            pass), so later epochs never decode. On disk, the file name gets
            a suffix from the files and settings, so a changed crop, size or
            folder never reads a stale cache; a complete cache is reused by
            later runs.
        small_images: with `crop=True`, what to do with images smaller than
            the crop: "error" (default; names the first one), "upscale"
            (scale up, keeping aspect, until the crop fits) or "skip".
        verify: "header" (default), "decode" (decode every file at start-up:
            exact, slow on large folders) or "none" (check nothing: fastest
            start-up; bad files are dropped during training, unnamed, and
            small images are upscaled).
        drop_remainder: drop the last partial batch (default, as GANs with
            batch norm expect fixed batches).
        prefetch_to_device: None (plain prefetch), "auto" (onto the first
            GPU if there is one) or a device string; see `pipeline.finish`
            for why this is off by default.
        shard: None, or `(num_shards, index)`: this worker's part of every
            epoch (see `tfdcgan.data.load_dataset`).
        with_info: also return a `DatasetInfo`.

    Returns:
        A `tf.data.Dataset` of float32 `[batch_size, output_height,
        output_width, c_dim]` in [-1, 1]; with `with_info`, `(dataset, info)`.

    Raises:
        tfdcgan.rules.SettingError: a size, `c_dim`, batch size or policy
            out of its range, before the folder is read.
        DatasetError: missing folder, nothing matching, nothing readable, an
            image smaller than the crop (policy "error"), or fewer readable
            images than one batch. Messages name the folder and pattern.

    Example:
        >>> ds = image_folder("./data", "celebA", crop=True)  # doctest: +SKIP
        >>> next(iter(ds)).shape  # doctest: +SKIP
        TensorShape([64, 64, 64, 3])
    """
    folder = data_dir if dataset is None else os.path.join(data_dir, dataset)
    rules.check("small_images", small_images)
    rules.check("c_dim", c_dim)
    sizes = (("output_height", output_height), ("output_width", output_width),
             ("batch_size", batch_size))
    if crop:  # (the input sizes are the crop's)
        sizes += (("input_height", input_height), ("input_width", input_width))
    for name, value in sizes:
        rules.check(name, value, required=not name.endswith("_width"))
    input_width = input_height if input_width is None else input_width
    output_width = output_height if output_width is None else output_width

    files, result = _find_and_scan(folder, input_fname_pattern, train_size, verify)
    good, headers, skipped = list(result.files), list(result.headers), list(result.skipped)
    if crop:
        good, headers, small = _small_images(
            folder, good, headers, input_height, input_width, small_images)
        skipped += small

    where = f"{folder} matching {input_fname_pattern!r}"
    named_skips = [(printable(os.path.relpath(p, folder)), reason) for p, reason in skipped]
    if not good:
        raise DatasetError(
            f"None of the {len(files):,} files in {where} is a readable image. "
            + skipped_message(named_skips, len(files)))
    if skipped:
        logger.warning("%s: %s", where, skipped_message(named_skips, len(files)))
    if drop_remainder and len(good) < batch_size:
        raise DatasetError(
            f"Only {len(good):,} readable images in {where}, fewer than one "
            f"batch of {batch_size}; lower batch_size or add images.")

    inferred = c_dim is None
    if inferred:
        c_dim = channels.infer_c_dim(good, headers)
        logger.info("%s: inferred c_dim=%d", where, c_dim)

    dataset_obj = pipeline.image_pipeline(
        good, headers,
        c_dim=c_dim,
        crop_size=(input_height, input_width) if crop else None,
        output_size=(output_height, output_width),
        batch_size=batch_size, shuffle=shuffle, seed=seed,
        cache=_cache_arg(cache, good, input_height if crop else None, input_width,
                         output_height, output_width, c_dim),
        drop_remainder=drop_remainder,
        prefetch_to_device=prefetch_to_device, shard=shard)
    if not with_info:
        return dataset_obj
    info = DatasetInfo(
        name=dataset or os.path.basename(os.path.normpath(folder)),
        source="folder", path=folder, pattern=input_fname_pattern,
        num_files=len(files), num_examples=len(good), skipped=tuple(named_skips),
        image_shape=(output_height, output_width, c_dim), c_dim=c_dim,
        c_dim_inferred=inferred, has_labels=False, num_classes=None,
        batch_size=batch_size,
        steps_per_epoch=len(good) // batch_size if drop_remainder else -(-len(good) // batch_size))
    return dataset_obj, info


def _find_and_scan(folder, pattern, train_size, verify):
    """Matching files (capped at train_size) and their scan, memoised.

    Callers that rebuild the dataset every epoch (a new shuffle seed each
    time) would otherwise list and scan the folder again: about 10 s for
    200k files. The memo is keyed on the folder's modification time, which
    changes whenever a file is added, removed or renamed in it; recursive
    patterns, whose subfolders that time does not cover, are never memoised.
    """
    if "/" in pattern or "**" in pattern or not os.path.isdir(folder):
        return _find_and_scan_now(folder, pattern, train_size, verify)
    mtime = os.stat(folder).st_mtime_ns
    return _find_and_scan_memo(os.path.abspath(folder), pattern, train_size, verify, mtime)


def _find_and_scan_now(folder, pattern, train_size, verify):
    files = scan.find_files(folder, pattern)
    if train_size is not None:
        files = files[:train_size]
    return files, scan.scan_files(files, verify=verify)


@functools.lru_cache(maxsize=4)
def _find_and_scan_memo(folder, pattern, train_size, verify, mtime):
    del mtime  # part of the key only
    return _find_and_scan_now(folder, pattern, train_size, verify)


def _small_images(folder, files, headers, crop_height, crop_width, policy):
    """Applies the small-image policy to files whose header gives a size."""
    small = [i for i, h in enumerate(headers)
             if h is not None and h.height is not None and h.width is not None
             and (h.height < crop_height or h.width < crop_width)]
    if not small or policy == "upscale":
        return files, headers, []
    first = headers[small[0]]
    where = (f"{printable(files[small[0]])} is {first.width}x{first.height} pixels "
             f"(width x height), smaller than the {crop_width}x{crop_height} crop "
             f"(input_width x input_height); {len(small):,} of {len(files):,} "
             f"images in {printable(folder)} are")
    upscale = ("small_images='upscale' (--small_images upscale on the command "
               "line) to scale such images up before cropping")
    if policy == "error":
        raise DatasetError(
            f"{where}. Lower input_height/input_width, or pass {upscale}, or "
            f"small_images='skip' (--small_images skip) to leave them out.")
    if len(small) == len(files):
        raise DatasetError(
            f"{where}: the crop is larger than every image. Lower "
            f"input_height/input_width, or pass {upscale}.")
    drop = set(small)
    skipped = [(files[i], f"{headers[i].width}x{headers[i].height}, smaller "
                f"than the {crop_width}x{crop_height} crop") for i in small]
    keep = [i for i in range(len(files)) if i not in drop]
    return [files[i] for i in keep], [headers[i] for i in keep], skipped


def _cache_arg(cache, files, *settings):
    """None, "memory", or the on-disk cache prefix with a settings suffix."""
    if cache is None or cache is False:
        return None
    if cache is True or cache == "memory" or cache == "":
        return "memory"
    fingerprint = hashlib.md5(repr((files, settings)).encode()).hexdigest()[:12]
    os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    return f"{cache}-{fingerprint}"
