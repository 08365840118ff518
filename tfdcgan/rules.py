"""The allowed values of every setting, in one place.

`main.py`'s flags (through the validators flags.py registers),
`tfdcgan.run.main` / `RunConfig` (in `run_config.resolve`) and the model
constructors (`DCGAN`, `Generator`, `Discriminator`, `BasicGAN`) all check
their values here, so the command line and the library refuse the same
values with the same words, before any data is read, any folder is made or
any model is built. A refusal is a `SettingError`, a `ValueError` whose
one-line message names the setting, the value and what is allowed:

    output_height=0: must be an integer >= 1
    num_layers=6: at most 5 stride-2 layers fit 28x28 images (each halves them)

Three kinds of rule:

* `RULES`: one setting's own range or choices (`check`).
* `check_combination`: settings that cannot work together (a depth that
  leaves no pixels, networks too large to build, a conditional model on
  unlabelled data, training-only settings without `train`, ...).
* `check_paths`: folders that are files or cannot be created, weight files
  that are missing or of another kind.

Rules that need the files themselves (a crop larger than every image, a
batch larger than the data, `train_size` included) are checked by
`tfdcgan.data` when the files are listed, which is still before any folder
is made or any model is built.
"""

import dataclasses
import math
import numbers
import os
import tempfile

MNIST = "mnist"
MNIST_CLASSES = 10

# The choices that are settings of this library (their users import them
# from here; `tfdcgan.losses` and `tfdcgan.callbacks.quality` implement each
# loss and metric named here, and their tests hold them to these names).
Z_DISTRIBUTIONS = ("uniform_signed", "uniform_unsigned", "normal")
Z_DISTRIBUTION_ALIASES = {"normal01": "normal"}
D_HEADS = ("one_logit", "two_logit")
# The losses of each discriminator head: two logits have no least-squares form.
LOSSES = {"one_logit": ("least_squares", "minimax", "non_saturating"),
          "two_logit": ("minimax", "non_saturating")}
QUALITY_METRICS = ("classes_covered", "fid", "kid", "kl_from_uniform")
MODELS = ("dcgan", "basic")
IMAGE_CHANNELS = (1, 3)
SMALL_IMAGE_POLICIES = ("error", "upscale", "skip")
STRATEGIES = ("default", "mirrored", "multi_worker")
MIXED_PRECISION = ("none", "mixed_float16", "mixed_bfloat16")
VISUALIZE_OPTIONS = (0, 1, 2, 3, 4)
MAX_SEED = 2**31 - 1

# Networks with more weights than this do not fit a machine's memory once
# their gradients and Adam's two slots are counted (4 copies, 16 GB at 1e9).
MAX_WEIGHTS = 10**9

# Settings that only act while training: set without `train` they are
# refused rather than silently ignored.
TRAINING_ONLY = ("G_img_sum", "quality_freq", "init_generator", "init_discriminator",
                 "save_weights_per_epoch")


class SettingError(ValueError):
    """A setting's value is not allowed.

    Attributes:
        name: the setting (keyword argument and flag name).
        value: the value given.
        requirement: what is allowed, or why the value cannot work.
    """

    def __init__(self, name, value, requirement):
        self.name = name
        self.value = value
        self.requirement = requirement
        super().__init__(f"{name}={value!r}: {requirement}")

    def flag_message(self):
        """The same on one line in command-line words: `--name=value: ...`."""
        value = self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"flag --{self.name}={value}: {self.requirement}"


