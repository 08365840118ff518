"""Face quality with the field's FID: tfdcgan against the PyTorch DCGAN on CelebA.

    python benchmarks/quality_celeba.py                      # 500 and 1,000 steps, seed 0
    python benchmarks/quality_celeba.py --seeds 0 1 --steps 500
    python benchmarks/quality_celeba.py --tiny               # a minute or two: the plumbing

Trains, interleaved in one run on the same faces (the 8,000 CelebA photos of
`../shared/data/celebA`, 89x109: the 54x54 centre, i.e. carpedm20's 108 crop
of the full-size photos, resized to 64x64), with the same seed and the same
number of discriminator steps at batch 64:

    cli     tfdcgan through its command line with the command line's defaults:
            `main.py --dataset celebA --input_height 54 --crop --train`
            (kernel 5, two generator updates per step, as carpedm20;
            sampled from an average of G's weights, `--ema_decay 0.999`)
    lib     the same with the library's defaults (`tfdcgan.DCGAN()`: one
            generator update per step, G's own weights): `--g_steps 1
            --ema_decay 0`
    torch   the pytorch/examples DCGAN (dcgan/main.py): kernel 4, ngf = ndf =
            64, BCE, Adam(2e-4, 0.5), batch 64, its init; sampled in eval mode

and, only when named with `--rows`, the ablations `cli_k4` and `lib_k4`: the
two tfdcgan rows with `--kernel_size 4`, PyTorch's kernel; `cli_ls`: the
command line with one-sided label smoothing, `--label_smoothing 0.1`;
`cli_zn`: the command line with PyTorch's noise, `--z_dist normal` (N(0, 1)
in place of carpedm20's U(-1, 1)); `cli_bf16`: the command line under the
"mixed_bfloat16" policy, `--mixed_precision mixed_bfloat16` (bfloat16
convolutions, float32 weights; fast only on CPUs with bfloat16 instructions);
`cli_own`: the command line sampling the generator's own weights,
`--ema_decay 0` (the command line's default before 2026-12-05); `cli_g1`
and `cli_k4g1`: the command line, still sampling the average, with one
generator update a step (`--g_steps 1`), at kernel 5 and at kernel 4: the
PyTorch DCGAN's step, cheaper than the command line's.

The rows take turns: every row trains to the first `--steps` value, is
scored, then every row trains on to the next one, so load on the shared
machine falls on all rows alike. tfdcgan rows run `main.py` in a
subprocess (their time includes its start-up, as a user's does) and resume
from their run directory; the torch row saves its state after each turn.
A killed benchmark rerun with the same options resumes: finished scores are
kept in `<work-dir>/<configuration>/results.json`, trained models beside
it (a run with another batch, data size or sample count starts afresh).

Each score: `--samples` generated faces (`main.py --generate`, seeded; the
torch row the same count from a seeded z) against the statistics of all
training faces, computed once and cached, in the features of the standard
FID Inception (`tfdcgan.metrics`, "fid_inception"; needs the fid extra once,
`pip install -e ".[fid]"`): FID and KID, plus the sliced Wasserstein
distance (SWD) of Karras et al. 2018 on Laplacian-pyramid patches, which
needs no network. The `real` row scores `--samples` of the training faces
themselves: the floor at this sample count.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
from scipy import ndimage

# PyTorch's OpenMP threads otherwise spin while waiting, which on a shared
# 2-core machine made its step 2-3x slower (see RESULTS.md); set before
# torch is first imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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

# The compared rows, then ablations of tfdcgan's defaults run only when named
# with --rows: the kernel is what a tfdcgan step costs beside PyTorch's; label
# smoothing is the PyTorch scripts' habit (real_label = 0.9), normal noise
# their z; bfloat16 the cheaper step on CPUs that have it.
ROWS = ("cli", "lib", "torch", "cli_k4", "lib_k4", "cli_ls", "cli_zn", "cli_bf16",
        "cli_own", "cli_g1", "cli_k4g1")
DEFAULT_ROWS = ROWS[:3]
ROW_FLAGS = {"cli": [], "lib": ["--g_steps", "1", "--ema_decay", "0"],
             "cli_k4": ["--kernel_size", "4"],
             "lib_k4": ["--kernel_size", "4", "--g_steps", "1", "--ema_decay", "0"],
             "cli_ls": ["--label_smoothing", "0.1"],
             "cli_zn": ["--z_dist", "normal"],
             "cli_bf16": ["--mixed_precision", "mixed_bfloat16"],
             "cli_own": ["--ema_decay", "0"],
             "cli_g1": ["--g_steps", "1"],
             "cli_k4g1": ["--kernel_size", "4", "--g_steps", "1"]}
ROW_NAMES = {"cli": "tfdcgan, command-line defaults (k5, g_steps 2, EMA 0.999)",
             "lib": "tfdcgan, library defaults (k5, g_steps 1, no EMA)",
             "torch": "PyTorch DCGAN (pytorch/examples, k4)",
             "cli_k4": "tfdcgan, command-line defaults, kernel 4 (k4, g_steps 2)",
             "lib_k4": "tfdcgan, library defaults, kernel 4 (k4, g_steps 1, no EMA)",
             "cli_ls": "tfdcgan, command-line defaults, label smoothing 0.1",
             "cli_zn": "tfdcgan, command-line defaults, z from N(0, 1)",
             "cli_bf16": "tfdcgan, command-line defaults, mixed_bfloat16",
             "cli_own": "tfdcgan, command-line defaults, sampling G's own weights",
             "cli_g1": "tfdcgan, command-line defaults, one G update (k5, g_steps 1)",
             "cli_k4g1": "tfdcgan, command-line defaults, PyTorch's step (k4, g_steps 1)",
             "real": "real (training faces)"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, nargs="+", default=None,
                        help="discriminator steps at which every row is scored; "
                             "multiples of an epoch (faces // batch) [500 1000].")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--rows", nargs="+", default=list(DEFAULT_ROWS), choices=ROWS,
                        help="rows to train [cli lib torch]: torch is the PyTorch DCGAN, "
                             "the others main.py with the command line's defaults and: "
                             + "; ".join(f"{row} {' '.join(flags) or '(nothing)'}"
                                         for row, flags in ROW_FLAGS.items()) + ".")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=2000,
                        help="generated faces scored per row (the same for every row).")
    parser.add_argument("--data-dir", default=DEFAULT_DATA,
                        help="the folder holding celebA/.")
    parser.add_argument("--work-dir", default=os.path.join(REPO, "benchmarks", "work",
                                                           "quality_celeba"),
                        help="run directories, caches and results.json (resumable).")
    parser.add_argument("--grid-dir", default=None,
                        help=f"where the sample grids go (full runs: {DEFAULT_GRIDS}).")
    parser.add_argument("--json", default=None, help="also write the results here.")
    parser.add_argument("--tiny", action="store_true",
                        help="128 faces, batch 16, 8 steps, 36 samples: the plumbing.")
    args = parser.parse_args(argv)
    args.train_size = None
    if args.tiny:
        args.train_size, args.batch_size, args.samples = 128, 16, GRID_SAMPLES
    elif args.grid_dir is None:
        args.grid_dir = DEFAULT_GRIDS
    if args.steps is None:
        args.steps = [8] if args.tiny else [500, 1000]
    if args.batch_size < 1 or min(args.steps) < 1:
        raise BenchmarkError("--batch-size and --steps must be at least 1.")
    if args.samples < 2:
        raise BenchmarkError(f"--samples must be at least 2, got {args.samples}.")
    if not os.path.isdir(os.path.join(args.data_dir, "celebA")):
        raise BenchmarkError(f"No celebA folder in {args.data_dir}; pass --data-dir "
                             f"(the folder holding celebA/, e.g. after `python "
                             f"download.py celebA`).")
    if "torch" in args.rows and not torch_available():
        raise BenchmarkError("the torch row needs PyTorch (pip install torch), or "
                             "leave it out with --rows cli lib.")
    args.steps = sorted(set(args.steps))
    # Models and scores of one configuration only: a run with another batch,
    # data size or sample count never resumes or reuses them.
    args.state_dir = os.path.join(
        args.work_dir, f"b{args.batch_size}_n{args.train_size or 'all'}_x{args.samples}")
    return args


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# --- Data and reference ----------------------------------------------------

def training_faces(args):
    """The training faces, uint8 `[n, 64, 64, 3]` in file order (cached)."""
    path = os.path.join(args.work_dir, f"faces_{args.train_size or 'all'}.npy")
    if not os.path.exists(path):
        from tfdcgan import metrics
        faces = metrics.read_image_folder(
            os.path.join(args.data_dir, "celebA"), size=64, pattern="*.jpg",
            crop=True, crop_size=CROP, limit=args.train_size)
        _save_atomically(path, np.round((faces + 1) * 127.5).astype(np.uint8))
    return np.load(path)


def reference(args, faces):
    """`tfdcgan.metrics.Reference` of every training face (features cached)."""
    from tfdcgan import metrics
    extractor = metrics.get_extractor("fid_inception")
    path = os.path.join(args.work_dir, f"reference_{len(faces)}.npy")
    if not os.path.exists(path):
        _save_atomically(path, extractor(faces, "training faces").astype(np.float32))
    return metrics.Reference(np.load(path), extractor, faces.shape[1:])


def _save_atomically(path, array):
    temporary = path + ".tmp.npy"
    np.save(temporary, array)
    os.replace(temporary, path)


# --- tfdcgan rows: main.py in a subprocess -----------------------------------

def _cli(args, row, seed, *extra):
    command = [sys.executable, os.path.join(REPO, "main.py"), "--dataset", "celebA",
               "--data_dir", args.data_dir, "--input_height", str(CROP), "--crop",
               "--seed", str(seed), "--batch_size", str(args.batch_size),
               "--out_dir", os.path.join(args.state_dir, "runs"),
               "--out_name", f"{row}_s{seed}",
               "--logs_dir", os.path.join(args.state_dir, "logs")]
    if args.train_size:
        command += ["--train_size", str(args.train_size)]
    command += ROW_FLAGS[row] + list(extra)
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if result.returncode != 0:
        raise BenchmarkError(f"{row}: {' '.join(command)} failed:\n"
                             f"{result.stderr[-2000:]}")


def train_cli(args, row, seed, epochs):
    _cli(args, row, seed, "--train", "--epoch", str(epochs))


def sample_cli(args, row, seed):
    run_dir = os.path.join(args.state_dir, "runs", f"{row}_s{seed}")
    generated = os.path.join(run_dir, "generated")
    shutil.rmtree(generated, ignore_errors=True)
    _cli(args, row, seed, "--generate", str(args.samples))
    from tfdcgan import metrics
    images = metrics.read_image_folder(generated, size=64, pattern="*.png")
    return np.round((images + 1) * 127.5).astype(np.uint8)


# --- The torch row: pytorch/examples dcgan/main.py ---------------------------

class TorchDCGAN:
    """pytorch/examples' 64x64 DCGAN trained on `faces`, resumable by epoch."""

    def __init__(self, args, seed, faces):
        import torch
        from torch import nn
        from train_throughput import Spec, _torch_discriminator, _torch_generator
        torch.set_num_threads(len(os.sched_getaffinity(0)))
        self.torch, self.seed, self.batch_size = torch, seed, args.batch_size
        self.faces = torch.from_numpy(faces).permute(0, 3, 1, 2)
        self.path = os.path.join(args.state_dir, f"torch_s{seed}.pt")
        spec = Spec("pytorch64", 64, 3, 4, batch_size=args.batch_size)
        torch.manual_seed(seed)
        self.netG, self.netD = _torch_generator(nn, spec), _torch_discriminator(nn, spec)
        for net in (self.netG, self.netD):
            net.apply(_torch_init)
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.epoch = 0
        if os.path.exists(self.path):
            state = torch.load(self.path, weights_only=False)
            for name in ("netG", "netD", "optG", "optD"):
                getattr(self, name).load_state_dict(state[name])
            torch.set_rng_state(state["rng"])
            self.epoch = state["epoch"]

    def train_to(self, epochs):
        torch, criterion = self.torch, self.torch.nn.BCELoss()
        self.netG.train()
        self.netD.train()
        while self.epoch < epochs:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.faces))
            for first in range(0, len(order) - self.batch_size + 1, self.batch_size):
                real = self.faces[order[first:first + self.batch_size]].float() / 127.5 - 1
                ones = torch.ones(self.batch_size)
                self.netD.zero_grad()
                criterion(self.netD(real), ones).backward()
                fake = self.netG(torch.randn(self.batch_size, 100, 1, 1))
                criterion(self.netD(fake.detach()), ones * 0).backward()
                self.optD.step()
                self.netG.zero_grad()
                criterion(self.netD(fake), ones).backward()
                self.optG.step()
            self.epoch += 1
        temporary = self.path + ".tmp"
        torch.save({"netG": self.netG.state_dict(), "netD": self.netD.state_dict(),
                    "optG": self.optG.state_dict(), "optD": self.optD.state_dict(),
                    "rng": torch.get_rng_state(), "epoch": self.epoch}, temporary)
        os.replace(temporary, self.path)

    def sample(self, n):
        torch = self.torch
        self.netG.eval()
        generator = torch.Generator().manual_seed(self.seed + 1)
        with torch.inference_mode():
            z = torch.randn(n, 100, 1, 1, generator=generator)
            images = torch.cat([self.netG(z[i:i + 500]) for i in range(0, n, 500)])
        return ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8) \
            .permute(0, 2, 3, 1).numpy()


