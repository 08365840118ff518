import numpy as np
import pytest
import tensorflow as tf
import keras

import tfdcgan
import shared_data

TINY = dict(output_height=28, c_dim=1, z_dim=16, gf_dim=8, df_dim=8)


def tiny_gan(**kwargs):
    gan = tfdcgan.DCGAN(**{**TINY, "seed": 1, **kwargs})
    gan.compile()
    return gan


def random_images(n=16, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n,) + shape).astype("float32")


def snapshot(variables):
    return [v.numpy().copy() for v in variables]


def changed(before, variables):
    return [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]


def test_discriminator_step_leaves_the_generator_unchanged():
    gan = tiny_gan()
    g_before = snapshot(gan.generator.variables)
    d_before = snapshot(gan.discriminator.trainable_variables)
    fake = gan.generator(gan.sample_z(16), training=True)
    g_after_forward = snapshot(gan.generator.variables)
    gan.discriminator_step(tf.constant(random_images()), fake)
    assert not any(changed(g_after_forward, gan.generator.variables))
    assert all(changed(d_before, gan.discriminator.trainable_variables))
    assert gan.g_optimizer.iterations.numpy() == 0
    # Only the generator's batch-norm statistics moved, in its forward pass.
    moved = changed(g_before, gan.generator.variables)
    names = [v.path for v, m in zip(gan.generator.variables, moved) if m]
    assert names and all("moving" in name for name in names)


def test_generator_step_leaves_the_discriminator_unchanged():
    gan = tiny_gan()
    d_before = snapshot(gan.discriminator.trainable_variables)
    g_before = snapshot(gan.generator.trainable_variables)
    gan.generator_step(gan.sample_z(16))
    assert not any(changed(d_before, gan.discriminator.trainable_variables))
    assert all(changed(g_before, gan.generator.trainable_variables))
    assert gan.d_optimizer.iterations.numpy() == 0


@pytest.mark.parametrize("frozen", ["d", "g"])
def test_each_optimizer_moves_only_its_own_network_in_train_step(frozen):
    # With one network's learning rate at 0, a whole train_step must leave that
    # network's trainable weights exactly as they were.
    gan = tfdcgan.DCGAN(**TINY, seed=1)
    zero, adam = keras.optimizers.Adam(0.0, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
    gan.compile(d_optimizer=zero if frozen == "d" else adam,
                g_optimizer=zero if frozen == "g" else adam.from_config(adam.get_config()))
    still = gan.discriminator if frozen == "d" else gan.generator
    moves = gan.generator if frozen == "d" else gan.discriminator
    still_before = snapshot(still.trainable_variables)
    moves_before = snapshot(moves.trainable_variables)
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=0)
    assert not any(changed(still_before, still.trainable_variables))
    assert all(changed(moves_before, moves.trainable_variables))


def test_fit_on_real_mnist_lowers_the_discriminator_loss_on_real_digits():
    images = shared_data.mnist_train_images(2048)
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, gf_dim=16, df_dim=16, seed=0)
    gan.compile()
    probe = tf.constant(images[:256])

    def real_loss():
        logits = gan.discriminator(probe, training=True)
        return float(tf.reduce_mean(gan.loss_fn.discriminator(logits, logits)[0]))

    before = real_loss()
    dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(2048, seed=0).batch(
        64, drop_remainder=True)
    history = gan.fit(dataset, epochs=2, verbose=0).history
    after = real_loss()
    assert after < before
    assert set(history) == {"d_loss", "d_loss_real", "d_loss_fake", "g_loss",
                            "d_real", "d_fake"}
    assert all(np.isfinite(v).all() for v in history.values())
    assert 0.0 <= min(history["d_real"]) and max(history["d_real"]) <= 1.0


def test_generate_returns_uint8_images_reproducibly():
    gan = tiny_gan()
    images = gan.generate(5, seed=7)
    assert images.dtype == np.uint8 and images.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(images, gan.generate(5, seed=7))
    assert not np.array_equal(images, gan.generate(5, seed=8))
    assert gan.generate(300, batch_size=128).shape == (300, 28, 28, 1)


