"""Training and sampling throughput: tfdcgan against PyTorch and plain Keras.

    python benchmarks/train_throughput.py            # the full run, ~10-15 min on 2 cores
    python benchmarks/train_throughput.py --tiny     # tiny networks: checks that it runs
    python benchmarks/train_throughput.py --models pytorch64 \
        --impls tfdcgan,tfdcgan-kerasbn,tfdcgan-xla,keras,pytorch,pytorch-cl --profile 2

Models (`--models`): `pytorch64`, the pytorch/examples DCGAN (64x64x3, kernel
4, gf_dim = df_dim = 64: exactly its FLOPs); `celeba`, carpedm20's CelebA model
(kernel 5); `mnist`, the 28x28x1 model (three stride-2 layers, kernel 5). Batch 64.

Implementations (`--impls`):
    tfdcgan         `tfdcgan.DCGAN`, its `compile()` defaults, the step `fit()` runs.
    tfdcgan+celebA  the same, fed the real photos in ../shared/data/celebA through
                    `tfdcgan.data.image_folder` (54x54 centre crop, resized): the
                    end-to-end figure. The other rows train on one synthetic batch
                    held in memory, so they measure the training step.
    pytorch         pytorch/examples dcgan/main.py: its networks, weight init, BCE
                    loss, Adam(2e-4, betas=(0.5, 0.999)) and update step, generalised
                    only in kernel size and base map size; `torch.set_num_threads`
                    to the core count.
    keras           the keras-io `dcgan_overriding_train_step` structure (fakes and
                    reals concatenated into one D batch with noisy labels, fresh
                    noise and a second generator pass for the G step, BCE from
                    logits, `compile()` with Keras defaults) on the same layers as
                    tfdcgan, Keras's own.
    variants        tfdcgan-xla / tfdcgan-noxla (jit_compile forced), tfdcgan-kerasbn
                    (Keras's unfused batch norm), tfdcgan-bf16 (the "mixed_bfloat16"
                    policy: other numerics, so outside the float32 comparison),
                    tfdcgan-spe (`steps_per_execution` = the steps of one repeat),
                    tfdcgan-ema (`ema_decay=0.999`: an average of G's weights
                    and one more forward pass of G a step), pytorch-cl
                    (channels_last).

How it measures, on a machine shared with other jobs: every implementation
runs in its own worker process (its own peak memory, its own thread pools).
The parent interleaves the timed repeats of a model's workers round-robin,
rotating the order, and the ratios are paired: the median over rounds of
tfdcgan's rate over the other's in the same round, as both saw about the same
load. "CPU" ratios compare process CPU seconds per image, which the load
changes much less than wall-clock time. "best" is the fastest round. The
fraction of peak is the best round's rate times the FLOPs one DCGAN update
needs (`Spec.train_flops_per_image`, from the layer shapes) over the best
float32 4096^3 matrix product (TensorFlow's or PyTorch's) timed between rounds,
and in brackets the same per CPU-second (median step against best product).
`--profile N` then profiles N steps of each implementation and prints where
the time goes, by op type.
"""

import argparse
import datetime
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
import traceback

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CELEBA = os.path.join(os.path.dirname(REPO), "shared", "data", "celebA")

# name -> (height, channels, kernel); gf_dim = df_dim = 64 and z_dim = 100 for all.
MODELS = {
    # The pytorch/examples DCGAN: 64x64x3, kernel 4, exactly its FLOPs.
    "pytorch64": (64, 3, 4),
    # carpedm20/DCGAN-tensorflow's CelebA model: 64x64x3, kernel 5.
    "celeba": (64, 3, 5),
    # The 28x28x1 MNIST model (unconditional, three stride-2 layers, kernel 5).
    "mnist": (28, 1, 5),
}
IMPLS = ("tfdcgan", "pytorch", "keras")
E2E = "tfdcgan+celebA"
# tfdcgan with XLA forced on / off whatever --jit-compile says, with Keras's
# own (unfused) batch norm, and under the "mixed_bfloat16" policy (different
# numerics: not comparable for the float32 targets), with a repeat's steps
# run as one `steps_per_execution` call; PyTorch with
# channels-last tensors (not what pytorch/examples does, but a PyTorch
# user's first tuning step).
VARIANTS = ("tfdcgan-xla", "tfdcgan-noxla", "tfdcgan-kerasbn", "tfdcgan-bf16",
            "tfdcgan-spe", "tfdcgan-ema", "pytorch-cl")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------
# Model geometry and FLOPs (counted from the layer shapes).

