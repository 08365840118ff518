"""tf.data assembly for image folders: decode, crop, resize, batch, prefetch.

Layout, chosen by measurement (benchmarks/input_pipeline.py):

    file names -> shuffle (whole list; cheap) -> parallel map: read + decode
    (+ centre crop) -> ignore_errors -> batch -> map: resize + scale to [-1, 1]
    -> prefetch (optionally onto the GPU, see `finish`)

Resizing whole batches is much cheaper than resizing image by image, and it
is possible whenever every element has the same size, i.e. after a crop.
Without a crop (images of any size) or with a cache, each element is resized
on its own; cached elements are stored as uint8 at the output size (a 64x64x3
image is 12 KB, about 2.4 GB for all of CelebA), so cached runs see values
quantised to 1/255. Caches are filled when the dataset is made (see
`_filled_cache`).
"""

import dataclasses
import os

import tensorflow as tf

from tfdcgan.data import decode, geometry

AUTOTUNE = tf.data.AUTOTUNE
# Elements, not bytes: ~120 MB of 64x64x3 uint8 images for the post-cache
# shuffle. The cache itself already holds a random order (the file list is
# shuffled once before it), so this only needs to mix across epochs.
_CACHED_SHUFFLE_BUFFER = 10_000


def image_pipeline(files, headers, *, c_dim, crop_size, output_size,
                   batch_size, shuffle, seed, cache, drop_remainder,
                   prefetch_to_device, shard=None):
    """Batched dataset of float32 `[batch, out_h, out_w, c_dim]` in [-1, 1].

    Args:
        files: list of paths, all expected to be readable.
        headers: their `ImageHeader`s from the scan (or Nones): which files
            need Pillow, and which branches the graph can leave out.
        c_dim: 1 or 3.
        crop_size: `(height, width)` of the centre crop, or None to resize
            whole images.
        output_size: `(height, width)`.
        batch_size, drop_remainder: as for `Dataset.batch`.
        shuffle, seed: shuffle every epoch; a seed makes order and output
            reproducible (and turns on deterministic parallel decoding). A
            seed that is a tensor (computed in a dataset function) gives one
            order, `seeded_order(count, seed)`.
        cache: None, "memory" or a file path prefix for `Dataset.cache`.
        prefetch_to_device: see `finish`.
        shard: None, or `(num_shards, index)`: after the shuffle (the same on
            every worker for the same seed), keep every `num_shards`-th file
            from the `index`-th, so each worker decodes only its own part.
    """
    count = len(files)
    traits = FileTraits.from_headers(headers, crop_size)
    use_pillow = [bool(h and h.needs_pillow) for h in headers]
    per_element_resize = cache is not None or crop_size is None

    def load(path, pillow):
        image = _decode(path, pillow, c_dim, crop_size, traits)
        if per_element_resize:
            image = _resize(image, output_size, crop_size)
        if cache is not None:
            image = tf.cast(tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0), tf.uint8)
        return image

    # Paths as bytes: a name that is not valid UTF-8 (common on disks written
    # by other systems) cannot become a TensorFlow string otherwise.
    sources = ([os.fsencode(f) for f in files], use_pillow)
    if shuffle and isinstance(seed, tf.Tensor):
        if cache is not None:
            raise ValueError("A cached dataset takes an int seed, not a tensor.")
        order = seeded_order(count, seed)
        sources = tuple(tf.gather(tf.constant(t), order) for t in sources)
    ds = tf.data.Dataset.from_tensor_slices(sources)
    if shuffle and not isinstance(seed, tf.Tensor):
        ds = ds.shuffle(count, seed=seed, reshuffle_each_iteration=cache is None)
    if shard is not None:
        ds = ds.shard(*shard)
    deterministic = seed is not None or not shuffle
    ds = ds.map(load, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    # The scan removed every file it could tell was bad; anything that still
    # fails to decode (corruption inside a well-formed file) is dropped here,
    # with TensorFlow's warning, rather than ending the epoch.
    ds = ds.ignore_errors(log_warning=True)
    if cache is not None:
        ds = _filled_cache(ds, cache)
        if shuffle:
            ds = ds.shuffle(min(count, _CACHED_SHUFFLE_BUFFER), seed=seed)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder,
                  num_parallel_calls=AUTOTUNE, deterministic=deterministic)

    def finish_batch(images):
        if cache is not None:
            return tf.cast(images, tf.float32) / 127.5 - 1.0
        if not per_element_resize:
            images = _resize(images, output_size, crop_size)
        return tf.clip_by_value(images * 2.0 - 1.0, -1.0, 1.0)

    ds = ds.map(finish_batch, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    return finish(ds, prefetch_to_device)


@dataclasses.dataclass(frozen=True)
class FileTraits:
    """What the scan proved about every file, so the graph can skip branches.

    Each `tf.cond` in the per-image function costs time on every image
    (together about 10-25% of the throughput on CelebA, measured), so branches that
    no file needs are left out of the graph. Unknown headers (verify="none")
    keep every branch.
    """

    any_pillow: bool = False
    all_jpeg: bool = False
    any_cmyk: bool = True
    any_small: bool = True

    @classmethod
    def from_headers(cls, headers, crop_size=None):
        if any(h is None for h in headers):
            return cls()
        return cls(
            any_pillow=any(h.needs_pillow for h in headers),
            all_jpeg=all(h.format == "jpeg" for h in headers),
            any_cmyk=any(h.cmyk for h in headers),
            any_small=crop_size is not None and any(
                h.height is None or h.width is None
                or h.height < crop_size[0] or h.width < crop_size[1] for h in headers))


def _filled_cache(ds, cache):
    """`ds.cache(...)`, filled now by one pass in graph mode.

    tf.data keeps a cache only after an iterator has read to the end; a
    training loop that stops after `steps_per_epoch` batches never does, and
    would decode every epoch again. Filling it here costs one decode pass at
    start-up (about a second per 10,000 images on two CPUs) and makes the
    cache work however the dataset is consumed. A complete on-disk cache
    from an earlier run is reused as it is.
    """
    if cache == "memory":
        ds = ds.cache()
    else:
        ds = ds.cache(cache)
        if os.path.exists(cache + ".index"):
            return ds
    ds.reduce(0, lambda count, _: count + 1)
    return ds


def _decode(path, pillow, c_dim, crop_size, traits):
    """One file to float32 `[h, w, c_dim]` (or the crop) in [0, 1]."""
    def crop(image):
        image = geometry.tf_upscale_to_fit(image, *crop_size)
        return geometry.tf_center_crop(image, *crop_size)

    def jpeg(raw):
        if crop_size is None:
            return decode.decode_jpeg(raw, c_dim, may_be_cmyk=traits.any_cmyk)
        return decode.decode_jpeg_crop(raw, c_dim, *crop_size, may_be_small=traits.any_small,
                                       may_be_cmyk=traits.any_cmyk)

    def any_format(raw):
        image = decode.decode_any(raw, c_dim, may_be_cmyk=traits.any_cmyk)
        return image if crop_size is None else crop(image)

    def with_tensorflow():
        raw = tf.io.read_file(path)
        if traits.all_jpeg:
            return jpeg(raw)
        if crop_size is None:
            return any_format(raw)
        return tf.cond(tf.io.is_jpeg(raw), lambda: jpeg(raw), lambda: any_format(raw))

    def with_pillow():
        image = decode.pillow_decode(path, c_dim)
        return image if crop_size is None else crop(image)

    if not traits.any_pillow:
        return with_tensorflow()
    return tf.cond(pillow, with_pillow, with_tensorflow)


def _resize(images, output_size, crop_size):
    """Bilinear resize; antialiased when shrinking, as Pillow's resize is.

    Works on one image `[h, w, c]` or a batch `[b, h, w, c]`. Images already
    at the output size pass through untouched (exact, and common: many
    datasets come pre-resized to 64x64).
    """
    if crop_size is not None and tuple(crop_size) == tuple(output_size):
        return images
    shrinking = crop_size is None or (
        output_size[0] < crop_size[0] or output_size[1] < crop_size[1])

    def resize():
        return tf.image.resize(images, output_size, method="bilinear", antialias=shrinking)

    if crop_size is None:
        same = tf.reduce_all(tf.shape(images)[-3:-1] == tf.constant(output_size))
        resized = tf.cond(same, lambda: images, resize)
    else:
        resized = resize()
    return tf.ensure_shape(resized, [*images.shape[:-3], *output_size, images.shape[-1]])


def seeded_order(count, seed):
    """A permutation of `range(count)` (int64) fixed by `seed`, an int64
    scalar that may be a tensor: what a dataset built inside a dataset
    function (one per epoch, as `tfdcgan.run.epochs_data` does) shuffles
    with, since `Dataset.shuffle` cannot take a seed computed there."""
    seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    return tf.random.experimental.stateless_shuffle(tf.range(count, dtype=tf.int64), seed)


def finish(ds, prefetch_to_device=None):
    """Final prefetch; onto an accelerator when asked.

    Off by default because TensorFlow requires `copy_to_device` to be the
    last transformation of a pipeline: a caller's later `.skip()`,
    `.repeat()` or a `tf.distribute` strategy's own input handling (which
    prefetches to its devices itself) could fail on a GPU. Turn it on when
    the dataset goes straight into `fit()`.

    Args:
        ds: batched dataset.
        prefetch_to_device: None or False (plain prefetch), "auto" (the first
            GPU if any, else plain prefetch) or a device string ("/GPU:0").
    """
    device = prefetch_to_device
    if device == "auto":
        gpus = tf.config.list_logical_devices("GPU")
        device = gpus[0].name if gpus else None
    if not device:
        return ds.prefetch(AUTOTUNE)
    # copy_to_device + prefetch placed on the device: the combination that
    # overlaps the host-to-device copy with compute (tensorflow#43905).
    ds = ds.apply(tf.data.experimental.copy_to_device(device))
    with tf.device(device):
        return ds.prefetch(AUTOTUNE)
