"""Sample quality on MNIST: tfdcgan's DCGAN, its BasicGAN baseline and the PyTorch recipe.

    python benchmarks/quality_mnist.py                  # the full table, ~35 min on 2 busy cores
    python benchmarks/quality_mnist.py --tiny           # seconds: checks that it runs
    python benchmarks/quality_mnist.py --steps 1000 --samples 5000 \\
        --rows "dcgan dcgan:kernel_size=4 dcgan:ema=0.999 torch"   # an ablation

Every model trains for the same number of steps at the same batch size on the
full MNIST training set (60,000 digits) with the same seed, then generates
`--samples` digits, scored against the 10,000 MNIST test digits in the feature
space of an MNIST classifier (`tfdcgan.metrics`, "classifier FID"): FID, KID,
and class coverage (classes holding at least 2% of the samples; the smallest
class's share). The `real` row scores 10,000 held-out real training digits the
same way: the floor a perfect generator would reach.

Rows (`--rows`, space separated; `name:key=value,key=value` changes settings):
    real    held-out real digits (no training).
    dcgan   `tfdcgan.DCGAN(output_height=28, c_dim=1)` with its defaults; keys:
            any DCGAN argument (kernel_size, gf_dim, df_dim, z_dist, num_layers,
            g_steps, y_dim), plus the sampling keys below.
    basic   `tfdcgan.BasicGAN(output_height=28, c_dim=1)`; keys: its arguments.
    torch   the pytorch/examples DCGAN (dcgan/main.py) adapted to 28x28:
            ConvTranspose 100->256 (7x7), 256->128 (14x14), 128->1 (28x28), D
            mirrored, BCE, Adam(2e-4, (0.5, 0.999)), z ~ N(0, 1). Skipped
            cleanly when torch is not importable.
    cdcgan  dcgan with y_dim=10 (label conditioning), sampled with the labels
            cycling 0..9: a separate row, never part of the unconditional
            comparison (its coverage is balanced by construction).
Sampling keys (all rows that train): ema=DECAY samples from an exponential
moving average of the generator's weights (tfdcgan rows: the model's
`ema_decay=DECAY`, `gan.generator_ema`; with --all-modes the same model's own
weights, `gan.generator`, are scored too); bn=moving|batch normalises with the
moving statistics (inference mode, what `generate()` does) or with each
sampling batch's own statistics.

Wall time is fair under load from other users: every model trains in its own
worker process, and the parent runs them in chunks of `--chunk` steps,
round-robin in a rotating order, so each sees the machine's load alike; a
model's time is the sum of its chunks (the first includes tf.function tracing;
model building, data loading and sampling are not counted). XLA is off
(`jit_compile=False`): on this CPU it measured slower.
"""

import argparse
import ast
import datetime
import gzip
import json
import multiprocessing
import os
import platform
import re
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")
DEFAULT_GRIDS = os.path.join(REPO, "benchmarks", "results")
KINDS = ("real", "dcgan", "basic", "torch", "cdcgan")
SAMPLING_KEYS = ("ema", "bn")
DEFAULT_ROWS = "real dcgan basic torch"
GRID_SAMPLES = 100


class BenchmarkError(Exception):
    """Bad options or data: printed as one clear line, exit status 2."""


# ---------------------------------------------------------------------------
# Options.