class Spec:
    """One benchmarked model: image size, widths, kernel, batch."""

    def __init__(self, name, height, c_dim, kernel, gf_dim=64, df_dim=64, z_dim=100,
                 batch_size=64):
        self.name = name
        self.height = height
        self.c_dim = c_dim
        self.kernel = kernel
        self.gf_dim = gf_dim
        self.df_dim = df_dim
        self.z_dim = z_dim
        self.batch_size = batch_size
        # tfdcgan.architecture's rules (tests check they agree), restated so
        # that the parent process need not import TensorFlow before the
        # workers start: halve with ceil while the map keeps at least 4 pixels.
        # Discriminator sizes, image first; the generator walks them backwards.
        self.sizes = [height]
        while len(self.sizes) == 1 or -(-self.sizes[-1] // 2) >= 4:
            self.sizes.append(-(-self.sizes[-1] // 2))
        self.num_layers = len(self.sizes) - 1
        self.g_channels = [gf_dim * 2**(self.num_layers - 1 - i)
                           for i in range(self.num_layers)] + [c_dim]
        self.d_channels = [c_dim] + [df_dim * 2**i for i in range(self.num_layers)]

    def generator_macs(self):
        """Multiply-adds per image of each generator layer, input first."""
        base = self.sizes[-1]
        macs = [self.z_dim * base * base * self.g_channels[0]]
        sizes = self.sizes[::-1]
        for i in range(self.num_layers):
            # A transposed convolution: every input pixel meets k*k*Cout weights.
            macs.append(sizes[i] ** 2 * self.kernel ** 2
                        * self.g_channels[i] * self.g_channels[i + 1])
        return macs

    def discriminator_macs(self):
        """Multiply-adds per image of each discriminator layer, input first."""
        macs = []
        for i in range(self.num_layers):
            macs.append(self.sizes[i + 1] ** 2 * self.kernel ** 2
                        * self.d_channels[i] * self.d_channels[i + 1])
        macs.append(self.sizes[-1] ** 2 * self.d_channels[-1])
        return macs

    def sample_flops_per_image(self):
        return 2 * sum(self.generator_macs())

    def train_flops_per_image(self):
        """FLOPs per real image of one DCGAN update, counting only what it needs.

        G forward (G); D step: D forward on reals and fakes (2D), their weight
        gradients (2D) and input gradients below the first layer (2(D - D1));
        G step: D forward on the fakes with the updated D (D), D input
        gradients (D), G weight gradients (G) and G input gradients above the
        projection (G - G1). Total 3G - G1 + 8D - 2D1.
        """
        g = self.generator_macs()
        d = self.discriminator_macs()
        macs = 3 * sum(g) - g[0] + 8 * sum(d) - 2 * d[0]
        return 2 * macs


# ---------------------------------------------------------------------------
# Workers: each builds one implementation and answers timing requests.

def _cpu_seconds():
    # User + system time of every thread of this process.
    return time.process_time()


def _peak_rss_mib():
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux
    carries ru_maxrss over from the parent across fork and exec."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class TfdcganRunner:
    def __init__(self, spec, options, data="synthetic", **model_kwargs):
        import tensorflow as tf
        import tfdcgan
        self.spec = spec
        self.gan = tfdcgan.DCGAN(
            output_height=spec.height, c_dim=spec.c_dim, z_dim=spec.z_dim,
            gf_dim=spec.gf_dim, df_dim=spec.df_dim, kernel_size=spec.kernel, seed=0,
            **model_kwargs)
        compile_kwargs = {}
        if options.jit_compile != "default":
            compile_kwargs["jit_compile"] = options.jit_compile == "true"
        if options.steps_per_execution > 1:
            compile_kwargs["steps_per_execution"] = options.steps_per_execution
        self.gan.compile(**compile_kwargs)
        self.traces = 0
        train_step = self.gan.train_step

        def counted_train_step(batch):
            self.traces += 1  # runs once per trace, not per step
            return train_step(batch)

        self.gan.train_step = counted_train_step
        if data == "synthetic":
            images = tf.random.uniform(
                (spec.batch_size, spec.height, spec.height, spec.c_dim), -1.0, 1.0, seed=0)
            self.dataset = tf.data.Dataset.from_tensors(images).repeat()
        else:
            self.dataset = celeba_dataset(options.celeba_dir, spec).repeat()
        self.gan.generate(8, seed=0)
        self.iterator = None

    def train(self, steps):
        return _train_steps(self, steps)

    def sample(self, n):
        start = time.perf_counter()
        images = self.gan.generate(n)
        assert images.shape[0] == n
        return time.perf_counter() - start

    def profile(self, steps):
        return _tf_profile(self, steps)

    def info(self):
        return {"traces": self.traces, "jit_compile": bool(self.gan.jit_compile)}


def _train_steps(runner, steps):
    """Seconds for `steps` training steps of a Keras model.

    The first call goes through `fit()`, which builds (and traces) the train
    function; later calls run that function on one iterator kept open,
    which is what `fit()` does for each step, without its per-call set-up
    (callbacks, a new iterator) that a long `fit()` pays once.
    """
    gan = runner.gan
    start = time.perf_counter()
    if runner.iterator is None:
        gan.fit(runner.dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        runner.iterator = iter(runner.dataset)
    else:
        for _ in range(-(-steps // gan.steps_per_execution)):
            logs = gan.train_function(runner.iterator)
        float(logs["g_loss"])
    return time.perf_counter() - start


def _tf_profile(runner, steps):
    """Self time per TensorFlow op type over `steps` steps, from the
    TensorFlow profiler's trace: [(op type, ms per step)], largest first.
    None under XLA, whose compiled cluster the trace does not break down."""
    if runner.gan.jit_compile:
        return None
    import glob
    import json
    import tempfile
    import tensorflow as tf
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin
    runner.train(1)
    logdir = tempfile.mkdtemp(prefix="train_throughput_profile_")
    tf.profiler.experimental.start(logdir)
    try:
        runner.train(steps)
    finally:
        tf.profiler.experimental.stop()
    path = sorted(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True))[-1]
    data, ok = _pywrap_profiler_plugin.xspace_to_tools_data([path], "framework_op_stats", {})
    if not ok:
        raise RuntimeError("could not read the profile")
    table = json.loads(data)[0]
    ids = [c["id"] for c in table["cols"]]
    totals = {}
    for row in table["rows"]:
        values = dict(zip(ids, (c.get("v") for c in row["c"])))
        if values["type"] != "IDLE":
            kind = values["type"]
            totals[kind] = totals.get(kind, 0.0) + values["total_self_time"]
    return sorted(((name, us / 1000 / steps) for name, us in totals.items()),
                  key=lambda item: -item[1])


def celeba_dataset(directory, spec):
    """The real CelebA photos through `tfdcgan.data`: 54x54 centre crop
    resized to the model's size, [-1, 1], batched."""
    from tfdcgan import data
    return data.image_folder(
        directory, crop=True, input_height=54, output_height=spec.height,
        batch_size=spec.batch_size, seed=0)


class KerasRunner:
    """The keras-io DCGAN `train_step` on the same layers as tfdcgan."""

    def __init__(self, spec, options):
        import keras
        import tensorflow as tf
        self.spec = spec
        self.generator, self.discriminator = _keras_networks(keras, spec)
        self.gan = _keras_io_gan(keras, tf)(self.discriminator, self.generator, spec.z_dim)
        self.gan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
        images = tf.random.uniform(
            (spec.batch_size, spec.height, spec.height, spec.c_dim), -1.0, 1.0, seed=0)
        self.dataset = tf.data.Dataset.from_tensors(images).repeat()
        self.rng = np.random.default_rng(0)
        self.iterator = None

    def train(self, steps):
        return _train_steps(self, steps)

    def sample(self, n):
        start = time.perf_counter()
        z = self.rng.standard_normal((n, self.spec.z_dim)).astype("float32")
        images = self.generator.predict(z, batch_size=256, verbose=0)
        images = np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
        assert images.shape[0] == n
        return time.perf_counter() - start

    def profile(self, steps):
        return _tf_profile(self, steps)

    def info(self):
        return {"jit_compile": bool(self.gan.jit_compile)}


def _keras_networks(keras, spec):
    layers = keras.layers
    init = keras.initializers.RandomNormal(0.0, 0.02)

    def norm():
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)

    base = spec.sizes[-1]
    g = [keras.Input((spec.z_dim,)),
         layers.Dense(base * base * spec.g_channels[0], use_bias=False,
                      kernel_initializer=init),
         layers.Reshape((base, base, spec.g_channels[0])), norm(), layers.ReLU()]
    sizes = spec.sizes[::-1]
    for i in range(spec.num_layers):
        last = i == spec.num_layers - 1
        g.append(layers.Conv2DTranspose(spec.g_channels[i + 1], spec.kernel, strides=2,
                                        padding="same", use_bias=last,
                                        kernel_initializer=init))
        extra = 2 * sizes[i] - sizes[i + 1]  # an odd size: crop as tfdcgan does
        if extra:
            g.append(layers.Cropping2D(((0, extra), (0, extra))))
        g += [layers.Activation("tanh")] if last else [norm(), layers.ReLU()]
    d = [keras.Input((spec.height, spec.height, spec.c_dim))]
    for i in range(spec.num_layers):
        d.append(layers.Conv2D(spec.d_channels[i + 1], spec.kernel, strides=2,
                               padding="same", use_bias=i == 0, kernel_initializer=init))
        if i > 0:
            d.append(norm())
        d.append(layers.LeakyReLU(negative_slope=0.2))
    d += [layers.Flatten(), layers.Dense(1, kernel_initializer=init)]
    return (keras.Sequential(g, name="generator"),
            keras.Sequential(d, name="discriminator"))


def _keras_io_gan(keras, tf):
    class GAN(keras.Model):
        # The structure of keras-io's dcgan_overriding_train_step, with real = 1
        # and batch norm in training mode (its networks have none).
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.seed_generator = keras.random.SeedGenerator(1337)

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        def train_step(self, real_images):
            batch_size = tf.shape(real_images)[0]
            z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            generated = self.generator(z, training=True)
            combined = tf.concat([generated, real_images], axis=0)
            labels = tf.concat([tf.zeros((batch_size, 1)), tf.ones((batch_size, 1))], axis=0)
            labels += 0.05 * keras.random.uniform(tf.shape(labels), seed=self.seed_generator)
            with tf.GradientTape() as tape:
                predictions = self.discriminator(combined, training=True)
                d_loss = self.loss_fn(labels, predictions)
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))

            z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            misleading_labels = tf.ones((batch_size, 1))
            with tf.GradientTape() as tape:
                predictions = self.discriminator(self.generator(z, training=True),
                                                 training=True)
                g_loss = self.loss_fn(misleading_labels, predictions)
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            return {"d_loss": d_loss, "g_loss": g_loss}

    return GAN


class TorchRunner:
    """pytorch/examples dcgan/main.py: networks, init, loss, optimizers, step."""

    def __init__(self, spec, options, channels_last=False):
        import torch
        from torch import nn
        torch.set_num_threads(cores())
        torch.manual_seed(0)
        self.torch = torch
        self.spec = spec
        self.device = torch.device("cpu")
        self.netG = _torch_generator(nn, spec)
        self.netD = _torch_discriminator(nn, spec)

        def weights_init(m):
            classname = m.__class__.__name__
            if classname.find("Conv") != -1:
                torch.nn.init.normal_(m.weight, 0.0, 0.02)
            elif classname.find("BatchNorm") != -1:
                torch.nn.init.normal_(m.weight, 1.0, 0.02)
                torch.nn.init.zeros_(m.bias)

        self.netG.apply(weights_init)
        self.netD.apply(weights_init)
        self.real = torch.rand(spec.batch_size, spec.c_dim, spec.height, spec.height) * 2 - 1
        if channels_last:
            self.netG.to(memory_format=torch.channels_last)
            self.netD.to(memory_format=torch.channels_last)
            self.real = self.real.contiguous(memory_format=torch.channels_last)
        self.criterion = nn.BCELoss()
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), lr=2e-4,
                                           betas=(0.5, 0.999))
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), lr=2e-4,
                                           betas=(0.5, 0.999))

    def train(self, steps):
        torch = self.torch
        real_label, fake_label = 1.0, 0.0
        start = time.perf_counter()
        for _ in range(steps):
            # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
            self.netD.zero_grad()
            real_cpu = self.real.to(self.device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype,
                               device=self.device)
            output = self.netD(real_cpu)
            errD_real = self.criterion(output, label)
            errD_real.backward()
            noise = torch.randn(batch_size, self.spec.z_dim, 1, 1, device=self.device)
            fake = self.netG(noise)
            label.fill_(fake_label)
            output = self.netD(fake.detach())
            errD_fake = self.criterion(output, label)
            errD_fake.backward()
            self.optimizerD.step()
            # (2) Update G: maximize log(D(G(z)))
            self.netG.zero_grad()
            label.fill_(real_label)
            output = self.netD(fake)
            errG = self.criterion(output, label)
            errG.backward()
            self.optimizerG.step()
        errG.item()
        return time.perf_counter() - start

    def sample(self, n):
        torch = self.torch
        start = time.perf_counter()
        self.netG.eval()
        chunks = []
        with torch.inference_mode():
            for first in range(0, n, 256):
                noise = torch.randn(min(256, n - first), self.spec.z_dim, 1, 1)
                images = self.netG(noise)
                chunks.append(((images + 1) * 127.5).round().clamp(0, 255)
                              .to(torch.uint8).permute(0, 2, 3, 1).numpy())
        self.netG.train()
        images = np.concatenate(chunks)
        assert images.shape[0] == n
        return time.perf_counter() - start

    def profile(self, steps):
        """Self CPU time per aten op over `steps` steps: [(op, ms per step)]."""
        self.train(1)
        with self.torch.profiler.profile() as prof:
            self.train(steps)
        totals = [(e.key, e.self_cpu_time_total / 1000 / steps)
                  for e in prof.key_averages()]
        return sorted(totals, key=lambda item: -item[1])

    def info(self):
        return {"threads": self.torch.get_num_threads()}


