"""A generator and a discriminator trained adversarially with `fit()`.

`GAN` holds the training algorithm; `DCGAN` and `BasicGAN` only choose the
networks. One `train_step` is one discriminator update followed by `g_steps`
generator updates, each under its own `tf.GradientTape` and optimizer.
"""

import collections
import contextlib
import numbers

import numpy as np
import tensorflow as tf
import keras

from tfdcgan import losses, rules
from tfdcgan.allocator import MallocThresholds
from tfdcgan.gan_optimizers import GANOptimizers
from tfdcgan.rules import Z_DISTRIBUTIONS  # noqa: F401  (importable from here too)

# train_step's one log under MultiWorkerMirroredStrategy: every metric's value.
_PACKED_LOGS = "packed_logs"
_LossForUpdate = collections.namedtuple("_LossForUpdate", ["scaled", "local_mean"])


@contextlib.contextmanager
def dtype_policy_scope(policy):
    """Keras's global dtype policy is `policy` (a name such as
    "mixed_bfloat16", a `keras.DTypePolicy` or its serialized form; None
    leaves it as it is) inside the block, and what it was again after.

    The networks build their layers under the global policy, so a model's
    `dtype` reaches them only when they are built inside this scope: `DCGAN`
    and `BasicGAN` build them under their own `dtype` argument, which is also
    how a saved model comes back under the policy it was saved with.
    """
    previous = keras.config.dtype_policy()
    if policy is not None:
        keras.config.set_dtype_policy(keras.dtype_policies.get(policy))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