class Row:
    """One table row: a kind ("dcgan", ...) and its settings."""

    def __init__(self, spec):
        self.spec = spec
        kind, _, settings = spec.partition(":")
        if kind not in KINDS:
            raise BenchmarkError(f"Unknown row {kind!r} in {spec!r}; rows are {KINDS}.")
        self.kind = kind
        self.settings = {}
        for item in filter(None, settings.split(",")):
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise BenchmarkError(f"Row setting {item!r} in {spec!r} is not key=value.")
            self.settings[key] = _parse_value(value)
        if kind == "cdcgan":
            self.settings.setdefault("y_dim", 10)
        bn = self.settings.get("bn", "moving")
        if bn not in ("moving", "batch"):
            raise BenchmarkError(f"bn must be 'moving' or 'batch', got {bn!r} in {spec!r}.")
        ema = self.settings.get("ema")
        if ema is not None and not (isinstance(ema, float) and 0.0 < ema < 1.0):
            raise BenchmarkError(f"ema must be a decay in (0, 1), got {ema!r} in {spec!r}.")
        if kind == "torch" and set(self.settings) - {"bn"}:
            raise BenchmarkError(f"The torch row takes only bn=..., got {spec!r}.")
        if kind == "real" and self.settings:
            raise BenchmarkError(f"The real row takes no settings, got {spec!r}.")

    @property
    def mode(self):
        """How this row samples: (weights "live" | "ema", bn "moving" | "batch")."""
        return ("ema" if self.settings.get("ema") else "live",
                self.settings.get("bn", "moving"))

    def modes(self, all_modes):
        """The sampling modes to score: the row's own first."""
        if not all_modes:
            return [self.mode]
        weights = ("live", "ema") if self.settings.get("ema") else ("live",)
        others = [(w, b) for w in weights for b in ("moving", "batch")]
        return [self.mode] + [m for m in others if m != self.mode]

    @property
    def model_kwargs(self):
        kwargs = {k: v for k, v in self.settings.items() if k not in SAMPLING_KEYS}
        if self.settings.get("ema"):
            kwargs["ema_decay"] = self.settings["ema"]
        return kwargs

    @property
    def slug(self):
        return re.sub(r"[^A-Za-z0-9.]+", "_", self.spec).strip("_")


def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=DEFAULT_ROWS,
                        help=f"rows to run, space separated (default {DEFAULT_ROWS!r}).")
    parser.add_argument("--only", default=None,
                        help="comma-separated kinds to keep from --rows, e.g. dcgan,real.")
    parser.add_argument("--skip-torch", action="store_true",
                        help="drop the torch row even when torch is importable.")
    parser.add_argument("--steps", type=int, default=3000,
                        help="generator steps (= discriminator steps) per model.")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=10000,
                        help="generated (and real floor) samples scored per row.")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of every model's weights, noise and data order.")
    parser.add_argument("--chunk", type=int, default=100,
                        help="steps per round-robin turn.")
    parser.add_argument("--data-dir", default=DEFAULT_DATA,
                        help="folder with the four MNIST IDX files.")
    parser.add_argument("--grid-dir", default=None,
                        help=f"where the sample grids go (full runs: {DEFAULT_GRIDS}; "
                             "--tiny: none unless given).")
    parser.add_argument("--json", default=None, help="also write the results here.")
    parser.add_argument("--classifier-cache", default=None,
                        help="classifier cache folder (default ~/.cache/tfdcgan).")
    parser.add_argument("--classifier-train", type=int, default=None,
                        help="train the classifier on this many digits (default all; "
                             "--tiny: 2000, one epoch).")
    parser.add_argument("--all-modes", action="store_true",
                        help="also score every other sampling mode of each trained "
                             "model (live/EMA weights x moving/batch statistics).")
    parser.add_argument("--tiny", action="store_true",
                        help="20 steps, 300 samples, a small classifier: checks the plumbing.")
    args = parser.parse_args(argv)
    if args.tiny:
        args.steps, args.samples, args.chunk = 20, 300, 10
        args.classifier_train = args.classifier_train or 2000
    elif args.grid_dir is None:
        args.grid_dir = DEFAULT_GRIDS
    for name in ("steps", "batch_size", "chunk"):
        if getattr(args, name) < 1:
            raise BenchmarkError(f"--{name.replace('_', '-')} must be at least 1, "
                                 f"got {getattr(args, name)}.")
    if args.samples < 2:
        raise BenchmarkError(f"--samples must be at least 2 (FID needs a covariance), "
                             f"got {args.samples}.")
    rows = [Row(spec) for spec in args.rows.split()]
    if args.only:
        keep = set(args.only.split(","))
        unknown = keep - set(KINDS)
        if unknown:
            raise BenchmarkError(f"--only: unknown kinds {sorted(unknown)}; kinds are {KINDS}.")
        rows = [r for r in rows if r.kind in keep]
    if args.skip_torch:
        rows = [r for r in rows if r.kind != "torch"]
    if not rows:
        raise BenchmarkError("No rows to run.")
    args.rows = rows
    return args