def _torch_padding(kernel):
    """(padding, output_padding) of stride-2 layers that halve / double the
    size: k=4 -> (1, 0) as in pytorch/examples, k=5 -> (2, 1)."""
    padding = (kernel - 1) // 2
    return padding, 2 - kernel + 2 * padding


def _torch_output_padding(kernel, size, target):
    """output_padding that takes a stride-2 transposed convolution from `size`
    to `target` (2*size, or 2*size - 1 where tfdcgan crops an odd size)."""
    padding, output_padding = _torch_padding(kernel)
    output_padding -= 2 * size - target
    if not 0 <= output_padding < 2:
        raise ValueError(f"kernel {kernel} cannot take {size} to {target} pixels")
    return output_padding


def _torch_generator(nn, spec):
    padding, _ = _torch_padding(spec.kernel)
    ch = spec.g_channels
    sizes = spec.sizes[::-1]
    layers = [nn.ConvTranspose2d(spec.z_dim, ch[0], spec.sizes[-1], 1, 0, bias=False),
              nn.BatchNorm2d(ch[0]), nn.ReLU(True)]
    for i in range(spec.num_layers):
        output_padding = _torch_output_padding(spec.kernel, sizes[i], sizes[i + 1])
        layers.append(nn.ConvTranspose2d(ch[i], ch[i + 1], spec.kernel, 2, padding,
                                         output_padding, bias=False))
        last = i == spec.num_layers - 1
        layers += [nn.Tanh()] if last else [nn.BatchNorm2d(ch[i + 1]), nn.ReLU(True)]
    return nn.Sequential(*layers)


