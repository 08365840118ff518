"""Image grids, GIFs and carpedm20/DCGAN-tensorflow's visualize options.

Everything here takes uint8 images `[n, H, W, C]` (what `GAN.generate` returns)
and writes PNG or GIF files with Pillow. `visualize(gan, option, ...)` redoes
carpedm20's `utils.visualize` options 0-4 for a trained `tfdcgan.GAN`:

    0  one grid of random samples                       test_{step}.png
    1  per z dimension, a grid sweeping it over [0, 1)  test_arange_{i}.png
    2  per randomly picked dimension, a GIF of a sweep   test_gif_{i}.gif
       around a small random z
    3  per z dimension, a GIF of a sweep from z = 0      test_gif_{i}.gif
    4  option 3, plus one GIF whose frame t tiles frame  test_gif_merged.gif
       t of every dimension's sweep (forward then back)

Departures from carpedm20: any batch size works (grids need not be square),
the noise of option 0 follows the model's `z_dist`, a conditional model gets
labels in every option (cycling 0, 1, ...), and a seed makes every option
reproducible.
"""

import math
import os

import numpy as np
from PIL import Image

VISUALIZE_OPTIONS = (0, 1, 2, 3, 4)


def grid_shape(n):
    """(rows, cols) of the most nearly square grid holding `n` images, rows <= cols."""
    if n < 1:
        raise ValueError(f"A grid needs at least one image, got {n}.")
    rows = int(math.floor(math.sqrt(n)))
    return rows, int(math.ceil(n / rows))


def image_grid(images, rows=None, cols=None, padding=0):
    """Tiles images `[n, H, W, C]` (uint8) into one image `[rows*H, cols*W, C]`.

    Any `n` works: empty cells stay black. `rows`/`cols` default to
    `grid_shape(n)`; `padding` pixels of black separate the cells.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise ValueError(f"Expected images [n, H, W, C], got shape {images.shape}.")
    n, h, w, c = images.shape
    if rows is None and cols is None:
        rows, cols = grid_shape(n)
    elif rows is None:
        rows = int(math.ceil(n / cols))
    elif cols is None:
        cols = int(math.ceil(n / rows))
    if rows * cols < n:
        raise ValueError(f"A {rows}x{cols} grid cannot hold {n} images.")
    grid = np.zeros((rows * (h + padding) - padding, cols * (w + padding) - padding, c),
                    images.dtype)
    for i, image in enumerate(images):
        r, k = divmod(i, cols)
        y, x = r * (h + padding), k * (w + padding)
        grid[y:y + h, x:x + w] = image
    return grid


def to_pil(image):
    """A uint8 image `[H, W, 1 or 3]` (or `[H, W]`) as a PIL image."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"Expected uint8 images, got {image.dtype}.")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return Image.fromarray(image)


def save_grid(images, path, **grid_kwargs):
    """Writes `image_grid(images)` to `path` (PNG by extension); returns `path`."""
    _makedirs_for(path)
    to_pil(image_grid(images, **grid_kwargs)).save(path)
    return path


def save_images(images, directory, prefix="", start=0):
    """Writes each image of `[n, H, W, C]` to `directory/{prefix}{index:06d}.png`.

    Returns the list of paths.
    """
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i, image in enumerate(images, start=start):
        path = os.path.join(directory, f"{prefix}{i:06d}.png")
        to_pil(image).save(path)
        paths.append(path)
    return paths


def save_gif(frames, path, duration=2.0, loop=0):
    """Writes uint8 frames (`[H, W, C]` each) as an animated GIF lasting
    `duration` seconds in all (carpedm20's `make_gif`, with Pillow).

    Returns `path`.
    """
    frames = [to_pil(f) for f in frames]
    if not frames:
        raise ValueError("A GIF needs at least one frame.")
    _makedirs_for(path)
    per_frame_ms = max(20, int(round(1000 * duration / len(frames))))
    frames[0].save(path, save_all=True, append_images=frames[1:],
                   duration=per_frame_ms, loop=loop)
    return path