def test_a_negative_or_fractional_sample_count_is_a_value_error_naming_it():
    gan = tiny_gan()
    for n in (-1, 2.5, "3"):
        with pytest.raises(ValueError, match=f"n={n!r}: the number of samples"):
            gan.generate(n)
    assert gan.sample_z(np.int64(2), seed=0).shape == (2, 16)


def test_sample_z_follows_the_distribution_and_the_seed():
    for dist, low, high in [("uniform_signed", -1, 1), ("uniform_unsigned", 0, 1)]:
        z = tiny_gan(z_dist=dist).sample_z(2000).numpy()
        assert z.shape == (2000, 16) and low <= z.min() and z.max() <= high
    z = tiny_gan(z_dist="normal").sample_z(4000).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    gan = tiny_gan()
    np.testing.assert_array_equal(gan.sample_z(4, seed=3), gan.sample_z(4, seed=3))
    assert not np.array_equal(gan.sample_z(4), gan.sample_z(4))


def test_conditional_model_trains_on_labels_and_generates_per_label():
    gan = tiny_gan(y_dim=10)
    labels = np.arange(32) % 10
    history = gan.fit(random_images(32), labels, batch_size=16, verbose=0).history
    assert np.isfinite(history["g_loss"]).all()
    a = gan.generate(3, seed=0, labels=[1, 1, 1])
    b = gan.generate(3, seed=0, labels=tf.one_hot([2, 2, 2], 10))
    assert a.shape == (3, 28, 28, 1) and not np.array_equal(a, b)


@pytest.mark.parametrize("loss", ["non_saturating", "minimax", "least_squares"])
def test_every_loss_trains_with_g_steps(loss):
    gan = tfdcgan.DCGAN(**TINY, g_steps=2, seed=0)
    gan.compile(loss=loss)
    history = gan.fit(random_images(32), batch_size=16, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert gan.g_optimizer.iterations.numpy() == 2 * gan.d_optimizer.iterations.numpy()


def test_save_and_load_reproduce_generate_and_optimizer_state(tmp_path):
    gan = tiny_gan(y_dim=10)
    gan.compile(loss="least_squares")
    gan.fit(random_images(32), np.arange(32) % 10, batch_size=16, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, tfdcgan.DCGAN)
    assert loaded.get_config() == gan.get_config()
    np.testing.assert_array_equal(loaded.generate(8, seed=3), gan.generate(8, seed=3))
    assert loaded.loss == "least_squares"
    assert loaded.d_optimizer.iterations.numpy() == gan.d_optimizer.iterations.numpy()
    np.testing.assert_array_equal(loaded.sample_z(4), gan.sample_z(4))
    # The loaded model keeps training.
    loaded.fit(random_images(32), np.arange(32) % 10, batch_size=16, verbose=0)


def test_wrong_image_shape_is_a_value_error_before_any_step():
    gan = tiny_gan()
    with pytest.raises(ValueError, match=r"\[batch, 28, 28, 1\].*\[None, 28, 28, 3\]"):
        gan.fit(tf.data.Dataset.from_tensor_slices(random_images(8, (28, 28, 3))).batch(4))
    with pytest.raises(ValueError, match=r"\[batch, 28, 28, 1\].*\[8, 32, 32, 1\]"):
        gan.fit(random_images(8, (32, 32, 1)), batch_size=4)
    assert gan.d_optimizer.iterations.numpy() == 0


def test_integer_images_are_a_value_error_saying_how_to_scale_them():
    gan = tiny_gan()
    uint8 = (random_images(8) * 127.5 + 127.5).astype(np.uint8)
    with pytest.raises(ValueError, match=r"float images in \[-1, 1\].*uint8.*x / 127.5 - 1"):
        gan.fit(uint8, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="uint8"):
        gan.fit(tf.data.Dataset.from_tensor_slices(uint8).batch(4), verbose=0)
    assert gan.d_optimizer.iterations.numpy() == 0


def test_validation_data_is_a_value_error_before_any_step():
    gan = tiny_gan()
    for kwargs in (dict(validation_data=random_images(4)), dict(validation_split=0.25)):
        with pytest.raises(ValueError, match="no held-out loss.*SampleQuality"):
            gan.fit(random_images(8), batch_size=4, verbose=0, **kwargs)
    assert gan.d_optimizer.iterations.numpy() == 0


def test_labels_missing_or_unexpected_is_a_value_error_before_any_step():
    conditional = tiny_gan(y_dim=10)
    with pytest.raises(ValueError, match="y_dim=10"):
        conditional.fit(random_images(8), batch_size=4, verbose=0)
    unconditional = tiny_gan()
    dataset = tf.data.Dataset.from_tensor_slices((random_images(8), np.arange(8))).batch(4)
    with pytest.raises(ValueError, match="unconditional"):
        unconditional.fit(dataset, verbose=0)
    assert conditional.d_optimizer.iterations.numpy() == 0
    assert unconditional.d_optimizer.iterations.numpy() == 0


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="output_height"):
        tfdcgan.DCGAN(output_height=0)
    with pytest.raises(ValueError, match="z_dist"):
        tfdcgan.DCGAN(**TINY, z_dist="cauchy")
    with pytest.raises(ValueError, match="g_steps"):
        tfdcgan.DCGAN(**TINY, g_steps=0)