def _torch_discriminator(nn, spec):
    padding, _ = _torch_padding(spec.kernel)
    ch = spec.d_channels
    layers = []
    for i in range(spec.num_layers):
        layers.append(nn.Conv2d(ch[i], ch[i + 1], spec.kernel, 2, padding, bias=False))
        if i > 0:
            layers.append(nn.BatchNorm2d(ch[i + 1]))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
    layers += [nn.Conv2d(ch[-1], 1, spec.sizes[-1], 1, 0, bias=False), nn.Sigmoid(),
               nn.Flatten(0)]
    return nn.Sequential(*layers)


class MatmulRunner:
    """float32 matrix products, TensorFlow's and (when installed) PyTorch's;
    built on first use, so the imports overlap the workers' start-up."""

    def __init__(self, size, libraries):
        self.size = size
        self.libraries = libraries
        self.runs = None

    def _build(self):
        size, libraries = self.size, self.libraries
        self.runs = {}
        if "tensorflow" in libraries:
            import tensorflow as tf
            a = tf.random.uniform((size, size))
            b = tf.random.uniform((size, size))
            fn = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
            self.runs["tensorflow"] = lambda: fn().numpy()
        if "torch" in libraries:
            import torch
            torch.set_num_threads(cores())
            ta = torch.rand(size, size)
            tb = torch.rand(size, size)
            self.runs["torch"] = lambda: torch.mm(ta, tb).sum().item()
        for run in self.runs.values():
            run()

    def gflops(self, repeats):
        """{library: (GFLOP/s, GFLOP per CPU-second)}, best of `repeats` products."""
        if self.runs is None:
            self._build()
        result = {}
        flop = 2 * self.size ** 3 / 1e9
        for name, run in self.runs.items():
            wall = cpu = float("inf")
            for _ in range(repeats):
                start, start_cpu = time.perf_counter(), _cpu_seconds()
                run()
                wall = min(wall, time.perf_counter() - start)
                cpu = min(cpu, _cpu_seconds() - start_cpu)
            result[name] = (flop / wall, flop / cpu)
        return result