@dataclasses.dataclass(frozen=True)
class Rule:
    """One setting's allowed values.

    kind: "int", "number" (a float), "whole" (a whole number as int or
    float, or inf), "bool", "choice", "text" (a non-empty string),
    "name" (a run name: empty or one path component) or "file" (a path or
    empty). `low`/`high` bound numbers (`open_low`: low itself excluded).
    `choices` is a tuple or a function returning one. `none` says what None
    means where None is allowed.
    """

    kind: str
    low: float = None
    high: float = None
    open_low: bool = False
    open_high: bool = False
    choices: object = ()
    none: str = None

    def allowed(self):
        """What the rule allows, in words."""
        if self.kind == "bool":
            text = "must be True or False"
        elif self.kind == "choice":
            text = "must be one of " + ", ".join(str(c) for c in self.options())
        elif self.kind == "text":
            text = "must be a non-empty string"
        elif self.kind == "name":
            text = ("must be a folder name (no path separator, not '.' or '..'), "
                    "or empty to derive it from the settings")
        elif self.kind == "file":
            text = "must be a file path, or empty for none"
        else:
            noun = {"int": "an integer", "whole": "a whole number",
                    "number": "a number"}[self.kind]
            text = f"must be {noun} {self._bounds()}"
            if self.kind == "whole":
                text += ", or inf"
        if self.none is not None:
            text += f" (or None, unset: {self.none})"
        return text

    def _bounds(self):
        if self.low is not None and self.high is not None:
            left = "(" if self.open_low else "["
            right = ")" if self.open_high else "]"
            return f"in {left}{_fmt(self.low)}, {_fmt(self.high)}{right}"
        if self.low is not None:
            return f"{'>' if self.open_low else '>='} {_fmt(self.low)}"
        return f"{'<' if self.open_high else '<='} {_fmt(self.high)}"

    def options(self):
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def accepts(self, value):
        if value is None:
            return self.none is not None
        kind = self.kind
        if kind == "bool":
            return isinstance(value, bool)
        if kind == "choice":
            return value in self.options() and type(value) is not bool
        if kind in ("text", "name", "file"):
            if not isinstance(value, str):
                return False
            if kind == "text":
                return bool(value.strip())
            if kind == "name":
                return value == "" or (os.sep not in value and "/" not in value
                                       and value not in (".", ".."))
            return True
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if kind == "int" and not isinstance(value, numbers.Integral):
            return False
        if math.isnan(value):
            return False
        if math.isinf(value):
            return kind == "whole" and value > 0
        if kind == "whole" and not float(value).is_integer():
            return False
        if self.low is not None and (value < self.low or (self.open_low and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.open_high and value == self.high)):
            return False
        return True

    def check(self, name, value):
        if not self.accepts(value):
            raise SettingError(name, value, self.allowed())


def _fmt(number):
    return f"{number:g}" if isinstance(number, float) else str(number)


def _int(low, high=None, none=None):
    return Rule("int", low=low, high=high, none=none)


_BOOL = Rule("bool")
_TEXT = Rule("text")

# Every setting of a run (`RunConfig`), and so every flag of main.py.
RULES = {
    "epoch": _int(1),
    "learning_rate": Rule("number", low=0.0, open_low=True, high=1.0),
    "beta1": Rule("number", low=0.0, high=1.0, open_high=True),
    "label_smoothing": Rule("number", low=0.0, high=0.5, open_high=True),
    "ema_decay": Rule("number", low=0.0, high=1.0, open_high=True),
    # (a round bound below 2**53, past which a float no longer holds every
    # whole number: 1e30 would be 1000000000000000019884624838656 in the
    # run's name)
    "train_size": Rule("whole", low=1, high=1e15, none="every image"),
    "batch_size": _int(1),
    "input_height": _int(1),
    "input_width": _int(1, none="input_height"),
    "output_height": _int(1, none="28 for mnist, 64 otherwise"),
    "output_width": _int(1, none="output_height"),
    "dataset": _TEXT,
    "input_fname_pattern": _TEXT,
    "data_dir": _TEXT,
    "out_dir": _TEXT,
    "out_name": Rule("name"),
    "checkpoint_dir": _TEXT,
    "sample_dir": _TEXT,
    "train": _BOOL,
    "crop": _BOOL,
    "visualize": _BOOL,
    "export": _BOOL,
    "freeze": _BOOL,
    "max_to_keep": _int(1),
    "sample_freq": _int(0),
    "ckpt_freq": _int(0),
    "z_dim": _int(1),
    "z_dist": Rule("choice", choices=Z_DISTRIBUTIONS + tuple(Z_DISTRIBUTION_ALIASES)),
    "G_img_sum": _BOOL,
    "model": Rule("choice", choices=MODELS),
    "seed": _int(0, MAX_SEED, none="random, recorded in the run"),
    "g_steps": _int(1),
    "loss": Rule("choice", choices=tuple(sorted({n for ns in LOSSES.values() for n in ns}))),
    "kernel_size": _int(1),
    "gf_dim": _int(1),
    "df_dim": _int(1),
    "c_dim": Rule("choice", choices=IMAGE_CHANNELS, none="from the data"),
    "y_dim": _int(0, none="10 for mnist, 0 otherwise"),
    "num_layers": _int(1, none="from the image size"),
    "logs_dir": _TEXT,
    "visualize_option": Rule("choice", choices=VISUALIZE_OPTIONS),
    "generate": _int(0),
    "strategy": Rule("choice", choices=STRATEGIES),
    "mixed_precision": Rule("choice", choices=MIXED_PRECISION),
    "deterministic": _BOOL,
    "sync_batch_norm": _BOOL,
    "quality_freq": _int(0),
    "quality_metric": Rule("choice", choices=QUALITY_METRICS),
    "quality_samples": _int(2),
    "small_images": Rule("choice", choices=SMALL_IMAGE_POLICIES),
    "d_head": Rule("choice", choices=D_HEADS),
    "init_generator": Rule("file"),
    "init_discriminator": Rule("file"),
    "save_weights_per_epoch": _BOOL,
}