def _torch_init(module):
    # pytorch/examples' weights_init.
    import torch
    name = type(module).__name__
    if "Conv" in name:
        torch.nn.init.normal_(module.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        torch.nn.init.normal_(module.weight, 1.0, 0.02)
        torch.nn.init.zeros_(module.bias)


# --- The interleaved schedule ----------------------------------------------

def _cpu_seconds():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load_results(path):
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def _save_results(path, results):
    with open(path + ".tmp", "w") as f:
        json.dump(results, f, indent=1, default=float)
    os.replace(path + ".tmp", path)


def run(args, log=print):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import keras
    from tfdcgan import metrics, visualize

    os.makedirs(args.state_dir, exist_ok=True)
    results_path = os.path.join(args.state_dir, "results.json")
    done = _load_results(results_path)
    faces = training_faces(args)
    steps_per_epoch = len(faces) // args.batch_size
    if any(s % steps_per_epoch for s in args.steps):
        raise BenchmarkError(f"--steps must be multiples of an epoch ({len(faces)} "
                             f"faces // batch {args.batch_size} = {steps_per_epoch}).")
    samples = min(args.samples, len(faces))
    log(f"{len(faces)} faces, {steps_per_epoch} steps an epoch; scoring {samples} "
        f"samples a row against all {len(faces)} faces (fid_inception).")
    ref = reference(args, faces)

    def score(key, name, images, seconds=None, cpu=None, steps=None):
        evaluation = metrics.evaluate(images, ref, kid_subsets=100,
                                      kid_subset_size=min(1000, len(images)))
        row = {"row": name, "fid": evaluation.fid, "kid": evaluation.kid,
               "kid_std_error": evaluation.kid_std_error,
               "swd": float(np.mean(list(sliced_wasserstein(
                   images, faces[:len(images)], seed=0).values()))),
               "train_seconds": seconds, "cpu_seconds": cpu, "steps": steps}
        if seconds:
            row["images_per_second"] = steps * args.batch_size / seconds
        # No grid of the `real` row: those are CelebA photos, which may not be
        # redistributed, and grids are kept in the repository.
        if args.grid_dir and key != "real":
            path = os.path.join(args.grid_dir, f"quality_celeba_{key.replace('/', '_')}.png")
            visualize.save_grid(images[:GRID_SAMPLES], path, padding=1)
            row["grid"] = os.path.relpath(path, REPO)
        done[key] = row
        _save_results(results_path, done)
        log(f"  {key}: FID {row['fid']:.1f}, KID x1e3 {1e3 * row['kid']:.1f}")

    with warnings.catch_warnings():
        # Fewer samples than feature dimensions: FID is biased (the warning
        # says so); every row has the same count, so rows compare.
        warnings.simplefilter("ignore", UserWarning)
        if "real" not in done:
            score("real", ROW_NAMES["real"], faces[:samples])
        for steps in args.steps:
            for seed in args.seeds:
                for row in args.rows:
                    key = f"{row}/s{seed}/{steps}"
                    if key in done:
                        continue
                    # Time so far: the row's longest finished turn (of this
                    # run or an earlier one with other --steps).
                    previous = max((r for k, r in done.items()
                                    if k.startswith(f"{row}/s{seed}/") and r["steps"] < steps),
                                   key=lambda r: r["steps"], default=None)
                    seconds = previous["train_seconds"] if previous else 0.0
                    cpu = previous["cpu_seconds"] if previous else 0.0
                    log(f"{row} seed {seed}: training to step {steps}...")
                    start, cpu_start = time.perf_counter(), _cpu_seconds()
                    if row == "torch":
                        model = TorchDCGAN(args, seed, faces)
                        model.train_to(steps // steps_per_epoch)
                    else:
                        train_cli(args, row, seed, steps // steps_per_epoch)
                    seconds += time.perf_counter() - start
                    cpu += _cpu_seconds() - cpu_start
                    images = model.sample(samples) if row == "torch" else \
                        sample_cli(args, row, seed)
                    score(key, ROW_NAMES[row], images, seconds, cpu, steps)
    return {
        "command": "python benchmarks/quality_celeba.py " + " ".join(sys.argv[1:]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
                   f"keras {keras.__version__}",
        "batch_size": args.batch_size, "samples": samples, "faces": len(faces),
        "results": done,
    }


def format_table(results):
    lines = ["| row | seed | steps | FID | KID x1e3 | SWD x1e3 | train s | images/s | CPU s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def order(key):
        parts = key.split("/")
        return (len(parts) > 1, int(parts[2]) if len(parts) > 2 else 0, parts[1:2],
                ROWS.index(parts[0]) if parts[0] in ROWS else -1)

    for key in sorted(results["results"], key=order):
        r = results["results"][key]
        parts = key.split("/")
        seed, steps = (parts[1][1:], parts[2]) if len(parts) == 3 else ("-", "-")
        timing = ["-", "-", "-"] if not r.get("train_seconds") else [
            f"{r['train_seconds']:.0f}", f"{r['images_per_second']:.1f}",
            f"{r['cpu_seconds']:.0f}"]
        lines.append(f"| {r['row']} | {seed} | {steps} | {r['fid']:.1f} | "
                     f"{1e3 * r['kid']:.1f} | {r['swd']:.1f} | " + " | ".join(timing) + " |")
    return "\n".join(lines)


def main(argv=None):
    from tfdcgan.metrics.inception import MissingWeightsError
    try:
        args = parse_args(argv)
        results = run(args)
    except (BenchmarkError, MissingWeightsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print()
    print(f"batch {results['batch_size']}, {results['samples']} samples a row against "
          f"{results['faces']} faces; {results['machine']}; {results['date']}")
    print(format_table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