# ---------------------------------------------------------------------------
# Data.

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_mnist(data_dir, split):
    """uint8 images `[n, 28, 28]` and labels `[n]` from the IDX files (no TensorFlow)."""
    arrays = []
    for stem in MNIST_FILES[split]:
        path = next((os.path.join(data_dir, stem + ext) for ext in (".gz", "")
                     if os.path.isfile(os.path.join(data_dir, stem + ext))), None)
        if path is None:
            raise BenchmarkError(
                f"MNIST file {stem}(.gz) not found in {data_dir}; pass --data-dir "
                f"(a folder with the four IDX files, e.g. from `python download.py "
                f"mnist`).")
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = f.read()
        ndim = raw[3]
        shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
        arrays.append(np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape))
    return arrays[0], arrays[1]


def batches(images, batch_size, seed):
    """Endless float32 `[batch, 1, 28, 28]` batches in [-1, 1], reshuffled each epoch."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(images))
        for start in range(0, len(order) - batch_size + 1, batch_size):
            batch = images[order[start:start + batch_size]]
            yield (batch.astype(np.float32) / 127.5 - 1.0)[:, None]


# ---------------------------------------------------------------------------
# Workers: one process per model, trained in chunks on the parent's signal.

def worker_main(conn, row, args):
    """Builds `row`'s model, then serves "go" (train one chunk, reply with its
    seconds) until `args.steps` are done, then "sample" (reply with the
    samples and a note)."""
    try:
        trainer = TorchTrainer(row, args) if row.kind == "torch" else KerasTrainer(row, args)
        conn.send(("ready", trainer.describe()))
        trainer.train(conn)
        command, modes = conn.recv()
        assert command == "sample", command
        conn.send(("samples", {mode: trainer.sample(args.samples, *mode) for mode in modes}))
    except Exception as error:  # reported by the parent with the row's name
        import traceback
        conn.send(("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
    finally:
        conn.close()


class _Chunks:
    """Times the steps between the parent's "go" signals."""

    def __init__(self, conn, chunk, total):
        self.conn, self.chunk, self.total = conn, chunk, total
        self.start = None

    def begin(self):
        message = self.conn.recv()
        assert message == "go", message
        self.start = time.perf_counter()

    def step_done(self, step):
        """Call after step `step` (1-based); pauses at a chunk's end."""
        if step % self.chunk == 0 or step == self.total:
            self.conn.send(("chunk", time.perf_counter() - self.start))
            if step < self.total:
                self.begin()


