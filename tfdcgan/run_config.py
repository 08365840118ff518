"""The settings of a run and what follows from them: defaults that depend on
the dataset, the run's name (its folder is a `tfdcgan.run_dir.RunDirectory`),
the command that trains it, and the seeds of its data order and samples
(see `tfdcgan.run`)."""

import dataclasses
import math
import os

import numpy as np

from tfdcgan import rules
from tfdcgan.rules import MNIST, MNIST_CLASSES


@dataclasses.dataclass
class RunConfig:
    """The settings of a run: `main.py`'s flags (see flags.py for each one's help)."""

    # carpedm20/DCGAN-tensorflow's flags.
    epoch: int = 25
    learning_rate: float = 0.0002
    beta1: float = 0.5
    train_size: float = math.inf
    batch_size: int = 64
    input_height: int = 108
    input_width: int = None
    output_height: int = None  # None: 28 for mnist, 64 otherwise
    output_width: int = None
    dataset: str = "celebA"
    input_fname_pattern: str = "*.jpg"
    data_dir: str = "./data"
    out_dir: str = "./out"
    out_name: str = ""
    checkpoint_dir: str = "checkpoint"
    sample_dir: str = "samples"
    train: bool = False
    crop: bool = False
    visualize: bool = False
    export: bool = False
    freeze: bool = False
    max_to_keep: int = 1
    sample_freq: int = 200
    ckpt_freq: int = 200
    z_dim: int = 100
    z_dist: str = "uniform_signed"
    G_img_sum: bool = False
    # The model.
    model: str = "dcgan"
    seed: int = None
    g_steps: int = 2
    loss: str = "non_saturating"
    label_smoothing: float = 0.0
    # Sample from an average of G's weights: FID 0.58-0.78x G's own on CelebA,
    # 0.42-0.61x on MNIST, two seeds each (benchmarks/RESULTS.md); 0: G's own.
    ema_decay: float = 0.999
    kernel_size: int = 5
    gf_dim: int = 64
    df_dim: int = 64
    c_dim: int = None
    y_dim: int = None  # None: 10 for mnist, none otherwise; 0: none
    num_layers: int = None
    d_head: str = "one_logit"
    # The data.
    small_images: str = "error"  # with crop: "error", "skip" or "upscale"
    # Outputs.
    logs_dir: str = "./logs"
    visualize_option: int = 1
    generate: int = 0
    # Hardware and reproducibility.
    strategy: str = "default"
    mixed_precision: str = "none"
    deterministic: bool = False
    sync_batch_norm: bool = False  # batch-norm statistics over every replica
    # Sample quality during training.
    quality_freq: int = 0
    quality_metric: str = "fid"
    quality_samples: int = 10000
    # Weight files, as the PyTorch DCGAN scripts keep them.
    init_generator: str = ""
    init_discriminator: str = ""
    save_weights_per_epoch: bool = False

    @classmethod
    def names(cls):
        return [f.name for f in dataclasses.fields(cls)]


# Settings that are not part of a run's identity: they change what an
# invocation does or writes, not the model or its training.
NOT_IN_NAME = {
    "epoch", "data_dir", "out_dir", "out_name", "checkpoint_dir", "sample_dir",
    "train", "visualize", "export", "freeze", "max_to_keep", "sample_freq",
    "ckpt_freq", "G_img_sum", "logs_dir", "visualize_option", "generate",
    "strategy", "deterministic", "quality_freq", "quality_metric", "quality_samples",
    "small_images", "init_generator", "init_discriminator", "save_weights_per_epoch",
}


def identity(config):
    """The settings that define a run: those its default name is made of
    (and the seed). A resumed run keeps them; `RunDirectory.check_settings`
    refuses another value."""
    return {name: getattr(config, name) for name in RunConfig.names()
            if name not in NOT_IN_NAME}