# Where a model's argument allows other values than the run setting of the
# same name: a network takes any channel count (a run's images are 1 or 3),
# y_dim None or positive (a run's 0 means None), no z_dist alias.
MODEL_RULES = {
    "c_dim": _int(1),
    "y_dim": _int(1, none="unconditional"),
    "z_dist": Rule("choice", choices=Z_DISTRIBUTIONS),
}


def check(name, value, required=False):
    """Raises `SettingError` unless `value` is allowed for setting `name`.

    With `required`, None is refused even where the setting allows it.
    """
    rule = RULES[name]
    if required:
        rule = dataclasses.replace(rule, none=None)
    rule.check(name, value)


def check_model(name, value):
    """`check` for a model's argument (`MODEL_RULES` where they differ)."""
    if name in MODEL_RULES:
        MODEL_RULES[name].check(name, value)
    else:
        check(name, value, required=name not in ("output_width", "input_width",
                                                 "num_layers", "seed"))


def check_all(settings):
    """`check` for every `name: value` of `settings` (a dict)."""
    for name, value in settings.items():
        check(name, value)


def check_network(**arguments):
    """`check_model` for every argument of a network (`Generator`,
    `Discriminator`, the MLPs), then the depth against the image size.
    Arguments are named as the network names them (`output_height` or
    `input_height`, `gf_dim` or `df_dim`)."""
    for name, value in arguments.items():
        check_model(name, value)
    height = arguments.get("output_height", arguments.get("input_height"))
    width = arguments.get("output_width", arguments.get("input_width")) or height
    if arguments.get("num_layers") is not None:
        check_depth(height, width, arguments["num_layers"])


def max_num_layers(height, width):
    """The most stride-2 layers an image of `height x width` allows: each
    halves the feature map (rounding up), and the last must still halve a
    map of at least 2 pixels on its larger side."""
    from tfdcgan import architecture

    size, layers = max(height, width), 0
    while size > 1:
        size = architecture.conv_out_size_same(size)
        layers += 1
    return layers


def check_depth(height, width, num_layers):
    """Raises `SettingError` (num_layers) when the depth leaves no pixels."""
    most = max_num_layers(height, width)
    if num_layers > most:
        allowed = (f"at most {most} stride-2 layers fit {height}x{width} images "
                   f"(each halves them)" if most else
                   f"a {height}x{width} image has no pixels to halve; use a larger "
                   f"output_height")
        raise SettingError("num_layers", num_layers, allowed)


