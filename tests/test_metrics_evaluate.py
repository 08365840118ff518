"""`evaluate`, `Reference` and the extractor registry, with toy extractors
(no datasets or trained networks needed)."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfdcgan import metrics


class _PixelStats(metrics.FeatureExtractor):
    """Toy extractor: 16 block means of an 8x8 grayscale version; classes
    by overall brightness (quartiles of [-1, 1])."""

    name = "pixel_stats"

    def __init__(self, batch_size=7):
        super().__init__(image_size=(8, 8), channels=1, feature_dim=16,
                         batch_size=batch_size)
        self.batches_seen = 0

    def _forward(self, batch):
        self.batches_seen += 1
        blocks = tf.nn.avg_pool2d(batch, 2, 2, "VALID")  # [b, 4, 4, 1]
        features = tf.reshape(blocks, (-1, 16))
        brightness = tf.reduce_mean(features, axis=1)
        classes = tf.clip_by_value(
            tf.cast(tf.floor((brightness + 1) * 2), tf.int32), 0, 3)
        return {"features": features, "probs": tf.one_hot(classes, 4)}


metrics.register_extractor("pixel_stats")(lambda **kw: _PixelStats(**kw))


def _images(seed, n=200, offset=0.0, size=16, channels=1):
    rng = np.random.default_rng(seed)
    # Smooth random images: low-resolution noise upsampled, in [-1, 1].
    low = rng.normal(offset, 0.4, (n, 4, 4, channels)).astype(np.float32)
    return tf.clip_by_value(tf.image.resize(low, (size, size)), -1,
                            1).numpy()


def test_registry_lists_builtin_and_plugged_extractors():
    names = metrics.available_extractors()
    assert {"inception", "mnist_classifier", "pixel_stats"} <= set(names)
    assert isinstance(metrics.get_extractor("pixel_stats"), _PixelStats)
    with pytest.raises(ValueError, match="unknown feature extractor"):
        metrics.get_extractor("no_such_net")
    instance = _PixelStats()
    assert metrics.get_extractor(instance) is instance
    with pytest.raises(ValueError, match="keyword arguments"):
        metrics.get_extractor(instance, batch_size=3)


def test_extractor_batches_and_concatenates():
    extractor = _PixelStats(batch_size=7)
    images = _images(0, n=20)
    features = extractor(images)
    assert features.shape == (20, 16) and features.dtype == np.float64
    assert extractor.batches_seen == 3  # 7 + 7 + 6
    np.testing.assert_allclose(extractor(images[5:6]), features[5:6],
                               atol=1e-6)


def test_evaluate_ranks_matching_sets_above_shifted_ones():
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    kwargs = dict(kid_subsets=10, kid_subset_size=100)
    same = metrics.evaluate(_images(1), reference, **kwargs)
    shifted = metrics.evaluate(_images(2, offset=0.5), reference, **kwargs)
    assert same.fid < 0.2 * shifted.fid
    assert abs(same.kid) < 0.1 * shifted.kid
    assert shifted.kid > 4 * shifted.kid_std_error
    assert (same.num_generated, same.num_reference) == (200, 200)
    assert same.extractor == "pixel_stats"
    # FID and KID agree with the functions on the features themselves.
    generated = reference.extractor(_images(2, offset=0.5))
    assert shifted.fid == pytest.approx(
        metrics.frechet_distance(generated, reference.features), rel=1e-9)
    assert (shifted.kid, shifted.kid_std_error) == pytest.approx(
        metrics.kernel_distance(generated, reference.features,
                                num_subsets=10, subset_size=100))


def test_reference_moments_are_computed_once():
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    assert reference.moments is reference.moments
    mean, cov = reference.moments
    assert mean.shape == (16,) and cov.shape == (16, 16)


def test_uint8_and_float_inputs_give_the_same_result():
    floats = _images(3)
    as_uint8 = np.round((floats + 1) * 127.5).astype(np.uint8)
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    from_float = metrics.evaluate(floats, reference, kid_subsets=5)
    from_uint8 = metrics.evaluate(as_uint8, reference, kid_subsets=5)
    assert from_uint8.fid == pytest.approx(from_float.fid, rel=0.02)


def test_coverage_reported_for_classifier_like_extractors():
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    # Mode collapse onto dark images (not flat ones, which are an error).
    noise = np.random.default_rng(0).uniform(-0.01, 0.01, (50, 16, 16, 1))
    dark = (np.full((50, 16, 16, 1), -0.9) + noise).astype(np.float32)
    result = metrics.evaluate(dark, reference, kid_subsets=5)
    assert result.coverage.classes_covered == 1
    assert result.coverage.counts[0] == 50
    logged = json.loads(json.dumps(result.as_dict()))
    assert logged["classes_covered"] == 1 and logged["fid"] > 0


def test_image_reference_needs_an_extractor_and_reference_keeps_its_own():
    images = _images(0)
    with pytest.raises(ValueError, match="extractor is needed"):
        metrics.evaluate(images, images)
    direct = metrics.evaluate(_images(1), images, extractor="pixel_stats",
                              kid_subsets=5)
    reference = metrics.Reference.from_images(images, "pixel_stats")
    assert direct.fid == pytest.approx(
        metrics.evaluate(_images(1), reference, kid_subsets=5).fid)
    metrics.evaluate(_images(1), reference, extractor="pixel_stats",
                     kid_subsets=5)
    with pytest.raises(ValueError, match="do not pass another"):
        metrics.evaluate(_images(1), reference, extractor=_PixelStats())


def test_shape_mismatch_is_an_error_unless_allowed():
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    bigger_rgb = _images(1, size=32, channels=3)
    with pytest.raises(ValueError, match=r"\(32, 32, 3\).*\(16, 16, 1\)"):
        metrics.evaluate(bigger_rgb, reference)
    result = metrics.evaluate(bigger_rgb, reference, kid_subsets=5,
                              allow_shape_mismatch=True)
    assert np.isfinite(result.fid)


def test_nan_generated_images_raise_instead_of_a_number():
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    broken = _images(1)
    broken[4] = np.nan
    with pytest.raises(ValueError, match="NaN or inf in 1 of 200 images"):
        metrics.evaluate(broken, reference)


def test_nan_features_from_an_extractor_raise():
    class _Broken(_PixelStats):
        def _forward(self, batch):
            outputs = super()._forward(batch)
            return {"features": outputs["features"] * np.nan}

    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    with pytest.raises(ValueError, match="NaN or inf"):
        metrics.Reference.from_images(_images(0), _Broken())
    with pytest.raises(ValueError, match="NaN or inf"):
        metrics.frechet_distance(_Broken()(_images(1)), reference.features)


def test_few_samples_warn_that_fid_is_biased():
    reference = metrics.Reference.from_images(_images(0), "pixel_stats")
    with pytest.warns(UserWarning, match="biased"):
        metrics.evaluate(_images(1, n=10), reference, kid_subsets=5)
