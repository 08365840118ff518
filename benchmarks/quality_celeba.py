"""Sample quality on CelebA faces (64x64, carpedm20's centre crop): a short DCGAN run.

    python benchmarks/quality_celeba.py                 # 600 steps, ~20-30 min on 2 cores
    python benchmarks/quality_celeba.py --tiny          # seconds: checks that it runs

Trains `tfdcgan.DCGAN(output_height=64, c_dim=3)` with its defaults (the
DCGAN paper's 64x64 networks) on the CelebA photos in `../shared/data/celebA`
(89x109 JPEGs; the classic 108x108 face crop of the 178x218 originals is the
54x54 centre here, resized to 64x64), saves a grid of samples, and scores
`--samples` generated faces against real ones.

The score that needs no download is the sliced Wasserstein distance (SWD) of
Karras et al. 2018 (https://arxiv.org/abs/1710.10196, section 5): 7x7 patches
from each level of a Laplacian pyramid (64, 32, 16 pixels), normalised per
channel, compared through random 1-D projections; reported x1e3, lower is
better, per level (fine detail at 64, coarse shape at 16). The `real` row
compares two disjoint halves of the photos: the floor. When the Keras
InceptionV3 ImageNet weights are on disk, Inception FID and KID are added.
"""

import argparse
import datetime
import os
import platform
import sys
import time

import numpy as np
from scipy import ndimage

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")
DEFAULT_GRIDS = os.path.join(REPO, "benchmarks", "results")
CROP = 54  # the 108-pixel face crop of carpedm20, at this copy's half resolution
GRID_SAMPLES = 36


class BenchmarkError(Exception):
    """Bad options or data: printed as one clear line, exit status 2."""


# ---------------------------------------------------------------------------
# Sliced Wasserstein distance on Laplacian pyramid patches.

_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(images):
    for axis in (1, 2):
        images = ndimage.convolve1d(images, _BINOMIAL, axis=axis, mode="reflect")
    return images


def laplacian_pyramid(images, levels):
    """float32 `[n, H, W, C]` -> `levels` arrays, finest first: band-pass
    detail at each size, and the low-pass remainder last."""
    pyramid, current = [], images
    for _ in range(levels - 1):
        low = _blur(current)[:, ::2, ::2]
        up = np.zeros_like(current)
        up[:, ::2, ::2] = low
        pyramid.append(current - 4.0 * _blur(up))
        current = low
    pyramid.append(current)
    return pyramid


def _descriptors(level, patches_per_image, patch_size, rng):
    n, h, w, c = level.shape
    ys = rng.integers(0, h - patch_size + 1, (n, patches_per_image))
    xs = rng.integers(0, w - patch_size + 1, (n, patches_per_image))
    offsets = np.arange(patch_size)
    rows = ys[..., None, None] + offsets[:, None]
    cols = xs[..., None, None] + offsets[None, :]
    patches = level[np.arange(n)[:, None, None, None], rows, cols]  # [n, p, k, k, c]
    patches = patches.reshape(-1, patch_size * patch_size, c)
    # Per-channel normalisation, as Karras et al.: SWD then compares shapes
    # of the distributions, not their overall brightness or contrast.
    patches = (patches - patches.mean(axis=(0, 1))) / (patches.std(axis=(0, 1)) + 1e-8)
    return patches.reshape(len(patches), -1)


def _swd(a, b, directions, repeats, rng):
    distances = []
    for _ in range(repeats):
        projections = rng.standard_normal((a.shape[1], directions))
        projections /= np.linalg.norm(projections, axis=0, keepdims=True)
        pa = np.sort(a @ projections, axis=0)
        pb = np.sort(b @ projections, axis=0)
        distances.append(np.mean(np.abs(pa - pb)))
    return float(np.mean(distances))


def sliced_wasserstein(images_a, images_b, levels=3, patches_per_image=64,
                       patch_size=7, directions=128, repeats=4, seed=0):
    """SWD x1e3 between two image sets, one value per pyramid level.

    Args:
        images_a, images_b: uint8 `[n, H, W, C]`, the same `n`, `H`, `W`, `C`.
        levels: pyramid levels (64x64 images: 64, 32, 16).
        patches_per_image, patch_size: descriptors drawn per image and level.
        directions, repeats: random projections per repeat, and repeats.
        seed: seed of the patch positions and the projections.

    Returns:
        `{size: swd}` with the level's image size as key, finest first.

    Raises:
        ValueError: sets of different shapes, fewer than 2 images, or images
            too small for `levels` levels of `patch_size` patches.
    """
    a, b = np.asarray(images_a), np.asarray(images_b)
    if a.ndim != 4 or a.shape != b.shape:
        raise ValueError(f"SWD needs two image sets [n, H, W, C] of one shape; got "
                         f"{a.shape} and {b.shape}.")
    if len(a) < 2:
        raise ValueError(f"SWD needs at least 2 images per set, got {len(a)}.")
    if min(a.shape[1:3]) // 2**(levels - 1) < patch_size:
        raise ValueError(f"{a.shape[1]}x{a.shape[2]} images are too small for {levels} "
                         f"pyramid levels of {patch_size}x{patch_size} patches.")
    rng = np.random.default_rng(seed)
    result = {}
    pyramids = [laplacian_pyramid(x.astype(np.float32) / 127.5 - 1.0, levels)
                for x in (a, b)]
    for level_a, level_b in zip(*pyramids):
        da = _descriptors(level_a, patches_per_image, patch_size, rng)
        db = _descriptors(level_b, patches_per_image, patch_size, rng)
        result[level_a.shape[1]] = 1e3 * _swd(da, db, directions, repeats, rng)
    return result