def dcgan_weights(height, width, c_dim, z_dim, gf_dim, df_dim, kernel_size,
                  y_dim=0, num_layers=None):
    """About how many weights `DCGAN` with these arguments has: its kernels,
    which are nearly all of them (biases and batch-norm terms left out)."""
    from tfdcgan import architecture

    layers = num_layers or architecture.default_num_layers(height, width)
    sizes = architecture.feature_map_sizes(height, width, layers)
    y = y_dim or 0
    k2 = kernel_size * kernel_size
    g = [gf_dim * 2**(layers - 1 - i) for i in range(layers)] + [c_dim]
    d = [c_dim] + [df_dim * 2**i for i in range(layers)]
    h, w = sizes[-1]
    generator = (z_dim + y) * h * w * g[0] + sum(
        k2 * (g[i] + y) * g[i + 1] for i in range(layers))
    discriminator = sum(k2 * (d[i] + y) * d[i + 1] for i in range(layers)) + (
        h * w * d[-1] + y)
    return generator + discriminator


def check_dcgan_size(height, width, c_dim, z_dim, gf_dim, df_dim, kernel_size,
                     y_dim=0, num_layers=None):
    """Raises `SettingError` when the networks would have more than
    `MAX_WEIGHTS` weights, naming the setting furthest above its default."""
    weights = dcgan_weights(height, width, c_dim, z_dim, gf_dim, df_dim,
                            kernel_size, y_dim, num_layers)
    if weights <= MAX_WEIGHTS:
        return
    from tfdcgan import architecture

    given = {"gf_dim": gf_dim, "df_dim": df_dim, "z_dim": z_dim,
             "kernel_size": kernel_size, "output_height": max(height, width),
             "num_layers": num_layers or architecture.default_num_layers(height, width)}
    usual = {"gf_dim": 64, "df_dim": 64, "z_dim": 100, "kernel_size": 5,
             "output_height": 64, "num_layers": 4}
    name = max(given, key=lambda n: given[n] / usual[n])
    value = num_layers if name == "num_layers" else (
        height if name == "output_height" else given[name])
    raise SettingError(name, value, (
        f"the networks would have {weights:,} weights (gf_dim={gf_dim}, "
        f"df_dim={df_dim}, z_dim={z_dim}, kernel_size={kernel_size}, "
        f"{given['num_layers']} layers, {height}x{width} images), more than the "
        f"{MAX_WEIGHTS:,} that fit in memory with their optimizer state"))


def check_combination(config):
    """The rules between settings, on a resolved `RunConfig`."""
    c = config
    if c.loss not in LOSSES[c.d_head]:
        raise SettingError("loss", c.loss, (
            f"must be one of {', '.join(LOSSES[c.d_head])} with "
            f"d_head={c.d_head}"))
    if c.d_head != "one_logit" and c.model != "dcgan":
        raise SettingError("d_head", c.d_head, (
            f"only model=dcgan has a {c.d_head} discriminator; the basic model's "
            f"is one_logit"))
    if max(c.output_height, c.output_width) < 2:
        raise SettingError("output_height", c.output_height,
                           "images need at least 2 pixels on their larger side")
    if c.model == "dcgan":
        if c.num_layers is not None:
            check_depth(c.output_height, c.output_width, c.num_layers)
        check_dcgan_size(c.output_height, c.output_width, c.c_dim or 3, c.z_dim,
                         c.gf_dim, c.df_dim, c.kernel_size, c.y_dim, c.num_layers)
    if c.dataset == MNIST:
        if c.y_dim not in (0, MNIST_CLASSES):
            raise SettingError("y_dim", c.y_dim, (
                f"mnist has {MNIST_CLASSES} label classes: y_dim must be "
                f"{MNIST_CLASSES} (conditional) or 0 (unconditional)"))
    elif c.y_dim:
        raise SettingError("y_dim", c.y_dim, (
            f"a conditional model needs labels, and the image folder "
            f"{c.dataset!r} has none: y_dim must be 0 (only mnist has labels)"))
    if c.quality_freq and c.dataset != MNIST and c.quality_metric in (
            "classes_covered", "kl_from_uniform"):
        raise SettingError("quality_metric", c.quality_metric, (
            "counts MNIST digit classes, so it needs --dataset mnist; use fid or "
            "kid for an image folder"))
    if c.sync_batch_norm and c.model != "dcgan":
        raise SettingError("sync_batch_norm", c.sync_batch_norm,
                           "only model=dcgan has batch norm; the basic model has none")
    if c.strategy == "multi_worker":
        check_cluster(c.batch_size)
    if not c.train:
        for name in TRAINING_ONLY:
            if getattr(c, name):
                raise SettingError(name, getattr(c, name),
                                   "only acts while training: give it with train")