def test_fit_with_tensorboard_callback_and_progress_bar(tmp_path, capsys):
    gan = tiny_gan()
    callback = keras.callbacks.TensorBoard(str(tmp_path / "logs"), update_freq="batch")
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=1, callbacks=[callback])
    events = list((tmp_path / "logs").rglob("events.out.tfevents.*"))
    assert events
    printed = capsys.readouterr().out
    assert "2/2" in printed and "d_loss" in printed and "g_loss" in printed


def test_tf_train_checkpoint_saves_and_restores_every_variable(tmp_path):
    gan = tiny_gan()
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=0)
    path = tf.train.Checkpoint(model=gan, d_optimizer=gan.d_optimizer,
                               g_optimizer=gan.g_optimizer).save(str(tmp_path / "ckpt"))
    fresh = tfdcgan.DCGAN(**{**TINY, "seed": 2})
    fresh.compile()
    tf.train.Checkpoint(model=fresh, d_optimizer=fresh.d_optimizer,
                        g_optimizer=fresh.g_optimizer).restore(path).assert_consumed()
    for a, b in zip(gan.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    np.testing.assert_array_equal(fresh.generate(4, seed=0), gan.generate(4, seed=0))
    for a, b in zip(gan.d_optimizer.variables, fresh.d_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_two_logit_discriminator_trains_saves_reloads_and_exports(tmp_path):
    gan = tiny_gan(d_head="two_logit")
    images = random_images(32)
    assert gan.discriminator(images[:3]).shape == (3, 2)
    d_before = snapshot(gan.discriminator.trainable_variables)
    history = gan.fit(images, batch_size=16, epochs=2, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert all(changed(d_before, gan.discriminator.trainable_variables))
    assert 0.0 < history["d_real"][-1] < 1.0 and 0.0 < history["d_fake"][-1] < 1.0

    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.d_head == "two_logit" and loaded.get_config() == gan.get_config()
    np.testing.assert_allclose(loaded.discriminator(images[:4], training=False),
                               gan.discriminator(images[:4], training=False), atol=1e-6)
    np.testing.assert_array_equal(loaded.generate(8, seed=3), gan.generate(8, seed=3))
    loaded.fit(images, batch_size=16, verbose=0)  # the reloaded two-logit losses train

    from tfdcgan import export
    serving = tf.saved_model.load(export.export_saved_model(gan, str(tmp_path / "sm")))
    z = gan.sample_z(4, seed=5)
    np.testing.assert_array_equal(
        serving.signatures["serving_default"](z=z)["images"].numpy(),
        gan.generate(4, seed=5))


def test_a_two_logit_discriminator_takes_only_losses_it_has_a_form_of():
    gan = tfdcgan.DCGAN(**TINY, d_head="two_logit")
    with pytest.raises(ValueError, match="least_squares"):
        gan.compile(loss="least_squares")
    with pytest.raises(ValueError, match="d_head"):
        tfdcgan.DCGAN(**TINY, d_head="three_logit")


# What Keras sees of the two optimizers, and what a save keeps of compile().

def test_model_optimizer_is_the_two_optimizers_not_an_idle_one(tmp_path):
    gan = tiny_gan()
    assert isinstance(gan.optimizer, tfdcgan.GANOptimizers)
    assert gan.optimizer.optimizers == [gan.d_optimizer, gan.g_optimizer]
    assert [o.name for o in gan.optimizer.optimizers] == ["d_optimizer", "g_optimizer"]
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(str(tmp_path / "logs"))])
    assert gan.optimizer.iterations.numpy() == gan.step == 2
    tags = set()
    for path in (tmp_path / "logs").rglob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            tags.update(value.tag for value in event.summary.value)
    assert {"epoch_learning_rate_d_optimizer", "epoch_learning_rate_g_optimizer"} <= tags
    assert "epoch_learning_rate" not in tags  # (no stray RMSprop's 0.001)


def test_summary_counts_both_networks_and_both_optimizers():
    gan = tiny_gan()
    gan.fit(random_images(8), batch_size=4, epochs=1, verbose=0)
    lines = []
    gan.summary(print_fn=lambda line, **_: lines.append(line))
    text = "\n".join(lines)
    slots = sum(int(np.prod(v.shape)) for o in gan.optimizer.optimizers for v in o.variables)
    assert f"Optimizer params: {slots:,}" in text
    assert "generator (Generator)" in text and "discriminator (Discriminator)" in text


def test_calling_the_model_samples_like_a_keras_model():
    gan = tiny_gan()
    z = gan.sample_z(5, seed=2).numpy()
    expected = gan.generator(z, training=False).numpy()
    np.testing.assert_array_equal(gan(z).numpy(), expected)
    np.testing.assert_allclose(gan.predict(z, batch_size=2, verbose=0), expected,
                               atol=1e-6)  # (other batch sizes round differently)
    conditional = tiny_gan(y_dim=10)
    labels = conditional.one_hot(np.arange(5))
    expected = conditional.generator(z, labels, training=False).numpy()
    np.testing.assert_array_equal(conditional((z, labels)).numpy(), expected)
    np.testing.assert_allclose(
        conditional.predict({"z": z, "labels": labels}, verbose=0), expected, atol=1e-6)
    with pytest.raises(ValueError, match="no labels were given"):
        conditional(z)


def test_learning_rate_callbacks_act_on_both_optimizers_keeping_their_ratio():
    gan = tfdcgan.DCGAN(**{**TINY, "seed": 1})
    gan.compile(d_optimizer=keras.optimizers.Adam(4e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2)
    gan.fit(random_images(32), batch_size=16, epochs=2, verbose=0, callbacks=[scheduler])
    np.testing.assert_allclose(float(gan.d_optimizer.learning_rate), 1e-4, rtol=1e-6)
    np.testing.assert_allclose(float(gan.g_optimizer.learning_rate), 2.5e-5, rtol=1e-6)
    plateau = keras.callbacks.ReduceLROnPlateau("d_loss", mode="max", factor=0.5, patience=0,
                                                min_delta=1e9)
    # (the first epoch sets the best; the second cannot beat it by min_delta)
    gan.fit(random_images(32), batch_size=16, epochs=2, verbose=0, callbacks=[plateau])
    np.testing.assert_allclose(float(gan.d_optimizer.learning_rate), 5e-5, rtol=1e-6)
    np.testing.assert_allclose(float(gan.g_optimizer.learning_rate), 1.25e-5, rtol=1e-6)


@keras.saving.register_keras_serializable(package="test_dcgan")
def hinge_discriminator_loss(real_logits, fake_logits):
    return (tf.nn.relu(1.0 - tf.reshape(real_logits, [-1])),
            tf.nn.relu(1.0 + tf.reshape(fake_logits, [-1])))


@keras.saving.register_keras_serializable(package="test_dcgan")
def hinge_generator_loss(fake_logits):
    return -tf.reshape(fake_logits, [-1])


def test_a_registered_custom_loss_and_compile_options_survive_save_and_load(tmp_path):
    hinge = tfdcgan.losses.GANLoss(hinge_discriminator_loss, hinge_generator_loss)
    gan = tfdcgan.DCGAN(**{**TINY, "seed": 1})
    gan.compile(loss=hinge, jit_compile=False, steps_per_execution=2)
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.loss_fn == hinge
    assert loaded.jit_compile is False and loaded.steps_per_execution == 2
    assert loaded.step == gan.step == 2


def test_an_unregistered_custom_loss_is_refused_at_save_naming_it(tmp_path):
    def my_d_loss(real_logits, fake_logits):
        return hinge_discriminator_loss(real_logits, fake_logits)

    gan = tfdcgan.DCGAN(**{**TINY, "seed": 1})
    gan.compile(loss=tfdcgan.losses.GANLoss(my_d_loss, hinge_generator_loss))
    with pytest.raises(ValueError, match="my_d_loss.*not registered"):
        gan.save(tmp_path / "gan.keras")


def test_label_smoothing_sets_the_real_target_and_survives_save_and_load(tmp_path):
    hard, smooth = tiny_gan(), tfdcgan.DCGAN(**{**TINY, "seed": 1})
    smooth.compile(label_smoothing=0.1)
    images = tf.constant(random_images())
    fake = hard.generator(hard.sample_z(16, seed=3), training=True)
    results = {}
    for name, gan in (("hard", hard), ("smooth", smooth)):
        real_loss, fake_loss, real_logits, fake_logits = gan.discriminator_step(images, fake)
        results[name] = (real_loss.numpy(), fake_loss.numpy())
        expected = tfdcgan.losses.non_saturating_discriminator_loss(
            real_logits, fake_logits, real_label=0.9 if name == "smooth" else 1.0)
        np.testing.assert_allclose(real_loss, expected[0], rtol=1e-6)
        np.testing.assert_allclose(fake_loss, expected[1], rtol=1e-6)
    # Same weights, same batch: only the real term differs.
    np.testing.assert_allclose(results["smooth"][1], results["hard"][1], rtol=1e-6)
    assert not np.allclose(results["smooth"][0], results["hard"][0])
    assert any(not np.allclose(a, b) for a, b in zip(
        snapshot(hard.discriminator.trainable_variables),
        snapshot(smooth.discriminator.trainable_variables)))

    smooth.save(tmp_path / "gan.keras")
    assert keras.models.load_model(tmp_path / "gan.keras").label_smoothing == 0.1
    assert hard.label_smoothing == 0.0


def test_label_smoothing_out_of_range_is_refused_naming_it():
    gan = tiny_gan()
    optimizer = gan.d_optimizer
    for value in (0.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"label_smoothing=.*must be a number in \[0, 0.5\)"):
            gan.compile(label_smoothing=value)
    # Refused before anything changed: the model is compiled as it was.
    assert gan.d_optimizer is optimizer and gan.label_smoothing == 0.0


# Sampling from an exponential moving average of the generator's weights.

def test_ema_decay_averages_the_generator_s_weights_after_each_step():
    gan = tiny_gan(ema_decay=0.999)
    averages = [average for average, _ in gan.averaged_weights()]
    assert [weight for _, weight in gan.averaged_weights()] == gan.generator.trainable_variables
    # No optimizer or gradient reaches the average: summary() counts it as
    # non-trainable, and the model's trainable weights are G's and D's.
    assert gan.generator_ema.trainable_variables == []
    assert len(gan.trainable_variables) == (len(gan.generator.trainable_variables)
                                            + len(gan.discriminator.trainable_variables))
    init = snapshot(gan.generator.trainable_variables)
    np.testing.assert_equal(snapshot(averages), init)
    d_before = snapshot(gan.discriminator.variables)
    gan.fit(random_images(16), batch_size=16, epochs=1, verbose=0)
    # Step t = 1 averages with the warm-up decay (1 + t) / (10 + t), not 0.999.
    decay = 2 / 11
    for average, start, weight in zip(averages, init, gan.generator.trainable_variables):
        np.testing.assert_allclose(average.numpy(), decay * start + (1 - decay) * weight.numpy(),
                                   rtol=1e-5, atol=1e-7)
    second = snapshot(averages)
    gan.fit(random_images(16, seed=1), batch_size=16, epochs=1, verbose=0)
    decay = 3 / 12
    for average, start, weight in zip(averages, second, gan.generator.trainable_variables):
        np.testing.assert_allclose(average.numpy(), decay * start + (1 - decay) * weight.numpy(),
                                   rtol=1e-5, atol=1e-7)
    # Its batch-norm statistics are its own (it ran on the step's noise), and
    # the discriminator trained as it would have without the average.
    stats = [v for v in gan.generator_ema.non_trainable_variables if "moving_mean" in v.path]
    assert stats and all(np.abs(v.numpy()).max() > 0 for v in stats)
    plain = tiny_gan()
    plain.fit(random_images(16), batch_size=16, epochs=1, verbose=0)
    plain.fit(random_images(16, seed=1), batch_size=16, epochs=1, verbose=0)
    assert any(changed(d_before, gan.discriminator.variables))
    for ours, theirs in zip(gan.discriminator.variables, plain.discriminator.variables):
        # Another compiled graph: the same up to float rounding (oneDNN's
        # threaded sums; seen up to 2e-6 on weights of ~0.02), where an
        # average that reached D's training would move it by Adam's step,
        # ~2e-4 a step.
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-5)


def test_ema_decay_samples_from_the_average_in_every_sampling_path():
    gan = tiny_gan(ema_decay=0.9)
    gan.fit(random_images(32), batch_size=8, epochs=1, verbose=0)
    assert gan.sampling_generator is gan.generator_ema
    z = gan.sample_z(6, seed=2)
    averaged = gan.generator_ema(z, training=False)
    own = gan.generator(z, training=False)
    assert not np.allclose(averaged.numpy(), own.numpy())
    np.testing.assert_array_equal(gan(z).numpy(), averaged.numpy())
    np.testing.assert_array_equal(gan.generate(6, seed=2),
                                  tfdcgan.gan.to_uint8(averaged).numpy())
    np.testing.assert_array_equal(tfdcgan.visualize.generate_from_z(gan, z),
                                  gan.generate(6, seed=2))
    # Without an average, the generator samples.
    plain = tiny_gan()
    assert plain.generator_ema is None and plain.sampling_generator is plain.generator


def test_ema_decay_survives_save_and_load(tmp_path):
    gan = tiny_gan(ema_decay=0.99, y_dim=10)
    gan.fit(random_images(32), np.arange(32) % 10, batch_size=16, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.ema_decay == 0.99 and loaded.get_config() == gan.get_config()
    np.testing.assert_array_equal(loaded.generate(8, seed=3), gan.generate(8, seed=3))
    np.testing.assert_equal(snapshot(loaded.generator_ema.variables),
                            snapshot(gan.generator_ema.variables))
    # Both keep training alike, averages included.
    for model in (gan, loaded):
        model.fit(random_images(16, seed=5), np.arange(16) % 10, batch_size=16, verbose=0,
                  shuffle=False)
    for ours, theirs in zip(loaded.generator_ema.variables, gan.generator_ema.variables):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("value", [1.0, -0.1, float("nan"), None, "0.9"])
def test_ema_decay_out_of_range_is_refused_naming_it(value):
    with pytest.raises(ValueError, match=r"ema_decay=.*must be a number in \[0, 1\)"):
        tiny_gan(ema_decay=value)
