"""FID and KID against closed forms, symmetry, stability and bad input."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tfdcgan.metrics import distances


def _random_covariance(rng, d, scale=1.0):
    a = rng.normal(size=(d, d))
    return scale * a @ a.T / d + 1e-3 * np.eye(d)


def _rotation(angle):
    return np.array([[np.cos(angle), -np.sin(angle)],
                     [np.sin(angle), np.cos(angle)]])


# --- FID -----------------------------------------------------------------


def test_fid_closed_form_diagonal_covariances():
    # Commuting covariances: tr sqrt(AB) = sum sqrt(a_i b_i), so
    # FID = |dmu|^2 + sum (sqrt(a_i) - sqrt(b_i))^2.
    a = np.array([4.0, 1.0, 0.25, 9.0])
    b = np.array([1.0, 1.0, 1.0, 0.0])
    mean_a = np.array([1.0, 0.0, -1.0, 2.0])
    mean_b = np.zeros(4)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum(
        (np.sqrt(a) - np.sqrt(b)) ** 2)
    got = distances.frechet_distance_from_moments(
        mean_a, np.diag(a), mean_b, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("small", [1e-3, 1e-10, 0.0])
def test_fid_closed_form_non_commuting_2x2(small):
    # For 2x2 M = AB (non-negative eigenvalues):
    # tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)). A is rotated and may be
    # (near) singular, the case where sqrtm-based FID code breaks down.
    rot = _rotation(0.7)
    cov_a = rot @ np.diag([2.0, small]) @ rot.T
    cov_b = np.diag([1.0, 3.0])
    product = cov_a @ cov_b
    trace_sqrt = np.sqrt(np.trace(product)
                         + 2 * np.sqrt(max(np.linalg.det(product), 0.0)))
    mean_a, mean_b = np.array([0.5, -1.0]), np.array([0.0, 1.0])
    expected = (np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a)
                + np.trace(cov_b) - 2 * trace_sqrt)
    got = distances.frechet_distance_from_moments(mean_a, cov_a, mean_b,
                                                  cov_b)
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-9)


def test_fid_matches_scipy_sqrtm_on_well_conditioned_covariances():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(0)
    d = 32
    cov_a, cov_b = _random_covariance(rng, d), _random_covariance(rng, d, 3)
    mean_a, mean_b = rng.normal(size=d), rng.normal(size=d)
    expected = (np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a)
                + np.trace(cov_b)
                - 2 * np.trace(linalg.sqrtm(cov_a @ cov_b)).real)
    got = distances.frechet_distance_from_moments(mean_a, cov_a, mean_b,
                                                  cov_b)
    assert got == pytest.approx(expected, rel=1e-9)


def test_fid_from_samples_approaches_closed_form():
    rng = np.random.default_rng(1)
    mean_b = np.array([0.5, -0.3, 0.2])
    cov_b = np.diag([1.5, 0.7, 1.0])
    x = rng.multivariate_normal(np.zeros(3), np.eye(3), size=20000)
    y = rng.multivariate_normal(mean_b, cov_b, size=20000)
    expected = distances.frechet_distance_from_moments(
        np.zeros(3), np.eye(3), mean_b, cov_b)
    assert expected == pytest.approx(
        0.38 + (1 - np.sqrt(1.5)) ** 2 + (1 - np.sqrt(0.7)) ** 2)
    assert distances.frechet_distance(x, y) == pytest.approx(expected,
                                                             abs=0.05)


def test_fid_zero_for_identical_sets_and_symmetric():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 16)) * rng.uniform(0.1, 3, size=16)
    y = rng.normal(size=(400, 16)) + 0.3
    assert distances.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)
    forward, backward = (distances.frechet_distance(x, y),
                         distances.frechet_distance(y, x))
    assert forward > 1.0
    assert forward == pytest.approx(backward, rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), d=st.integers(1, 12),
       rank=st.integers(0, 12))
def test_fid_non_negative_symmetric_finite_even_when_singular(seed, d,
                                                               rank):
    rng = np.random.default_rng(seed)
    rank = min(rank, d)
    basis = rng.normal(size=(d, rank))
    cov_a = basis @ basis.T  # rank-deficient (even zero) covariance
    cov_b = _random_covariance(rng, d)
    mean_a, mean_b = rng.normal(size=d), rng.normal(size=d)
    ab = distances.frechet_distance_from_moments(mean_a, cov_a, mean_b,
                                                 cov_b)
    ba = distances.frechet_distance_from_moments(mean_b, cov_b, mean_a,
                                                 cov_a)
    assert np.isfinite(ab) and ab >= 0
    assert ab == pytest.approx(ba, rel=1e-7, abs=1e-7)
    same = distances.frechet_distance_from_moments(mean_a, cov_a, mean_a,
                                                   cov_a)
    assert same == pytest.approx(0.0, abs=1e-7 * (1 + np.trace(cov_a)))


def test_fid_near_singular_sample_covariance_warns_and_stays_accurate():
    # 60 samples in 100 dimensions: singular covariances, plus features
    # on a tiny scale. FID of a set with itself must still be ~0 and the
    # shifted set must give |shift|^2 exactly (same covariance).
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 100)) * np.logspace(0, -8, 100)
    shift = np.full(100, 0.01)
    with pytest.warns(UserWarning, match="biased"):
        self_distance = distances.frechet_distance(x, x)
    with pytest.warns(UserWarning, match="biased"):
        shifted = distances.frechet_distance(x, x + shift)
    assert self_distance == pytest.approx(0.0, abs=1e-10)
    assert shifted == pytest.approx(shift @ shift, rel=1e-6)


def test_fid_no_warning_with_enough_samples():
    x = np.random.default_rng(4).normal(size=(50, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distances.frechet_distance(x, x + 1)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features_raise_clear_error(bad):
    x = np.random.default_rng(5).normal(size=(20, 4))
    y = x.copy()
    y[3, 1] = bad
    with pytest.raises(ValueError, match="NaN or inf in 1 of 20 rows"):
        distances.frechet_distance(x, y)
    with pytest.raises(ValueError, match="NaN or inf"):
        distances.kernel_distance(y, x)
    cov = np.eye(4)
    cov[0, 0] = bad
    with pytest.raises(ValueError, match="cov_a"):
        distances.frechet_distance_from_moments(np.zeros(4), cov,
                                                np.zeros(4), np.eye(4))


@pytest.mark.parametrize("function", [distances.frechet_distance,
                                      distances.kernel_distance])
def test_shape_errors(function):
    x = np.zeros((10, 4))
    with pytest.raises(ValueError, match="different dimensions"):
        function(x, np.zeros((10, 5)))
    with pytest.raises(ValueError, match=r"\[n, d\]"):
        function(np.zeros((10, 4, 1)), x)
    with pytest.raises(ValueError, match="at least 2 samples"):
        function(np.zeros((1, 4)), x)


# --- KID -----------------------------------------------------------------


def _gaussian_moments(mean, cov):
    """First three raw moments of N(mean, cov)."""
    second = cov + np.outer(mean, mean)
    third = (np.einsum("i,j,k->ijk", mean, mean, mean)
             + np.einsum("i,jk->ijk", mean, cov)
             + np.einsum("j,ik->ijk", mean, cov)
             + np.einsum("k,ij->ijk", mean, cov))
    return mean, second, third


def _expected_kernel(p, q, d):
    # E (x.y/d + 1)^3 for independent x ~ p, y ~ q, expanded by powers of
    # x.y; E (x.y)^k is the inner product of the k-th moment tensors.
    (m1, s1, t1), (m2, s2, t2) = p, q
    return (np.sum(t1 * t2) / d**3 + 3 * np.sum(s1 * s2) / d**2
            + 3 * (m1 @ m2) / d + 1)


def test_kid_matches_closed_form_mmd_of_gaussians():
    d = 3
    mean_b, cov_b = np.array([0.5, -0.3, 0.2]), np.diag([1.5, 0.7, 1.0])
    p = _gaussian_moments(np.zeros(d), np.eye(d))
    q = _gaussian_moments(mean_b, cov_b)
    expected = (_expected_kernel(p, p, d) + _expected_kernel(q, q, d)
                - 2 * _expected_kernel(p, q, d))
    rng = np.random.default_rng(1)
    x = rng.multivariate_normal(np.zeros(d), np.eye(d), size=20000)
    y = rng.multivariate_normal(mean_b, cov_b, size=20000)
    kid, std_error = distances.kernel_distance(x, y, num_subsets=20,
                                               subset_size=1000, seed=1)
    assert 0 < std_error < 0.1 * expected
    assert abs(kid - expected) < 4 * std_error


def test_kid_estimator_is_the_unbiased_mmd():
    # With subsets as large as the sets, KID is the U-statistic itself;
    # compare it with the definition written out term by term.
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(7, 3)), rng.normal(size=(5, 3)) + 0.5

    def k(u, v):
        return (u @ v / 3 + 1) ** 3

    m, n = 7, 5
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n))
    expected = xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)
    kid, std_error = distances.kernel_distance(x, y, num_subsets=3,
                                               subset_size=50)
    assert kid == pytest.approx(expected, rel=1e-12)
    assert std_error == pytest.approx(0.0, abs=1e-12)


def test_kid_same_distribution_is_near_zero_and_unbiased():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(5000, 8)), rng.normal(size=(5000, 8))
    kid, std_error = distances.kernel_distance(x, y, num_subsets=20,
                                               subset_size=500, seed=0)
    shifted, _ = distances.kernel_distance(x, y + 0.3, num_subsets=20,
                                           subset_size=500, seed=0)
    assert abs(kid) < 4 * std_error
    assert abs(kid) < 0.02 * shifted
    identical, _ = distances.kernel_distance(x, x, num_subsets=20,
                                             subset_size=500, seed=0)
    assert abs(identical) < 0.02 * shifted


def test_kid_symmetric():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(300, 5)), rng.normal(size=(200, 5)) * 1.5
    # Both sets fit in one subset: exactly symmetric.
    full_xy = distances.kernel_distance(x, y, num_subsets=2,
                                        subset_size=1000)[0]
    full_yx = distances.kernel_distance(y, x, num_subsets=2,
                                        subset_size=1000)[0]
    assert full_xy == pytest.approx(full_yx, rel=1e-12)
    # Random subsets: equal up to subset noise.
    xy, se_xy = distances.kernel_distance(x, y, num_subsets=50,
                                          subset_size=100, seed=1)
    yx, se_yx = distances.kernel_distance(y, x, num_subsets=50,
                                          subset_size=100, seed=1)
    assert abs(xy - yx) < 4 * np.hypot(se_xy, se_yx)


def test_kid_reproducible_by_seed():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(300, 5)), rng.normal(size=(300, 5)) + 0.2
    first = distances.kernel_distance(x, y, num_subsets=5, subset_size=50,
                                      seed=3)
    assert first == distances.kernel_distance(x, y, num_subsets=5,
                                              subset_size=50, seed=3)
    assert first != distances.kernel_distance(x, y, num_subsets=5,
                                              subset_size=50, seed=4)


def test_kid_single_subset_has_nan_std_error_and_bad_arguments_raise():
    x = np.random.default_rng(10).normal(size=(20, 3))
    kid, std_error = distances.kernel_distance(x, x + 1, num_subsets=1)
    assert kid > 0 and np.isnan(std_error)
    with pytest.raises(ValueError, match="num_subsets"):
        distances.kernel_distance(x, x, num_subsets=0)
    with pytest.raises(ValueError, match="subset_size"):
        distances.kernel_distance(x, x, subset_size=1)