@keras.saving.register_keras_serializable(package="tfdcgan")
class GAN(keras.Model):
    """Adversarial training of `generator` against `discriminator`.

    The networks must expose `z_dim`, `y_dim` and `image_shape` attributes
    (as `tfdcgan.Generator` and `tfdcgan.Discriminator` do), take
    `(inputs, labels=None, training=None)` and be built.

    Args:
        generator: keras.Model mapping z `[batch, z_dim]` (and one-hot labels
            `[batch, y_dim]`) to images `[batch, H, W, C]` in [-1, 1].
        discriminator: keras.Model mapping images (and labels) to logits
            `[batch, 1]`, or `[batch, 2]` (`[fake, real]`) when its `head`
            attribute is "two_logit".
        z_dist: str, the noise distribution: "uniform_signed" (U(-1, 1), as
            carpedm20), "uniform_unsigned" (U(0, 1)) or "normal" (N(0, 1)).
        g_steps: int, generator updates per discriminator update (carpedm20
            uses 2).
        seed: int or None, seed of the noise drawn while training.
        ema_decay: float in [0, 1): sample from an exponential moving average
            of the generator's weights (Yazici et al. 2019,
            https://arxiv.org/abs/1806.04498), kept in `generator_ema`, a
            copy of `generator` re-created from its config. After each
            step's generator updates, every trainable weight of the copy
            moves to `decay * average + (1 - decay) * weight` with `decay =
            min(ema_decay, (1 + t) / (10 + t))` at step t (a warm-up, so
            early averages are not held by the initial weights), and the copy
            runs once in training mode on the step's noise, so its batch-norm
            statistics are its own. `generate()`, `gan(z)` and everything
            that samples use the copy; training never does (its weights are
            not trainable: no optimizer or gradient touches them, and
            `summary()` counts them as non-trainable). 0 (the default, as
            the paper): no average, sampling uses `generator`.

    Metrics (`fit()` logs and the progress bar): `d_loss` (= `d_loss_real` +
    `d_loss_fake`), `g_loss`, and `d_real` / `d_fake`, the mean of
    sigmoid(D(x)) and sigmoid(D(G(z))) (for two logits, the softmax's real
    column).
    """

    def __init__(self, generator, discriminator, z_dist="uniform_signed", g_steps=1,
                 seed=None, ema_decay=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("z_dist", z_dist), ("g_steps", g_steps), ("seed", seed),
                            ("ema_decay", ema_decay)):
            rules.check_model(name, value)
        self.generator = generator
        self.discriminator = discriminator
        self.z_dist = z_dist
        self.g_steps = g_steps
        self.seed = seed
        self.ema_decay = float(ema_decay)
        self.generator_ema = (copy_network(generator, name="generator_ema")
                              if self.ema_decay else None)
        if self.generator_ema is not None:
            # Its layers stay trainable, so that batch norm in training mode
            # moves their statistics; its variables are not.
            for variable in self.generator_ema.weights:
                variable.trainable = False
        self.z_dim = generator.z_dim
        self.y_dim = generator.y_dim
        self.image_shape = tuple(generator.image_shape)
        if tuple(discriminator.image_shape) != self.image_shape:
            raise ValueError(
                f"The discriminator expects images of shape "
                f"{tuple(discriminator.image_shape)} but the generator makes "
                f"{self.image_shape}.")
        # The training noise stream is (seed, counter) for stateless ops; as a
        # weight it is saved with the model and restored by checkpoints, so a
        # resumed run draws the noise it would have drawn.
        self.noise_seed = self.add_weight(
            name="noise_seed", shape=(2,), dtype="int64", trainable=False,
            initializer=keras.initializers.Constant(
                [np.random.randint(2**31 - 1) if seed is None else seed, 0]),
            aggregation="only_first_replica")
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("d_loss", "d_loss_real", "d_loss_fake", "g_loss",
                         "d_real", "d_fake")
        }
        self.d_optimizer = None
        self.g_optimizer = None
        self.loss = None
        self.label_smoothing = 0.0
        self._compiled_with = {}
        self._generate_fn = None
        self.built = True

    @property
    def d_head(self):
        """"one_logit" or "two_logit": what the discriminator ends in."""
        return getattr(self.discriminator, "head", losses.ONE_LOGIT)

    @property
    def sampling_generator(self):
        """The generator that samples: `generator_ema` with `ema_decay`,
        else `generator`."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, d_optimizer=None, g_optimizer=None, loss="non_saturating",
                label_smoothing=0.0, jit_compile="auto", steps_per_execution=1, **kwargs):
        """Sets the optimizers and the loss.

        Args:
            d_optimizer, g_optimizer: optimizer instances, names or configs;
                default `Adam(2e-4, beta_1=0.5)` each (the DCGAN paper's),
                named "d_optimizer" and "g_optimizer".
            loss: a name from `tfdcgan.losses.names(d_head)` ("non_saturating",
                "minimax", and for one logit "least_squares") or a
                `tfdcgan.losses.GANLoss`; the pair for the discriminator's
                head (one logit or two). To save a model compiled with a
                `GANLoss` of your own, register both its functions with
                `keras.saving.register_keras_serializable`.
            label_smoothing: one-sided label smoothing, in [0, 0.5): the
                discriminator's target for real images is `1 -
                label_smoothing` (Salimans et al. 2016; the PyTorch DCGAN
                scripts' `real_label = 0.9` is 0.1), fakes keep 0. 0 (the
                default, as the paper): hard labels. A `GANLoss` of your own
                must then take `real_label` (see `tfdcgan.losses`).
            jit_compile, steps_per_execution, **kwargs: passed to
                `keras.Model.compile` (`run_eagerly`, ...).

        `gan.optimizer`, what Keras and its callbacks see, is both optimizers
        (`tfdcgan.GANOptimizers`). Under the "mixed_float16" policy each
        optimizer is wrapped in a `keras.optimizers.LossScaleOptimizer`.
        """
        # Settings that cannot work are refused before anything changes.
        loss_fn = losses.get(loss, head=self.d_head)
        rules.check("label_smoothing", label_smoothing)
        losses.check_real_label(loss_fn, label_smoothing)
        super().compile(jit_compile=jit_compile, steps_per_execution=steps_per_execution,
                        **kwargs)
        self.d_optimizer = self._make_optimizer(d_optimizer, "d_optimizer")
        self.g_optimizer = self._make_optimizer(g_optimizer, "g_optimizer")
        self.optimizer = GANOptimizers(self)
        self.loss = loss
        self.loss_fn = loss_fn
        self.label_smoothing = float(label_smoothing)
        self._compiled_with = {"label_smoothing": self.label_smoothing,
                               "jit_compile": jit_compile,
                               "steps_per_execution": steps_per_execution}
        # Slots exist from the start, so a checkpoint restores them at once.
        self.optimizer.build()

    def _make_optimizer(self, optimizer, name):
        if optimizer is None:
            optimizer = keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5, name=name)
        else:
            optimizer = keras.optimizers.get(optimizer)
        uses_float16 = self.generator.dtype_policy.name == "mixed_float16"
        if uses_float16 and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    @property
    def step(self):
        """Training steps done (the discriminator optimizer's iterations,
        saved and restored with it); 0 before `compile()`."""
        if self.d_optimizer is None:
            return 0
        return int(self.d_optimizer.iterations.numpy())

    def get_compile_config(self):
        """The `compile()` arguments, for `.keras` files and `model.json`.

        Raises:
            ValueError: the loss is a `GANLoss` whose functions are not
                registered as Keras serializables (it could not be reloaded).
        """
        if self.d_optimizer is None:
            return None
        return {
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "loss": losses.serialize(self.loss, head=self.d_head),
            **self._compiled_with,
        }

    def compile_from_config(self, config):
        config = dict(config)
        self.compile(
            d_optimizer=keras.optimizers.deserialize(config.pop("d_optimizer")),
            g_optimizer=keras.optimizers.deserialize(config.pop("g_optimizer")),
            loss=losses.deserialize(config.pop("loss")), **config)

    # Noise and labels.

    def sample_z(self, n, seed=None):
        """Noise `[n, z_dim]` float32 from `z_dist`.

        With `seed=None` the model's own noise stream advances (what training
        uses); an int seed gives the same z every time, whatever the state.

        Raises:
            ValueError: `n` is not a whole number >= 0.
        """
        if not isinstance(n, tf.Tensor) and (
                isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0):
            raise ValueError(f"n={n!r}: the number of samples must be a whole number >= 0.")
        if seed is None:
            seed = self._next_seed()
        else:
            seed = tf.constant([seed, 0], tf.int64)
        return self._draw_z(n, seed)

    def _next_seed(self):
        seed = tf.identity(self.noise_seed.value)
        self.noise_seed.assign_add(tf.constant([0, 1], tf.int64))
        return seed

    def _draw_z(self, n, seed):
        shape = tf.stack([n, self.z_dim])
        if self.z_dist == "normal":
            return tf.random.stateless_normal(shape, seed)
        low = -1.0 if self.z_dist == "uniform_signed" else 0.0
        return tf.random.stateless_uniform(shape, seed, minval=low, maxval=1.0)

    def one_hot(self, labels):
        """Integer labels `[batch]` or one-hot `[batch, y_dim]` to one-hot float32."""
        labels = tf.convert_to_tensor(labels)
        if labels.shape.rank == 1 or (labels.shape.rank == 2 and labels.shape[-1] == 1):
            return tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), self.y_dim)
        return tf.cast(labels, tf.float32)

    # Training.

    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`, after checking that the data fits the model.

        For a `tf.data.Dataset`, a distributed dataset or arrays, a
        `tfdcgan.allocator.MallocThresholds` goes before the given
        callbacks (unless one is there): TensorFlow's distributed iterators
        leave glibc's malloc mapping every buffer above 128 KiB afresh each
        step (`tfdcgan.allocator`). Python generators and `PyDataset`s keep
        TensorFlow's setting, which guards their `from_generator` pipeline
        against a leak.

        Raises:
            ValueError: images of the wrong shape, channel count or type,
                labels missing when `y_dim` is set or given when it is not,
                validation data (a GAN has no held-out loss). Raised before
                any training step.
        """
        # (keras.Model.fit's positional order: batch_size, epochs, verbose,
        # callbacks, validation_split, validation_data, ...)
        split = kwargs.get("validation_split", args[4] if len(args) > 4 else 0.0)
        held_out = kwargs.get("validation_data", args[5] if len(args) > 5 else None)
        if split or held_out is not None:
            raise ValueError(
                "A GAN has no held-out loss to validate on; drop validation_data/"
                "validation_split and score samples instead "
                "(tfdcgan.callbacks.quality.SampleQuality during fit, tfdcgan.metrics after).")
        self.check_data(x, y)
        datasets = (tf.data.Dataset, tf.distribute.DistributedDataset)
        if isinstance(x, datasets):
            # A dataset shuffles itself; Keras would warn that it cannot.
            kwargs.setdefault("shuffle", False)
        callbacks = kwargs.get("callbacks")
        if (isinstance(x, datasets + (np.ndarray, tf.Tensor)) and len(args) < 4
                and not isinstance(callbacks, keras.callbacks.CallbackList)
                and not any(isinstance(c, MallocThresholds) for c in callbacks or ())):
            kwargs["callbacks"] = [MallocThresholds(), *(callbacks or ())]
        # (With `use_ema` optimizers the networks keep their live weights:
        # Keras's end-of-fit swap applies to a single optimizer only; call
        # `gan.optimizer.finalize_variable_values()` to swap in the averages.)
        return super().fit(x, y, *args, **kwargs)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Under a strategy Keras builds the model on a first batch, reduced
        # with `strategy.reduce(MEAN, axis=None)`, which fails on the
        # per-replica batches of MultiWorkerMirroredStrategy (Keras 3.15). A
        # GAN is built by `__init__` and `compile` (as Keras assumes without a
        # strategy, where it skips this too).
        if self._multi_worker():
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def check_data(self, x, y=None):
        """Raises ValueError when `x` (a `tf.data.Dataset`, an array, or an
        `(images, labels)` pair) does not match the model."""
        if isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if isinstance(spec, dict):
                return
            images, labels = spec if isinstance(spec, tuple) else (spec, None)
            self._check_images(images.shape, images.dtype,
                               None if labels is None else labels.shape)
        elif isinstance(x, (np.ndarray, tf.Tensor)):
            self._check_images(tuple(x.shape), x.dtype,
                               None if y is None else tuple(np.shape(y)))

    def _check_images(self, images_shape, images_dtype, labels_shape):
        images_shape = tuple(tf.TensorShape(images_shape).as_list())
        h, w, c = self.image_shape
        if len(images_shape) != 4 or any(
                g is not None and g != e for g, e in zip(images_shape[1:], self.image_shape)):
            raise ValueError(
                f"This model takes images of shape [batch, {h}, {w}, {c}] "
                f"(height, width, channels), but the data has shape "
                f"{list(images_shape)}.")
        if not tf.as_dtype(images_dtype).is_floating:
            raise ValueError(
                f"This model takes float images in [-1, 1] (the generator's tanh range), "
                f"but the data is {tf.as_dtype(images_dtype).name}: scale it first, e.g. "
                f"x / 127.5 - 1 for uint8 images (tfdcgan.data's datasets come scaled).")
        if self.y_dim and labels_shape is None:
            raise ValueError(
                f"This model is conditioned on labels (y_dim={self.y_dim}) but "
                f"the data has no labels; feed (images, labels) pairs.")
        if not self.y_dim and labels_shape is not None:
            raise ValueError(
                f"This model is unconditional (y_dim=None) but the data has "
                f"labels of shape {list(labels_shape)}; build the model with "
                f"y_dim to condition on them, or drop the labels.")

    def _unpack(self, data):
        data = keras.utils.unpack_x_y_sample_weight(data)
        images, labels = data[0], data[1]
        self._check_images(images.shape, images.dtype,
                           None if labels is None else labels.shape)
        images = tf.ensure_shape(images, (None,) + self.image_shape)
        if labels is not None:
            labels = self.one_hot(labels)
        return images, labels

    def _noise_for_replica(self, batch_size):
        # Different noise on every replica of a distributed step.
        seed = self._next_seed()
        replica = tf.distribute.get_replica_context()
        if replica is not None:
            replica_id = tf.cast(replica.replica_id_in_sync_group, tf.int64)
            seed += tf.stack([replica_id * 7919, tf.constant(0, tf.int64)])
        return self._draw_z(batch_size, seed)

    def train_step(self, data):
        images, labels = self._unpack(data)
        z = self._noise_for_replica(tf.shape(images)[0])

        # The generator's forward pass serves both updates: the D step sees its
        # output as a constant, the first G step backpropagates through it.
        with tf.GradientTape() as g_tape:
            fake = self.generator(z, labels, training=True)
            with g_tape.stop_recording():
                real_loss, fake_loss, real_logits, fake_logits = (
                    self.discriminator_step(images, fake, labels))
            g_loss = self._generator_loss(fake, labels)
        self._apply_generator_gradients(g_tape, g_loss)
        g_loss = g_loss.local_mean
        for _ in range(self.g_steps - 1):
            g_loss = self.generator_step(z, labels)
        if self.generator_ema is not None:
            self._update_average(z, labels)

        self.trackers["d_loss_real"].update_state(tf.reduce_mean(real_loss))
        self.trackers["d_loss_fake"].update_state(tf.reduce_mean(fake_loss))
        self.trackers["d_loss"].update_state(
            tf.reduce_mean(real_loss) + tf.reduce_mean(fake_loss))
        self.trackers["g_loss"].update_state(g_loss)
        self.trackers["d_real"].update_state(
            tf.reduce_mean(losses.real_probability(real_logits)))
        self.trackers["d_fake"].update_state(
            tf.reduce_mean(losses.real_probability(fake_logits)))
        logs = {m.name: m.result() for m in self.metrics}
        if self._multi_worker():
            # Keras reduces every multi-worker log on its own, with
            # `strategy.reduce(MEAN, axis=0)`: two all-reduces each, and an
            # axis that scalars lack (Keras 3.15). One row of them all is two
            # all-reduces a step in place of twelve; `make_train_function`
            # names the values again.
            return {_PACKED_LOGS: tf.reshape(tf.stack(list(logs.values())), [1, -1])}
        return logs

    def _multi_worker(self):
        return isinstance(self.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy)

    def make_train_function(self, force=False):
        """Keras's train function; under MultiWorkerMirroredStrategy, one
        that returns the logs `train_step` packed into one row by name."""
        if self.train_function is not None and not force:
            return self.train_function
        super().make_train_function(force=force)
        if self._multi_worker():
            packed, names = self.train_function, [m.name for m in self.metrics]

            def train_function(iterator):
                logs = packed(iterator)
                if _PACKED_LOGS not in logs:  # (a subclass's train_step of its own)
                    return logs
                return dict(zip(names, tf.unstack(logs[_PACKED_LOGS])))

            self.train_function = train_function
        return self.train_function

    def discriminator_step(self, images, fake, labels=None):
        """One update of the discriminator's variables, and only of them.

        Args:
            images: real images `[batch, H, W, C]` in [-1, 1].
            fake: generated images `[batch, H, W, C]`, treated as constants.
            labels: one-hot `[batch, y_dim]` for a conditional model.

        Returns:
            `(real_loss, fake_loss, real_logits, fake_logits)`, per example.
        """
        d_vars = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(images, labels, training=True)
            fake_logits = self.discriminator(tf.stop_gradient(fake), labels,
                                             training=True)
            real_loss, fake_loss = self.loss_fn.discriminator(
                real_logits, fake_logits, **self._real_label())
            d_loss = _global_mean(real_loss) + _global_mean(fake_loss)
            scaled = self.d_optimizer.scale_loss(d_loss)
        grads = tape.gradient(scaled, d_vars)
        self.d_optimizer.apply_gradients(zip(grads, d_vars))
        return real_loss, fake_loss, real_logits, fake_logits

    def _real_label(self):
        """The loss's `real_label` argument: none with hard labels, so a
        `GANLoss` of your own without it keeps working."""
        if self.label_smoothing:
            return {"real_label": 1.0 - self.label_smoothing}
        return {}

    def generator_step(self, z, labels=None):
        """One update of the generator's variables, and only of them.

        Args:
            z: noise `[batch, z_dim]`.
            labels: one-hot `[batch, y_dim]` for a conditional model.

        Returns:
            The generator loss, this replica's mean.
        """
        with tf.GradientTape() as tape:
            fake = self.generator(z, labels, training=True)
            g_loss = self._generator_loss(fake, labels)
        self._apply_generator_gradients(tape, g_loss)
        return g_loss.local_mean

    def _generator_loss(self, fake, labels):
        """The loss to differentiate: the global-batch mean, loss-scaled under
        mixed_float16 (so call it under the tape), with this replica's
        unscaled mean, for logging, as `.local_mean`."""
        per_example = self.loss_fn.generator(
            self.discriminator(fake, labels, training=True))
        scaled = self.g_optimizer.scale_loss(_global_mean(per_example))
        return _LossForUpdate(scaled, tf.reduce_mean(per_example))

    def _apply_generator_gradients(self, tape, loss):
        g_vars = self.generator.trainable_variables
        grads = tape.gradient(loss.scaled, g_vars)
        self.g_optimizer.apply_gradients(zip(grads, g_vars))

    def restart_average(self):
        """Sets `generator_ema` to the generator's weights, batch-norm
        statistics included (nothing without `ema_decay`): for weights loaded
        into `generator` from elsewhere, which the average should start from."""
        if self.generator_ema is not None:
            self.generator_ema.set_weights(self.generator.get_weights())

    def averaged_weights(self):
        """`[(average, weight)]`: each variable of `generator_ema` that
        averages a trainable variable of `generator`, with that variable
        (empty without `ema_decay`)."""
        if self.generator_ema is None:
            return []
        return [(average, weight) for average, weight
                in zip(self.generator_ema.weights, self.generator.weights) if weight.trainable]

    def _update_average(self, z, labels):
        # Under tf.distribute every replica holds the same generator weights
        # after the update, so each averages its own copy (the variables'
        # aggregation is "none": a replica-context assign stays local), as
        # its batch-norm statistics are kept.
        t = tf.cast(self.d_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for average, weight in self.averaged_weights():
            average.assign(decay * average + (1.0 - decay) * tf.cast(weight, average.dtype))
        self.generator_ema(z, labels, training=True)

    def call(self, inputs, training=None):
        """The sampling generator's images (`generator_ema` with
        `ema_decay`), float in [-1, 1], for `inputs`: z
        `[n, z_dim]`, or for a conditional model `{"z": z, "labels": labels}`
        or `(z, labels)` with one-hot labels. So `gan(z)` and
        `gan.predict(z)` sample as a Keras model does (`predict` splits a
        tuple into x and y: give it the dict); `generate()` also draws z and
        returns uint8."""
        if isinstance(inputs, dict):
            z, labels = inputs["z"], inputs.get("labels")
        elif isinstance(inputs, (tuple, list)):
            z, labels = inputs
        else:
            z, labels = inputs, None
        return self.sampling_generator(z, labels, training=training)

    def export(self, filepath, format="tf_saved_model", verbose=None,
               input_signature=None, **kwargs):
        """Keras's `Model.export` of `call`, the generator: float images in
        [-1, 1] for float32 z `[batch, z_dim]` (`{"z": z, "labels": one_hot}`
        for a conditional model), in any format Keras exports. The input
        signature is the model's own unless given. For uint8 images, as
        `generate()` returns them, and TensorFlow Lite: `tfdcgan.export`."""
        if input_signature is None:
            z = keras.InputSpec(shape=(None, self.z_dim), dtype="float32", name="z")
            input_signature = [z]
            if self.y_dim:
                labels = keras.InputSpec(shape=(None, self.y_dim), dtype="float32",
                                         name="labels")
                input_signature = [{"z": z, "labels": labels}]
        return super().export(filepath, format=format, verbose=verbose,
                              input_signature=input_signature, **kwargs)

    def test_step(self, data):
        raise NotImplementedError(
            "A GAN has no held-out loss to evaluate; use tfdcgan.metrics to "
            "score samples from generate().")

    # Sampling.

    def generate(self, n, seed=None, labels=None, batch_size=256):
        """Generates `n` images as uint8 `[n, H, W, C]` (inference-mode batch norm).

        Args:
            n: int, number of images.
            seed: int or None; an int gives the same images for the same weights.
            labels: for a conditional model, integer labels `[n]` or one-hot
                `[n, y_dim]`; None cycles through the classes 0, 1, ...
            batch_size: int, images per forward pass.
        """
        z = self.sample_z(n, seed)
        if self.y_dim:
            if labels is None:
                labels = np.arange(n) % self.y_dim
            labels = self.one_hot(labels)
            if labels.shape[0] != n:
                raise ValueError(f"Expected {n} labels, got {labels.shape[0]}.")
        elif labels is not None:
            raise ValueError("This model is unconditional (y_dim=None); labels "
                             "cannot be given.")
        if self._generate_fn is None:
            self._generate_fn = tf.function(self.images_uint8, reduce_retracing=True)
        chunks = []
        for start in range(0, n, batch_size):
            end = min(start + batch_size, n)
            chunk_labels = None if labels is None else labels[start:end]
            chunks.append(self._generate_fn(z[start:end], chunk_labels).numpy())
        if not chunks:
            return np.zeros((0,) + self.image_shape, np.uint8)
        return np.concatenate(chunks)

    def images_uint8(self, z, labels=None):
        """uint8 images `[n, H, W, C]` (a tensor) of the sampling generator
        for noise `z` `[n, z_dim]` and one-hot `labels` (inference-mode
        batch norm): what `generate()` and every sample grid show."""
        return to_uint8(self.sampling_generator(z, labels, training=False))

    # Config.

    def get_config(self):
        config = super().get_config()
        config.update({
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "z_dist": self.z_dist,
            "g_steps": self.g_steps,
            "seed": self.seed,
            "ema_decay": self.ema_decay,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        with dtype_policy_scope(config.get("dtype")):
            config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
            config["discriminator"] = keras.saving.deserialize_keras_object(
                config["discriminator"])
        return cls(**config)


def copy_network(network, **config):
    """A new network like `network`, re-created from its config (with
    `config`'s entries in place of its own, e.g. `name`, `dtype`) under its
    dtype policy or the `dtype` given, holding the same weights.

    Raises:
        ValueError: the network's `from_config` does not build it.
    """
    with dtype_policy_scope(config.get("dtype", network.dtype_policy)):
        copy = type(network).from_config(dict(network.get_config(), **config))
    if not copy.built:
        raise ValueError(f"{type(network).__name__}.from_config left the network unbuilt; "
                         f"a copy of it (ema_decay, export) needs one that builds itself.")
    copy.set_weights(network.get_weights())
    return copy


def to_uint8(images):
    """Images in [-1, 1] to uint8 in [0, 255]."""
    images = tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0)
    return tf.cast(tf.round((images + 1.0) * 127.5), tf.uint8)


def _global_mean(per_example_loss):
    # Mean over the global batch: under tf.distribute the replicas' gradients
    # are summed, so each replica divides by the global batch size.
    return tf.nn.compute_average_loss(per_example_loss)
