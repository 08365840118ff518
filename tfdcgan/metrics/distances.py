"""Frechet (FID) and kernel (KID) distances between two sets of features.

Both work on plain feature arrays `[n, d]`, so they serve any extractor.

* FID: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule
  Converge to a Local Nash Equilibrium", arXiv:1706.08500. The Frechet
  distance between Gaussians fitted to the two sets.
* KID: Binkowski et al. 2018, "Demystifying MMD GANs", arXiv:1801.01401.
  The unbiased estimate of the squared MMD with the cubic polynomial kernel
  k(x, y) = (x.y / d + 1)^3, averaged over random subsets.

Everything is computed in float64 numpy; the matrix square root needs no
scipy (see `_trace_sqrt_product`).
"""

import warnings

import numpy as np


def check_features(features, name="features"):
    """Validates a feature set; returns it as float64 `[n, d]`.

    Raises:
      ValueError: not 2-D, fewer than 2 rows, or NaN / inf entries (which
        would otherwise turn into a silently meaningless distance).
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(
            f"{name} must be a [n, d] array; got shape {features.shape}.")
    if features.shape[0] < 2:
        raise ValueError(
            f"{name} needs at least 2 samples; got {features.shape[0]}.")
    finite = np.isfinite(features)
    if not finite.all():
        bad_rows = int((~finite).any(axis=1).sum())
        raise ValueError(
            f"{name} contains NaN or inf in {bad_rows} of "
            f"{features.shape[0]} rows; the images behind them are probably "
            "NaN (a diverged generator?) or the extractor is broken. "
            "Refusing to compute a distance from them.")
    return features


def _check_same_dim(features_a, features_b):
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(
            "feature sets have different dimensions: "
            f"{features_a.shape[1]} vs {features_b.shape[1]}; were they made "
            "by the same extractor?")


def feature_moments(features, name="features"):
    """Mean and covariance `[d]`, `[d, d]` of a feature set `[n, d]`.

    Warns when there are no more samples than feature dimensions: the
    covariance is then rank-deficient and FID is strongly biased upwards (it
    is biased for any finite n; compare FIDs only at equal sample counts).

    Args:
      features: `[n, d]` array.
      name: what to call the set in messages.

    Returns:
      `(mean [d], covariance [d, d])`, float64, covariance with ddof=1.
    """
    features = check_features(features, name)
    n, d = features.shape
    if n <= d:
        warnings.warn(
            f"{name}: {n} samples for {d} feature dimensions; the covariance "
            "is singular and FID is strongly biased. Use more samples than "
            "dimensions (10,000 is customary for Inception features); at "
            "this count KID, which is unbiased, is the better number.",
            stacklevel=2)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix):
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    # Rounding leaves tiny negative eigenvalues on singular matrices.
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    return (eigenvectors * roots) @ eigenvectors.T


def _trace_sqrt_product(cov_a, cov_b):
    """tr(sqrt(cov_a @ cov_b)) for symmetric PSD covariances.

    cov_a @ cov_b is not symmetric, which is why the usual scipy.linalg.sqrtm
    route returns complex parts and blows up on near-singular inputs. It is
    similar to the symmetric PSD matrix S cov_b S with S = sqrt(cov_a), so
    both share eigenvalues and tr sqrt(cov_a cov_b) = sum sqrt(eig(S cov_b S)):
    two symmetric eigendecompositions, stable for singular matrices.
    """
    root_a = _sqrt_psd(cov_a)
    middle = root_a @ cov_b @ root_a
    middle = (middle + middle.T) / 2  # remove rounding asymmetry for eigvalsh
    eigenvalues = np.linalg.eigvalsh(middle)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b):
    """Frechet distance between N(mean_a, cov_a) and N(mean_b, cov_b).

    d^2 = |mean_a - mean_b|^2 + tr(cov_a + cov_b - 2 sqrt(cov_a cov_b)).

    Args:
      mean_a, mean_b: `[d]` means.
      cov_a, cov_b: `[d, d]` symmetric positive semi-definite covariances;
        singular ones are fine.

    Returns:
      The squared Frechet distance as a float >= 0 (this squared form is
      what is reported as FID).
    """
    mean_a, mean_b = (np.asarray(m, np.float64) for m in (mean_a, mean_b))
    cov_a, cov_b = (np.asarray(c, np.float64) for c in (cov_a, cov_b))
    d = mean_a.shape[0]
    if (mean_a.shape != (d,) or mean_b.shape != (d,)
            or cov_a.shape != (d, d) or cov_b.shape != (d, d)):
        raise ValueError(
            "moments do not match: means "
            f"{mean_a.shape}, {mean_b.shape}; covariances {cov_a.shape}, "
            f"{cov_b.shape}.")
    for name, value in (("mean_a", mean_a), ("cov_a", cov_a),
                        ("mean_b", mean_b), ("cov_b", cov_b)):
        if not np.isfinite(value).all():
            raise ValueError(f"{name} contains NaN or inf.")
    diff = mean_a - mean_b
    distance = (diff @ diff + np.trace(cov_a) + np.trace(cov_b)
                - 2.0 * _trace_sqrt_product(cov_a, cov_b))
    # The true value is >= 0; a negative result is rounding around zero.
    return max(float(distance), 0.0)


def frechet_distance(features_a, features_b):
    """FID between two feature sets `[n_a, d]` and `[n_b, d]`.

    Fits a Gaussian (mean, covariance) to each set and returns their
    squared Frechet distance. Symmetric, 0 for identical sets. Warns when a
    set has no more samples than dimensions (see `feature_moments`).
    """
    features_a = check_features(features_a, "features_a")
    features_b = check_features(features_b, "features_b")
    _check_same_dim(features_a, features_b)
    return frechet_distance_from_moments(
        *feature_moments(features_a, "features_a"),
        *feature_moments(features_b, "features_b"))


def _cubic_kernel(u, v, d):
    """(u.v / d + 1)^3 for all row pairs; in place, as this dominates KID."""
    k = u @ v.T
    k /= d
    k += 1.0
    return k * k * k


def _polynomial_mmd2_unbiased(x, y):
    """Unbiased squared MMD of `[m_x, d]` x and `[m_y, d]` y.

    Kernel k(u, v) = (u.v / d + 1)^3.
    """
    (m_x, d), m_y = x.shape, y.shape[0]
    k_xx, k_yy, k_xy = (_cubic_kernel(u, v, d) for u, v in ((x, x), (y, y),
                                                              (x, y)))
    # Leaving out the diagonals k(x_i, x_i) is what makes it unbiased.
    return ((k_xx.sum() - np.trace(k_xx)) / (m_x * (m_x - 1))
            + (k_yy.sum() - np.trace(k_yy)) / (m_y * (m_y - 1))
            - 2.0 * k_xy.mean())


def kernel_distance(features_a, features_b, num_subsets=100,
                    subset_size=1000, seed=0):
    """KID between two feature sets `[n_a, d]` and `[n_b, d]`.

    Each of `num_subsets` rounds draws `min(n_a, subset_size)` rows of a
    and `min(n_b, subset_size)` rows of b without replacement and computes
    the unbiased MMD^2 estimate with the kernel k(x, y) = (x.y / d + 1)^3;
    the result is the mean over rounds. Being unbiased, it is ~0 (and may
    be slightly negative) for sets from the same distribution. It is
    symmetric in expectation, and exactly so when both sets fit in one
    subset (every round then uses all rows).

    Args:
      features_a: `[n_a, d]` array.
      features_b: `[n_b, d]` array.
      num_subsets: number of random subset pairs.
      subset_size: rows per subset (capped by each set's size).
      seed: seed of the subset draws, so results are reproducible.

    Returns:
      `(kid, std_error)`: the mean estimate and the standard error of that
      mean over subsets (std / sqrt(num_subsets); nan for one subset).
      Subsets overlap when `num_subsets * subset_size` exceeds a set's
      size, so `std_error` measures the subset-sampling noise, not the full
      sampling uncertainty of finite sets.
    """
    features_a = check_features(features_a, "features_a")
    features_b = check_features(features_b, "features_b")
    _check_same_dim(features_a, features_b)
    if num_subsets < 1 or subset_size < 2:
        raise ValueError(
            "need num_subsets >= 1 and subset_size >= 2; got "
            f"{num_subsets}, {subset_size}.")
    m_a = min(len(features_a), subset_size)
    m_b = min(len(features_b), subset_size)
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    for i in range(num_subsets):
        x = features_a[rng.choice(len(features_a), m_a, replace=False)]
        y = features_b[rng.choice(len(features_b), m_b, replace=False)]
        estimates[i] = _polynomial_mmd2_unbiased(x, y)
    if num_subsets == 1:
        return float(estimates[0]), float("nan")
    return (float(estimates.mean()),
            float(estimates.std(ddof=1) / np.sqrt(num_subsets)))