def resolve(config):
    """Fills in what the defaults leave to the dataset and to each other.

    Raises:
        rules.SettingError: a value out of its range, or settings that cannot
            work together (see `tfdcgan.rules`).
    """
    rules.check_all(dataclasses.asdict(config))
    c = dataclasses.replace(config)
    mnist = c.dataset == MNIST
    c.input_width = c.input_width or c.input_height
    if c.output_height is None:
        c.output_height = 28 if mnist else 64
    c.output_width = c.output_width or c.output_height
    if c.y_dim is None:
        c.y_dim = MNIST_CLASSES if mnist else 0
    c.z_dist = rules.Z_DISTRIBUTION_ALIASES.get(c.z_dist, c.z_dist)
    if c.train_size is not None and math.isinf(c.train_size):
        c.train_size = None
    elif c.train_size is not None:
        c.train_size = int(c.train_size)
    if c.c_dim is None and mnist:
        c.c_dim = 1
    rules.check_combination(c)
    if not c.out_name:
        c.out_name = default_out_name(c)
    return c


def default_out_name(config):
    """A run name from the settings that define the run, e.g.
    `celebA_x108_crop_y64_z100_b64` or `mnist_y28_z100_b64_gf8_df8`."""
    c = config
    parts = [c.dataset.replace(os.sep, "-")]
    if c.dataset != MNIST and c.crop:  # (without a crop, input sizes are unused)
        parts.append(f"x{_size(c.input_height, c.input_width)}_crop")
    parts += [f"y{_size(c.output_height, c.output_width)}", f"z{c.z_dim}", f"b{c.batch_size}"]
    defaults = identity(resolve_defaults_for(c.dataset))
    for name, value in identity(c).items():
        if name in ("dataset", "input_height", "input_width", "crop", "output_height",
                    "output_width", "z_dim", "batch_size"):
            continue
        if value != defaults[name]:
            parts.append(f"{_ABBREVIATIONS.get(name, name)}{_short(value)}")
    return "_".join(parts)


_ABBREVIATIONS = {
    "gf_dim": "gf", "df_dim": "df", "kernel_size": "k", "learning_rate": "lr",
    "label_smoothing": "ls", "ema_decay": "ema",
    "g_steps": "g", "train_size": "n", "num_layers": "layers", "c_dim": "c",
    "y_dim": "y", "input_fname_pattern": "files", "mixed_precision": "",
    "z_dist": "", "loss": "", "model": "", "d_head": "", "sync_batch_norm": "syncbn",
}


def resolve_defaults_for(dataset):
    """The resolved defaults for `dataset`, less the derived run name."""
    return resolve(RunConfig(dataset=dataset, out_name="-"))


def _size(height, width):
    return f"{height}" if height == width else f"{height}x{width}"


def _short(value):
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in text)


def run_paths(config):
    """The `RunDirectory` of a resolved config (`out_dir/out_name`)."""
    from tfdcgan.run_dir import RunDirectory

    return RunDirectory.for_config(config)


def command_line(kwargs):
    """The `main.py` command that trains a run with these settings."""
    defaults = RunConfig()
    names = ["dataset"] + [n for n in RunConfig.names() if n != "dataset"]
    args = []
    for name in names:
        if name in ("train", "visualize", "export", "freeze", "generate",
                    "visualize_option") or name not in kwargs:
            continue
        value = kwargs[name]
        if value is None or value == getattr(defaults, name):
            continue
        if isinstance(value, bool):
            args.append(f"--{name}" if value else f"--no{name}")
        else:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            args.append(f"--{name} {value}")
    return " ".join(["python main.py"] + args + ["--train"])


def epoch_seed(seed, epoch):
    """The data-shuffle seed of `epoch` (a function of the run seed and the
    epoch only, so a resumed run sees the same order)."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0] % (2**31 - 1))


def sample_seed(seed):
    """The seed of the fixed sample z (distinct from the training noise)."""
    return int(np.random.SeedSequence([seed, 2**32 - 1]).generate_state(1)[0] % (2**31 - 1))