class KerasTrainer:
    """tfdcgan.DCGAN / BasicGAN trained with `fit()` on `tfdcgan.data.mnist`."""

    def __init__(self, row, args):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras
        import tfdcgan
        import tfdcgan.data

        self.row, self.args = row, args
        self.keras = keras
        kwargs = {"output_height": 28, "c_dim": 1, "seed": args.seed,
                  **row.model_kwargs}
        cls = tfdcgan.BasicGAN if row.kind == "basic" else tfdcgan.DCGAN
        self.gan = cls(**kwargs)
        self.gan.compile(jit_compile=False)
        self.conditional = bool(self.gan.y_dim)
        self.data = tfdcgan.data.mnist(
            args.data_dir, batch_size=args.batch_size, labels=self.conditional,
            seed=args.seed).repeat()

    def describe(self):
        gan = self.gan
        params = sum(int(np.prod(v.shape)) for v in gan.generator.trainable_variables)
        params_d = sum(int(np.prod(v.shape)) for v in gan.discriminator.trainable_variables)
        return {"framework": "tensorflow", "class": type(gan).__name__,
                "g_params": params, "d_params": params_d,
                "config": {k: v for k, v in gan.get_config().items()
                           if k not in ("name", "trainable", "dtype")}}

    def train(self, conn):
        chunks = _Chunks(conn, self.args.chunk, self.args.steps)

        class Pause(self.keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                chunks.begin()

            def on_train_batch_end(self, batch, logs=None):
                chunks.step_done(batch + 1)

        self.gan.fit(self.data, steps_per_epoch=self.args.steps, epochs=1,
                     callbacks=[Pause()], verbose=0)

    def sample(self, n, weights, bn):
        return sample_images(self.gan, n, seed=self.args.seed + 1, bn=bn,
                             ema=weights == "ema")


def sample_images(gan, n, seed, bn="moving", ema=False, batch_size=500):
    """uint8 `[n, H, W, C]` from a tfdcgan GAN, with labels cycling 0..y_dim-1
    for a conditional model.

    bn="batch" normalises each batch of `batch_size` with its own statistics
    (the moving statistics are left as they were); ema=True samples from the
    average of the generator's weights (`gan.generator_ema`, a model built
    with `ema_decay`), ema=False from `gan.generator`.

    Raises:
        ValueError: the generator's output is not finite (a diverged model),
            rather than scoring the black images NaN would cast to; ema=True
            for a model without an average.
    """
    import tensorflow as tf
    from tfdcgan.gan import to_uint8

    generator = gan.generator_ema if ema else gan.generator
    if generator is None:
        raise ValueError("ema=True needs a model built with ema_decay.")
    kept = [v.numpy() for v in generator.non_trainable_variables]
    try:
        z = gan.sample_z(n, seed)
        labels = gan.one_hot(np.arange(n) % gan.y_dim) if gan.y_dim else None
        out = []
        for start in range(0, n, batch_size):
            chunk_labels = None if labels is None else labels[start:start + batch_size]
            images = generator(z[start:start + batch_size], chunk_labels,
                               training=bn == "batch")
            if not bool(tf.reduce_all(tf.math.is_finite(images))):
                raise ValueError("The generator's output is NaN or infinite: the model "
                                 "diverged; its samples cannot be scored.")
            out.append(to_uint8(images).numpy())
        return np.concatenate(out)
    finally:
        for variable, value in zip(generator.non_trainable_variables, kept):
            variable.assign(value)


class TorchTrainer:
    """The pytorch/examples DCGAN recipe at 28x28 (see the module docstring)."""

    def __init__(self, row, args):
        # Under load from other processes, OpenMP threads that spin while they
        # wait lose their cores: 2-3x slower steps here. Passive waiting is
        # PyTorch's best setting on this shared machine.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import torch
        from torch import nn

        self.torch, self.row, self.args = torch, row, args
        torch.manual_seed(args.seed)
        torch.set_num_threads(_cores())
        nz, ngf, ndf = 100, 64, 64
        self.nz = nz
        self.netG = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 7, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh())
        self.netD = nn.Sequential(
            nn.Conv2d(1, ndf * 2, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 7, 1, 0, bias=False), nn.Sigmoid())
        for net in (self.netG, self.netD):
            net.apply(_torch_init)
        self.optD = torch.optim.Adam(self.netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.optG = torch.optim.Adam(self.netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.criterion = nn.BCELoss()
        images, _ = load_mnist(args.data_dir, "train")
        self.data = batches(images, args.batch_size, args.seed)

    def describe(self):
        count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
        return {"framework": f"torch {self.torch.__version__}",
                "class": "pytorch/examples DCGAN (28x28)",
                "g_params": count(self.netG), "d_params": count(self.netD),
                "threads": self.torch.get_num_threads()}

    def train(self, conn):
        torch = self.torch
        chunks = _Chunks(conn, self.args.chunk, self.args.steps)
        chunks.begin()
        for step in range(1, self.args.steps + 1):
            real = torch.from_numpy(next(self.data))
            b = real.shape[0]
            ones, zeros = torch.ones(b), torch.zeros(b)
            self.netD.zero_grad()
            loss_real = self.criterion(self.netD(real).view(-1), ones)
            loss_real.backward()
            fake = self.netG(torch.randn(b, self.nz, 1, 1))
            loss_fake = self.criterion(self.netD(fake.detach()).view(-1), zeros)
            loss_fake.backward()
            self.optD.step()
            self.netG.zero_grad()
            loss_g = self.criterion(self.netD(fake).view(-1), ones)
            loss_g.backward()
            self.optG.step()
            chunks.step_done(step)

    def sample(self, n, weights, bn, batch_size=500):
        torch = self.torch
        torch.manual_seed(self.args.seed + 1)
        # pytorch/examples never calls netG.eval(): its samples use batch
        # statistics. bn=moving samples in eval mode instead.
        self.netG.train(bn == "batch")
        out = []
        with torch.no_grad():
            for start in range(0, n, batch_size):
                images = self.netG(torch.randn(min(batch_size, n - start), self.nz, 1, 1))
                if not bool(torch.isfinite(images).all()):
                    raise ValueError("The generator's output is NaN or infinite: the "
                                     "model diverged; its samples cannot be scored.")
                out.append(images.clamp(-1, 1).add(1).mul(127.5).round()
                           .to(torch.uint8).permute(0, 2, 3, 1).numpy())
        self.netG.train(True)
        return np.concatenate(out)


def _torch_init(module):
    from torch import nn
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------
# The parent: start the workers, interleave their training, score the samples.

def train_rows(rows, args, log=print):
    """Trains every training row in its own process, interleaved.

    Returns:
        {spec: {"samples": {mode: uint8 [n, 28, 28, 1]}, "train_seconds": float,
                "model": dict}} (or {"error": str} for a row that failed).
    """
    context = multiprocessing.get_context("spawn")
    workers = {}
    for row in rows:
        parent, child = context.Pipe()
        process = context.Process(target=worker_main, args=(child, row, args), daemon=True)
        process.start()
        child.close()
        workers[row.spec] = {"conn": parent, "process": process, "seconds": 0.0}
    results = {}

    def receive(spec, expected):
        kind, *payload = workers[spec]["conn"].recv()
        if kind == "error":
            results[spec] = {"error": payload[0]}
            log(f"  {spec}: FAILED\n{payload[0]}")
            _stop(workers.pop(spec))
            return None
        assert kind == expected, kind
        return payload[0]

    for spec in list(workers):
        model = receive(spec, "ready")
        if model is not None:
            workers[spec]["model"] = model
    rounds = -(-args.steps // args.chunk)
    for turn in range(rounds):
        order = list(workers)
        shift = turn % max(len(order), 1)
        for spec in order[shift:] + order[:shift]:
            if spec not in workers:
                continue
            workers[spec]["conn"].send("go")
            seconds = receive(spec, "chunk")
            if seconds is not None:
                workers[spec]["seconds"] += seconds
        done = min((turn + 1) * args.chunk, args.steps)
        if turn == rounds - 1 or (turn + 1) % max(1, rounds // 10) == 0:
            log(f"  step {done}/{args.steps}: " + ", ".join(
                f"{spec} {w['seconds']:.0f}s" for spec, w in workers.items()))
    modes = {row.spec: row.modes(args.all_modes) for row in rows}
    for spec in list(workers):
        workers[spec]["conn"].send(("sample", modes[spec]))
        samples = receive(spec, "samples")
        if samples is not None:
            results[spec] = {"samples": samples, "train_seconds": workers[spec]["seconds"],
                             "model": workers[spec]["model"]}
            _stop(workers.pop(spec))
    return results


def _stop(worker):
    worker["conn"].close()
    worker["process"].join(timeout=30)
    if worker["process"].is_alive():
        worker["process"].terminate()


def score(samples, reference, name):
    """`tfdcgan.metrics.evaluate` as a flat dict, with the smallest class share."""
    from tfdcgan import metrics
    result = metrics.evaluate(samples, reference).as_dict()
    result["min_class_share"] = float(min(result["class_histogram"]))
    result["name"] = name
    return result


def run(args, log=print):
    """Runs the benchmark; returns the results dict (also what --json writes)."""
    started = time.time()
    rows = list(args.rows)
    if any(r.kind == "torch" for r in rows) and not torch_available():
        log("torch is not importable: the torch row is skipped.")
        rows = [r for r in rows if r.kind != "torch"]
    test_images, _ = load_mnist(args.data_dir, "test")
    train_images, _ = load_mnist(args.data_dir, "train")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tfdcgan import metrics
    from tfdcgan import visualize

    classifier_kwargs = {"data_dir": args.data_dir, "cache_dir": args.classifier_cache}
    if args.classifier_train:
        classifier_kwargs.update(num_train=args.classifier_train, epochs=1)
    log("Classifier features of the MNIST test set (the reference)...")
    reference = metrics.Reference.from_images(
        test_images[..., None], "mnist_classifier", **classifier_kwargs)
    classifier_info = {k: v for k, v in reference.extractor.info.items() if k != "path"}

    training = [r for r in rows if r.kind != "real"]
    log(f"Training {', '.join(r.spec for r in training) or 'nothing'}: {args.steps} "
        f"steps at batch {args.batch_size}, chunks of {args.chunk}...")
    trained = train_rows(training, args, log) if training else {}

    table = []
    for row in rows:
        if row.kind == "real":
            held_out = np.random.default_rng(args.seed).permutation(
                len(train_images))[:args.samples]
            entry = {"samples": {row.mode: train_images[held_out][..., None]},
                     "train_seconds": None, "model": {"class": "real training digits"}}
        else:
            entry = trained[row.spec]
            if "error" in entry:
                table.append({"name": row.spec, "error": entry["error"].splitlines()[0]})
                continue
        for mode, samples in entry["samples"].items():
            name = row.spec if mode == row.mode else f"{row.spec} @{'+'.join(mode)}"
            try:
                result = score(samples, reference, name)
            except ValueError as error:
                table.append({"name": name, "error": str(error)})
                continue
            result.update(train_seconds=entry["train_seconds"], model=entry["model"],
                          sampling={"weights": mode[0], "bn": mode[1]})
            if args.grid_dir and row.kind != "real" and mode == row.mode:
                path = os.path.join(args.grid_dir, f"quality_mnist_{row.slug}.png")
                visualize.save_grid(samples[:GRID_SAMPLES], path, padding=1)
                result["grid"] = os.path.relpath(path, REPO)
            table.append(result)

    return {
        "command": "python benchmarks/quality_mnist.py " + " ".join(sys.argv[1:]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_cores()} cores ({platform.processor() or 'cpu'})"
                   f", Python {platform.python_version()}",
        "steps": args.steps, "batch_size": args.batch_size, "samples": args.samples,
        "seed": args.seed, "classifier": classifier_info,
        "total_seconds": round(time.time() - started, 1),
        "rows": table,
    }


def format_table(results):
    """The results as a Markdown table."""
    lines = ["| row | classifier FID | KID x1e3 | classes >= 2% | smallest class | "
             "train s | G params |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results["rows"]:
        if "error" in r:
            lines.append(f"| {r['name']} | error: {r['error']} | | | | | |")
            continue
        seconds = "-" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}"
        params = r["model"].get("g_params")
        lines.append(
            f"| {r['name']} | {r['fid']:.2f} | {1e3 * r['kid']:.2f} | "
            f"{r['classes_covered']}/10 | {100 * r['min_class_share']:.1f}% | "
            f"{seconds} | {'-' if params is None else f'{params:,}'} |")
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
          f"samples, seed {results['seed']}; {results['machine']}; {results['date']}")
    print(format_table(results))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    return 1 if any("error" in r for r in results["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