def _worker(conn, kind, spec, options):
    """Builds implementation `kind` of model `spec` and answers (command,
    argument) requests with (result, CPU seconds) until "quit"."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        sys.path.insert(0, REPO)
        if kind == "tfdcgan":
            runner = TfdcganRunner(spec, options)
        elif kind in ("tfdcgan-xla", "tfdcgan-noxla"):
            options.jit_compile = "true" if kind == "tfdcgan-xla" else "false"
            runner = TfdcganRunner(spec, options)
        elif kind == "tfdcgan-kerasbn":
            import keras
            from tfdcgan import discriminator, generator
            generator.FusedBatchNormalization = keras.layers.BatchNormalization
            discriminator.FusedBatchNormalization = keras.layers.BatchNormalization
            runner = TfdcganRunner(spec, options)
        elif kind == "tfdcgan-spe":
            options.steps_per_execution = options.steps
            runner = TfdcganRunner(spec, options)
        elif kind == "tfdcgan-bf16":
            import keras
            keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
            runner = TfdcganRunner(spec, options)
        elif kind == "tfdcgan-ema":
            runner = TfdcganRunner(spec, options, ema_decay=0.999)
        elif kind == E2E:
            runner = TfdcganRunner(spec, options, data="celeba")
        elif kind == "keras":
            runner = KerasRunner(spec, options)
        elif kind in ("pytorch", "pytorch-cl"):
            runner = TorchRunner(spec, options, channels_last=kind == "pytorch-cl")
        else:
            raise ValueError(kind)
        conn.send(("ready", None))
        while True:
            command, arg = conn.recv()
            if command == "quit":
                info = runner.info() if hasattr(runner, "info") else {}
                info["peak_rss_mib"] = _peak_rss_mib()
                conn.send(("ok", info))
                return
            cpu = _cpu_seconds()
            if command == "warm_up":
                steps, images = arg
                value = (runner.train(steps), runner.sample(images))
            else:
                value = getattr(runner, command)(arg)
            conn.send(("ok", (value, _cpu_seconds() - cpu)))
    except Exception:  # reported to the parent, which prints it
        conn.send(("error", traceback.format_exc()))


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, context, kind, spec, options):
        self.kind = kind
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, kind, spec, options),
                                       daemon=True)
        self.process.start()
        self.error = None
        self.ready = False

    def wait_ready(self):
        if not self.ready:
            self.receive()
            self.ready = True

    def ask(self, command, arg=None):
        """Runs `command` in the worker: (result, CPU seconds), None if it failed."""
        self.send(command, arg)
        return self.receive()

    def send(self, command, arg=None):
        """Starts `command`; `receive()` collects the answer."""
        self.wait_ready()
        if not self.error:
            self.conn.send((command, arg))

    def receive(self):
        if self.error:
            return None
        status, value = self.conn.recv()
        if status == "error":
            self.error = value
            print(f"[{self.kind}] failed:\n{value}", file=sys.stderr, flush=True)
            return None
        return value

    def close(self):
        info = self.ask("quit") or {}
        self.process.join(timeout=30)
        return info


# ---------------------------------------------------------------------------
# The run.

def torch_available():
    """Whether torch is installed (not imported here, to keep the parent light;
    a worker that then fails to import it reports that and is left out)."""
    import importlib.util
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def run_model(spec, impls, matmul, options, context):
    workers = [Worker(context, kind, spec, options) for kind in impls]
    # Trace, compile and warm up every worker, all at once, before any timing.
    for worker in workers:
        worker.send("warm_up", (options.warmup, options.sample_images))
    for worker in workers:
        worker.receive()
    train = {w.kind: [] for w in workers}
    train_cpu = {w.kind: [] for w in workers}
    sample = {w.kind: [] for w in workers}
    peaks = []
    images = spec.batch_size * options.steps
    for repeat in range(options.repeats):
        order = workers[repeat % len(workers):] + workers[:repeat % len(workers)]
        for worker in order:
            answer = worker.ask("train", options.steps)
            if answer is not None:
                train[worker.kind].append(images / answer[0])
                train_cpu[worker.kind].append(1000 * answer[1] / images)
        for worker in order:
            if worker.kind == E2E:
                continue
            answer = worker.ask("sample", options.sample_images)
            if answer is not None:
                sample[worker.kind].append(options.sample_images / answer[0])
        peaks.append(matmul.gflops(3))
    profiles = {}
    if options.profile:
        for worker in workers:
            answer = worker.ask("profile", options.profile)
            if answer is not None:
                profiles[worker.kind] = answer[0]
    infos = {w.kind: w.close() for w in workers}
    rows = []
    for worker in workers:
        if not train[worker.kind]:
            continue
        rows.append({
            "model": spec.name, "impl": worker.kind, "info": infos[worker.kind],
            "train": train[worker.kind], "cpu_ms": train_cpu[worker.kind],
            "sample": sample[worker.kind], "profile": profiles.get(worker.kind),
        })
    return rows, peaks


def paired_ratio(mine, other, invert=False):
    """Median over repeats of mine[i] / other[i]: the two ran next to each
    other in the same round, so they saw about the same load."""
    ratios = [(b / a if invert else a / b) for a, b in zip(mine, other) if a and b]
    return statistics.median(ratios) if ratios else None


def format_table(rows, specs, peak):
    """The results as a Markdown table; ratios are paired medians (see
    `paired_ratio`), "CPU" ones compare CPU seconds per image instead."""
    by_key = {(r["model"], r["impl"]): r for r in rows}
    header = ("| model | implementation | train img/s | best | vs PyTorch | vs plain Keras "
              "| CPU ms/img | % of fp32 peak | sample img/s | sample vs PyTorch "
              "| peak RSS MiB | notes |")
    lines = [header, "|" + "---|" * 12]

    def cell(mine, other, key):
        if other is None or other is mine:
            return "-"
        wall = paired_ratio(mine[key], other[key])
        if key != "train" or wall is None:
            return "-" if wall is None else f"{wall:.2f}x"
        cpu = paired_ratio(mine["cpu_ms"], other["cpu_ms"], invert=True)
        return f"{wall:.2f}x (CPU {cpu:.2f}x)"

    for r in rows:
        spec = specs[r["model"]]
        ours = r["impl"].startswith("tfdcgan") and r["impl"] != E2E
        torch_row = by_key.get((r["model"], "pytorch")) if ours else None
        keras_row = by_key.get((r["model"], "keras")) if ours else None
        best = max(r["train"])
        fraction = "-"
        if peak and r["impl"] != "tfdcgan-bf16":  # a float32 peak says nothing of bf16
            # Best round against the best product, and CPU-second against
            # CPU-second (which the load hardly changes).
            flop = spec.train_flops_per_image() / 1e9
            per_cpu_second = flop / (statistics.median(r["cpu_ms"]) / 1000)
            fraction = (f"{100 * best * flop / peak[0]:.0f}% "
                        f"(CPU {100 * per_cpu_second / peak[1]:.0f}%)")
        notes = []
        info = r["info"]
        if "jit_compile" in info:
            notes.append(f"XLA {'on' if info['jit_compile'] else 'off'}")
        if "traces" in info:
            notes.append(f"{info['traces']} trace(s)")
        if "threads" in info:
            notes.append(f"{info['threads']} threads")
        if r["impl"] == "pytorch-cl":
            notes.append("channels_last")
        # Variants against the implementation they vary.
        base = by_key.get((r["model"], r["impl"].split("-")[0].split("+")[0]))
        if base is not None and base is not r:
            notes.append(f"train {cell(r, base, 'train')} of {base['impl']}"
                         + (" (synthetic input)" if r["impl"] == E2E else ""))
        sample = (f"{statistics.median(r['sample']):.0f}"
                  if r["sample"] and r["impl"] != E2E else "-")
        lines.append(
            f"| {r['model']} | {r['impl']} | {statistics.median(r['train']):.1f} "
            f"| {best:.1f} | {cell(r, torch_row, 'train')} | {cell(r, keras_row, 'train')} "
            f"| {statistics.median(r['cpu_ms']):.3g} | {fraction} | {sample} "
            f"| {cell(r, torch_row, 'sample')} | {info.get('peak_rss_mib', 0):.0f} "
            f"| {', '.join(notes)} |")
    return "\n".join(lines)


def format_profile(row, top=15):
    """The op types that take a training step's time, as a Markdown table."""
    total = sum(ms for _, ms in row["profile"])
    lines = [f"Profile of {row['model']} / {row['impl']}: self time per step by op "
             f"type ({total:.0f} ms of op time per step, summed over threads)",
             "", "| op | ms/step | share |", "|---|---|---|"]
    for name, ms in row["profile"][:top]:
        lines.append(f"| {name} | {ms:.1f} | {100 * ms / total:.1f}% |")
    rest = sum(ms for _, ms in row["profile"][top:])
    lines.append(f"| (everything else) | {rest:.1f} | {100 * rest / total:.1f}% |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated, from {', '.join(MODELS)}")
    parser.add_argument("--impls", default=",".join(IMPLS) + "," + E2E,
                        help=f"comma-separated, from {', '.join(IMPLS + (E2E,))}; "
                             "pytorch is skipped when torch is not importable, "
                             f"{E2E} for 64x64x3 models when the data is absent")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps per timed repeat (default: per model)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed rounds (default 7; 1 with --tiny)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--sample-images", type=int, default=512,
                        help="images generated per timed sampling round")
    parser.add_argument("--matmul-size", type=int, default=4096)
    parser.add_argument("--jit-compile", choices=("default", "true", "false"),
                        default="default", help="tfdcgan's compile(jit_compile=)")
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--celeba-dir", default=DEFAULT_CELEBA)
    parser.add_argument("--profile", type=int, default=0, metavar="STEPS",
                        help="after timing, profile STEPS steps of each implementation "
                             "and print the op types that take the time")
    parser.add_argument("--tiny", action="store_true",
                        help="tiny networks (gf_dim = df_dim = 8, 16x16 for the 64x64 "
                             "models, batch 4), one short repeat: checks that it runs")
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(argv)
    models = [m for m in options.models.split(",") if m]
    impls = [i for i in options.impls.split(",") if i]
    for name in models:
        if name not in MODELS:
            raise SystemExit(f"unknown model {name!r}; expected one of {list(MODELS)}")
    for name in impls:
        if name not in IMPLS + (E2E,) + VARIANTS:
            raise SystemExit(f"unknown implementation {name!r}")
    if options.repeats is None:
        options.repeats = 1 if options.tiny else 7
    if options.tiny:
        options.batch_size = 4
        options.warmup = 1
        options.sample_images = 8
        options.matmul_size = 128
        options.steps = options.steps or 1
    has_torch = torch_available()
    if not has_torch and any(i.startswith("pytorch") for i in impls):
        print("torch is not importable: skipping the PyTorch reference.", flush=True)
        impls = [i for i in impls if not i.startswith("pytorch")]
    has_celeba = os.path.isdir(options.celeba_dir)
    if E2E in impls and not has_celeba:
        print(f"no CelebA photos at {options.celeba_dir}: skipping {E2E}.", flush=True)
        impls.remove(E2E)

    context = multiprocessing.get_context("spawn")
    specs = {}
    for name in models:
        height, c_dim, kernel = MODELS[name]
        width = 8 if options.tiny else 64
        if options.tiny and height == 64:
            height = 16
        specs[name] = Spec(name, height, c_dim, kernel, gf_dim=width, df_dim=width,
                           batch_size=options.batch_size)

    libraries = ["tensorflow"] + (["torch"] if has_torch else [])
    # Timed here in the parent, between rounds, while the workers wait.
    matmul = MatmulRunner(options.matmul_size, libraries)
    started = time.time()
    load_before = os.getloadavg()
    rows, peaks = [], []
    for name in models:
        spec = specs[name]
        model_impls = [i for i in impls if i != E2E or spec.c_dim == 3]
        if options.steps is None:
            # About 150 GFLOP per repeat (one step of the 64x64 models): short
            # repeats keep the implementations' rounds close together in time.
            steps = max(1, round(150e9 / (spec.train_flops_per_image() * spec.batch_size)))
        else:
            steps = options.steps
        options_for_model = argparse.Namespace(**vars(options))
        options_for_model.steps = steps
        print(f"{name}: {len(model_impls)} implementation(s), {steps} step(s) x "
              f"{options.repeats} repeat(s) of batch {spec.batch_size}...", flush=True)
        model_rows, model_peaks = run_model(spec, model_impls, matmul, options_for_model,
                                            context)
        rows += model_rows
        peaks += model_peaks
    # Contention only ever slows a product down: the best is the estimate.
    peak = {lib: (max(p[lib][0] for p in peaks if lib in p),
                  max(p[lib][1] for p in peaks if lib in p))
            for lib in libraries if any(lib in p for p in peaks)}
    best_peak = ((max(v[0] for v in peak.values()), max(v[1] for v in peak.values()))
                 if peak else None)

    print()
    print(f"# Training throughput ({datetime.date.today().isoformat()}, "
          f"{time.time() - started:.0f} s)")
    load_after = os.getloadavg()
    print(f"load average (1 min): {load_before[0]:.1f} at the start, "
          f"{load_after[0]:.1f} at the end")
    print(f"machine: {cpu_name()} ({platform.machine()}), {cores()} cores, no GPU used; "
          f"python {platform.python_version()}; tfdcgan {_tfdcgan_version()}; "
          + "; ".join(_versions(has_torch)))
    print("command: python " + " ".join([os.path.relpath(__file__, REPO)]
                                        + (sys.argv[1:] if argv is None else argv)))
    print("float32 peak (matmul %d^3, best of all repeats): %s" % (
        options.matmul_size,
        ", ".join(f"{lib} {g:.3g} GFLOP/s ({c:.3g} GFLOP per CPU-second)"
                  for lib, (g, c) in peak.items())))
    for name, spec in specs.items():
        print(f"{name}: {spec.height}x{spec.height}x{spec.c_dim}, kernel {spec.kernel}, "
              f"gf_dim=df_dim={spec.gf_dim}, batch {spec.batch_size}: "
              f"{spec.train_flops_per_image() / 1e9:.3f} GFLOP per image per update, "
              f"{spec.sample_flops_per_image() / 1e9:.3f} GFLOP per sample")
    print()
    print(format_table(rows, specs, best_peak))
    print()
    for r in rows:
        print(f"{r['model']} {r['impl']} train img/s per repeat: "
              + ", ".join(f"{v:.1f}" for v in r["train"]))
    for r in rows:
        if r.get("profile"):
            print()
            print(format_profile(r))
    return rows


def _tfdcgan_version():
    sys.path.insert(0, REPO)
    import tfdcgan
    return tfdcgan.__version__


def _versions(has_torch):
    import importlib.metadata
    names = ["tensorflow", "keras", "numpy"] + (["torch"] if has_torch else [])
    versions = []
    for name in names:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


if __name__ == "__main__":
    main()