def gif_from_files(paths, path, duration=None):
    """An animated GIF of existing image files (e.g. the training sample grids)
    in the given order; by default 0.2 s a frame. Returns `path`."""
    if not paths:
        raise ValueError("No frames for the GIF.")
    frames = []
    for p in paths:
        with Image.open(p) as image:
            frames.append(np.asarray(image))
    if duration is None:
        duration = 0.2 * len(frames)
    return save_gif(frames, path, duration=duration)


def read_gif(path):
    """The frames of a GIF as a list of RGB uint8 arrays `[H, W, 3]`."""
    frames = []
    with Image.open(path) as image:
        for i in range(getattr(image, "n_frames", 1)):
            image.seek(i)
            frames.append(np.asarray(image.convert("RGB")))
    return frames


def _makedirs_for(path):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)


# carpedm20's visualize options.

def sweep_values(n):
    """The values a swept z dimension takes: `n` evenly from 0 up to (not
    including) 1, as carpedm20's `np.arange(0, 1, 1 / batch_size)`."""
    return np.arange(n, dtype=np.float32) / n


def visualize(gan, option, sample_dir, batch_size=64, seed=0, step=0, dims=None):
    """Runs one of carpedm20's visualize options 0-4 (see the module docstring).

    Args:
        gan: a trained `tfdcgan.GAN`.
        option: int in 0..4.
        sample_dir: str, where the files go.
        batch_size: int, images per grid or frames per GIF.
        seed: int, makes z, the picked dimensions and the labels reproducible.
        step: int, the training step, used in option 0's file name.
        dims: optional list of z dimensions to sweep (options 1-4); default
            all `z_dim` of them (option 2: `z_dim` random picks).

    Returns:
        list of the paths written.
    """
    if option not in VISUALIZE_OPTIONS:
        raise ValueError(f"visualize_option must be one of {VISUALIZE_OPTIONS}, "
                         f"got {option!r}.")
    rng = np.random.default_rng(seed)
    z_dim = gan.z_dim
    labels = _labels(gan, batch_size)
    if option == 0:
        images = gan.generate(batch_size, seed=seed, labels=labels)
        return [save_grid(images, os.path.join(sample_dir, f"test_{step:08d}.png"))]

    values = sweep_values(batch_size)
    if dims is None:
        dims = (rng.integers(0, z_dim, size=z_dim) if option == 2 else range(z_dim))
    paths, sweeps = [], []
    for i in dims:
        i = int(i)
        if option == 1:
            z = _random_z(gan, rng, (batch_size, z_dim))
        elif option == 2:
            z = np.tile(rng.uniform(-0.2, 0.2, size=(1, z_dim)), (batch_size, 1))
        else:
            z = np.zeros((batch_size, z_dim))
        z[:, i] = values
        images = generate_from_z(gan, z.astype(np.float32), labels)
        if option == 1:
            paths.append(save_grid(images, os.path.join(sample_dir, f"test_arange_{i}.png")))
        else:
            paths.append(save_gif(images, os.path.join(sample_dir, f"test_gif_{i}.gif")))
            sweeps.append(images)
    if option == 4:
        # Frame t tiles image t of every sweep; forward, then back.
        order = list(range(batch_size)) + list(range(batch_size - 1, -1, -1))
        frames = [image_grid(np.stack([s[t] for s in sweeps])) for t in order]
        paths.append(save_gif(frames, os.path.join(sample_dir, "test_gif_merged.gif"),
                              duration=8))
    return paths


def generate_from_z(gan, z, labels=None):
    """uint8 images `[n, H, W, C]` (numpy) from the given noise `[n, z_dim]`
    and integer or one-hot `labels` (`GAN.images_uint8`)."""
    one_hot = None if labels is None else gan.one_hot(labels)
    return gan.images_uint8(z, one_hot).numpy()


def _labels(gan, n):
    return np.arange(n) % gan.y_dim if gan.y_dim else None


def _random_z(gan, rng, shape):
    if gan.z_dist == "normal":
        return rng.standard_normal(shape)
    low = -1.0 if gan.z_dist == "uniform_signed" else 0.0
    return rng.uniform(low, 1.0, size=shape)