# ---------------------------------------------------------------------------
# The run.

def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=4000,
                        help="generated faces scored (and real faces per half).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=DEFAULT_DATA,
                        help="the folder holding celebA/.")
    parser.add_argument("--grid-dir", default=None,
                        help=f"where the sample grid goes (full runs: {DEFAULT_GRIDS}).")
    parser.add_argument("--json", default=None, help="also write the results here.")
    parser.add_argument("--tiny", action="store_true",
                        help="5 steps, 64 samples, 320 photos: checks the plumbing.")
    args = parser.parse_args(argv)
    args.train_size = None
    if args.tiny:
        args.steps, args.samples, args.batch_size, args.train_size = 5, 64, 16, 320
    elif args.grid_dir is None:
        args.grid_dir = DEFAULT_GRIDS
    for name in ("steps", "batch_size"):
        if getattr(args, name) < 1:
            raise BenchmarkError(f"--{name.replace('_', '-')} must be at least 1.")
    if args.samples < 2:
        raise BenchmarkError(f"--samples must be at least 2, got {args.samples}.")
    if not os.path.isdir(os.path.join(args.data_dir, "celebA")):
        raise BenchmarkError(f"No celebA folder in {args.data_dir}; pass --data-dir "
                             f"(the folder holding celebA/, e.g. after `python "
                             f"download.py celebA`).")
    return args


def load_faces(args, **overrides):
    import tfdcgan.data
    options = dict(input_fname_pattern="*.jpg", c_dim=3, crop=True, input_height=CROP,
                   output_height=64, batch_size=args.batch_size,
                   train_size=args.train_size, seed=args.seed, cache="memory")
    options.update(overrides)
    return tfdcgan.data.image_folder(args.data_dir, "celebA", **options)


def real_faces(args):
    """All the (cropped, 64x64) photos as uint8, in file order."""
    from tfdcgan.gan import to_uint8
    data = load_faces(args, batch_size=500, shuffle=False, drop_remainder=False,
                      cache=None)
    return np.concatenate([to_uint8(batch).numpy() for batch in data])


def run(args, log=print):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tfdcgan
    from tfdcgan import metrics, visualize

    real = real_faces(args)
    half = min(args.samples, len(real) // 2)
    if half < 2:
        raise BenchmarkError(f"Only {len(real)} photos: too few to score.")
    reference, held_out = real[:half], real[half:2 * half]
    log(f"{len(real)} photos; scoring against {half} of them.")

    gan = tfdcgan.DCGAN(output_height=64, c_dim=3, seed=args.seed)
    gan.compile(jit_compile=False)
    data = load_faces(args).repeat()
    log(f"Training the 64x64 DCGAN for {args.steps} steps at batch {args.batch_size}...")
    start = time.perf_counter()
    gan.fit(data, steps_per_epoch=args.steps, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    fake = gan.generate(half, seed=args.seed + 1)

    rows = [{"name": "real (other half of the photos)", "train_seconds": None,
             "swd": sliced_wasserstein(held_out, reference, seed=args.seed)},
            {"name": "tfdcgan DCGAN 64x64", "train_seconds": seconds,
             "swd": sliced_wasserstein(fake, reference, seed=args.seed)}]
    if metrics.inception_weights_path():
        inception = metrics.Reference.from_images(reference, "inception")
        for row, images in zip(rows, (held_out, fake)):
            result = metrics.evaluate(images, inception)
            row.update(fid=result.fid, kid=result.kid)
    else:
        log("Inception weights not on disk: Inception FID/KID left out (SWD only).")
    if args.grid_dir:
        path = os.path.join(args.grid_dir, "quality_celeba_dcgan.png")
        visualize.save_grid(fake[:GRID_SAMPLES], path, padding=1)
        rows[1]["grid"] = os.path.relpath(path, REPO)
    return {
        "command": "python benchmarks/quality_celeba.py " + " ".join(sys.argv[1:]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
                   f"keras {keras.__version__}",
        "steps": args.steps, "batch_size": args.batch_size, "samples": half,
        "photos": len(real), "seed": args.seed, "rows": rows,
    }


def format_table(results):
    sizes = list(results["rows"][0]["swd"])
    has_fid = "fid" in results["rows"][0]
    header = ("| row | " + " | ".join(f"SWD {s}px" for s in sizes) + " | SWD mean |"
              + (" Inception FID | KID x1e3 |" if has_fid else "") + " train s |")
    lines = [header, "|---|" + "---:|" * (len(sizes) + 2 + 2 * has_fid)]
    for r in results["rows"]:
        swd = list(r["swd"].values())
        cells = [f"{v:.1f}" for v in swd] + [f"{np.mean(swd):.1f}"]
        if has_fid:
            cells += [f"{r['fid']:.1f}", f"{1e3 * r['kid']:.1f}"]
        cells.append("-" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}")
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    try:
        args = parse_args(argv)
        results = run(args)
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print()
    print(f"{results['steps']} steps, batch {results['batch_size']}, {results['samples']} "
          f"samples, {results['photos']} photos; {results['machine']}; {results['date']}")
    print(format_table(results))
    if args.json:
        import json
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
