"""Class-coverage report: histogram, classes covered, KL from uniform."""

import json

import numpy as np
import pytest

from tfdcgan.metrics import coverage


def test_balanced_labels_cover_every_class_with_zero_kl():
    report = coverage.class_coverage(np.repeat(np.arange(10), 30))
    np.testing.assert_array_equal(report.counts, np.full(10, 30))
    np.testing.assert_allclose(report.histogram, np.full(10, 0.1))
    assert report.classes_covered == 10
    assert report.kl_from_uniform == pytest.approx(0.0, abs=1e-12)


def test_collapsed_to_one_class():
    report = coverage.class_coverage(np.full(100, 7))
    assert report.classes_covered == 1
    assert report.histogram[7] == 1.0
    assert report.kl_from_uniform == pytest.approx(np.log(10))


def test_threshold_and_kl_by_hand():
    # Four classes holding 90%, 8%, 2% and 0%: the 2% class counts as
    # covered at the default threshold, not at 5%.
    labels = np.array([0] * 90 + [1] * 8 + [2] * 2)
    histogram = np.array([0.9, 0.08, 0.02])
    expected_kl = np.sum(histogram * np.log(histogram * 4))
    report = coverage.class_coverage(labels, num_classes=4)
    assert report.classes_covered == 3
    assert report.kl_from_uniform == pytest.approx(expected_kl)
    strict = coverage.class_coverage(labels, num_classes=4, threshold=0.05)
    assert strict.classes_covered == 2


def test_probabilities_reduced_by_argmax():
    probs = np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6],
                      [0.0, 0.9, 0.1]])
    report = coverage.class_coverage(probs, num_classes=3)
    np.testing.assert_array_equal(report.counts, [1, 2, 1])


def test_as_dict_is_json_ready():
    report = coverage.class_coverage(np.array([0, 1, 1]), num_classes=2)
    loaded = json.loads(json.dumps(report.as_dict()))
    assert loaded["class_counts"] == [1, 2]
    assert loaded["classes_covered"] == 2


@pytest.mark.parametrize("predictions, message", [
    (np.array([], dtype=int), "empty"),
    (np.array([0, 10]), r"\[0, 10\)"),
    (np.array([-1, 2]), r"\[0, 10\)"),
    (np.array([0.5, 1.0]), "integer class labels"),
    (np.ones((4, 3)), "3 columns"),
    (np.full((2, 10), np.nan), "NaN"),
    (np.zeros((2, 2, 10)), "shape"),
])
def test_bad_predictions_raise(predictions, message):
    with pytest.raises(ValueError, match=message):
        coverage.class_coverage(predictions)