def check_cluster(batch_size=None, tf_config=None):
    """Rules of `strategy=multi_worker`: `TF_CONFIG` (read from the
    environment unless given) names a cluster of workers and this process's
    task in it, and `batch_size` (if given), the global batch, splits evenly
    between the workers.

    Returns:
        int, the number of workers.
    """
    import json

    tf_config = os.environ.get("TF_CONFIG", "") if tf_config is None else tf_config
    how = "(README, \"Several machines\")"
    if not tf_config.strip():
        raise SettingError("strategy", "multi_worker", (
            f"needs the environment variable TF_CONFIG: the cluster and this "
            f"worker's place in it {how}"))
    try:
        parsed = json.loads(tf_config)
        cluster, task = parsed["cluster"], parsed["task"]
        members = cluster[task["type"]]
        index = int(task["index"])
    except (ValueError, KeyError, TypeError) as error:
        raise SettingError("strategy", "multi_worker", (
            f"TF_CONFIG must be JSON with \"cluster\" (lists of host:port by task "
            f"type) and \"task\" (this process's type and index) {how}; "
            f"{type(error).__name__}: {error}")) from None
    if task["type"] not in ("chief", "worker"):
        raise SettingError("strategy", "multi_worker", (
            f"TF_CONFIG's task type is {task['type']!r}; must be chief or worker"))
    if not 0 <= index < len(members):
        raise SettingError("strategy", "multi_worker", (
            f"TF_CONFIG's task index {index} is not in its cluster's "
            f"{len(members)} {task['type']} address(es)"))
    workers = len(cluster.get("chief", [])) + len(cluster.get("worker", []))
    if batch_size is not None and batch_size % workers:
        raise SettingError("batch_size", batch_size, (
            f"is the global batch, split between the {workers} workers of "
            f"TF_CONFIG: must be a multiple of {workers}"))
    return workers


def check_paths(config):
    """Rules on the file system: the folders a run writes to must be folders
    or paths that can be created (tried in the nearest existing folder,
    leaving nothing behind): the run's own folder in `out_dir` and in
    `logs_dir`, and `checkpoint_dir` and `sample_dir` in the run's folder
    (or where they point, given as absolute paths)."""
    run_dir = os.path.join(os.path.expanduser(config.out_dir), config.out_name or "")
    for name, path in (
            ("out_dir", run_dir),
            ("logs_dir", os.path.join(os.path.expanduser(config.logs_dir), config.out_name or "")),
            ("checkpoint_dir", os.path.join(run_dir, config.checkpoint_dir)),
            ("sample_dir", os.path.join(run_dir, config.sample_dir))):
        reason = _cannot_create_in(os.path.expanduser(path))
        if reason:
            raise SettingError(name, getattr(config, name), reason)
    data_dir = os.path.expanduser(config.data_dir)
    if os.path.exists(data_dir) and not os.path.isdir(data_dir):
        raise SettingError("data_dir", config.data_dir, "is a file; must be a folder")
    from tfdcgan import weights

    for name in ("init_generator", "init_discriminator"):
        path = getattr(config, name)
        if path and not path.endswith(weights.SUFFIXES):
            raise SettingError(name, path, (
                f"must be a {' or '.join(weights.SUFFIXES)} file (a network's "
                f"weights, or a whole saved DCGAN)"))
        if path and not os.path.isfile(os.path.expanduser(path)):
            raise SettingError(name, path, "no such file")


def _cannot_create_in(path):
    """Why no folder can be made at `path` (None where it is one or one can
    be): a folder is made and removed in the nearest folder of `path` that
    exists."""
    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"{existing} is a file; must be a folder (or a path to create)"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".tfdcgan-", dir=existing))
    except OSError as error:
        return f"no folder can be created in {existing} ({error.strerror or error})"
    return None
