"""The discrepancy term: knot grids, and the Woodbury marginal against dense linear algebra."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

from bayes_scaling.models.discrepancy import (
    MarginalBridge,
    bridge_knots,
    interpolate_knots,
    unit_covariance,
)

RNG = np.random.default_rng(3)


def _two_curves():
    log_size = np.concatenate([np.log(np.geomspace(10, 1e4, 9)), np.log(np.geomspace(5, 500, 6))])
    curve_idx = np.array([0] * 9 + [1] * 6)
    return log_size, curve_idx


def _dense_covariance(knots, log_size, curve_idx, sigma, rate):
    """Covariance of the residuals built knot by knot (no Woodbury): the reference."""
    n = len(log_size)
    location = knots.locate(log_size, curve_idx)
    interp = np.zeros((n, knots.n_knots))
    interp[np.arange(n), location["left"]] += 1 - location["weight"]
    interp[np.arange(n), location["left"] + 1] += location["weight"]
    cov = np.diag(sigma[curve_idx] ** 2)
    for c in np.unique(curve_idx):
        rows = np.flatnonzero(curve_idx == c)
        t = knots.knot_positions()[c][1:-1]
        a, b = knots.lower[c], knots.upper[c]
        bridge = (np.minimum.outer(t, t) - a) * (b - np.maximum.outer(t, t)) / (b - a)
        w = interp[np.ix_(rows, np.arange(1, knots.n_knots - 1))]
        cov[np.ix_(rows, rows)] += rate[c] ** 2 * w @ bridge @ w.T
    return cov


def _evaluate(expr_fn, residual, sigma, rate):
    r, s, t = pt.vector("r"), pt.vector("s"), pt.vector("t")
    return pytensor.function([r, s, t], expr_fn(r, s, t))(residual, sigma, rate)


def test_knot_grid_bridge_variance_and_locations():
    knots = bridge_knots(np.log([10.0, 100, 1000]), np.array([0, 0, 0]), 1, n_knots=5)
    t = knots.knot_positions()[0][1:-1]
    a, b = knots.lower[0], knots.upper[0]
    expected = (t - a) * (b - t) / (b - a)  # Brownian-bridge variance at the interior knots
    np.testing.assert_allclose(np.diag(knots.chol[0] @ knots.chol[0].T), expected)
    where = knots.locate(np.log([10.0, 1000, 1e4, 1.0]), np.zeros(4, int))
    np.testing.assert_allclose(where["outside"], [0, 0, np.log(10), np.log(10)])
    values = np.array([[0.0, 1, 2, 3, 0]])
    inside = interpolate_knots(values, knots.locate(np.array([(a + b) / 2]), np.zeros(1, int)),
                               np.zeros(1, int))
    np.testing.assert_allclose(inside, [2.0])  # the middle knot of five


def test_knot_grid_rejects_too_few_knots():
    with pytest.raises(ValueError, match="n_knots must be >= 3"):
        bridge_knots(np.log([10.0, 100]), np.array([0, 0]), 1, n_knots=2)


def test_marginal_logp_equals_the_dense_multivariate_normal():
    log_size, curve_idx = _two_curves()
    knots = bridge_knots(log_size, curve_idx, 2, n_knots=6)
    bridge = MarginalBridge.from_knots(knots, log_size, curve_idx)
    sigma, rate = np.array([0.03, 0.08]), np.array([0.2, 0.05])
    residual = RNG.normal(0, 0.1, len(log_size))
    got = _evaluate(bridge.logp, residual, sigma, rate)
    cov = _dense_covariance(knots, log_size, curve_idx, sigma, rate)
    want = stats.multivariate_normal(np.zeros(len(residual)), cov).logpdf(residual)
    assert got == pytest.approx(want, rel=1e-9)


def test_pointwise_loo_densities_equal_dense_gaussian_conditioning():
    log_size, curve_idx = _two_curves()
    knots = bridge_knots(log_size, curve_idx, 2, n_knots=5)
    bridge = MarginalBridge.from_knots(knots, log_size, curve_idx)
    sigma, rate = np.array([0.05, 0.02]), np.array([0.3, 0.1])
    residual = RNG.normal(0, 0.1, len(log_size))
    got = _evaluate(bridge.loo_pointwise, residual, sigma, rate)
    cov = _dense_covariance(knots, log_size, curve_idx, sigma, rate)
    want = []
    for i in range(len(residual)):
        rest = np.delete(np.arange(len(residual)), i)
        k = cov[i, rest] @ np.linalg.inv(cov[np.ix_(rest, rest)])
        mean = k @ residual[rest]
        var = cov[i, i] - k @ cov[rest, i]
        want.append(stats.norm(mean, np.sqrt(var)).logpdf(residual[i]))
    np.testing.assert_allclose(got, want, rtol=1e-8)
    # correlated residuals: the pointwise terms do not sum to the joint density
    assert got.sum() != pytest.approx(_evaluate(bridge.logp, residual, sigma, rate))


def test_knot_posterior_mean_equals_dense_gaussian_conditioning():
    log_size, curve_idx = _two_curves()
    knots = bridge_knots(log_size, curve_idx, 2, n_knots=6)
    bridge = MarginalBridge.from_knots(knots, log_size, curve_idx)
    sigma, rate = np.array([0.02, 0.04]), np.array([0.2, 0.1])
    residual = RNG.normal(0, 0.1, len(log_size))
    r, s, t, z = pt.vector("r"), pt.vector("s"), pt.vector("t"), pt.matrix("z")
    draw = pytensor.function([r, s, t, z], bridge.knot_posterior(r, s, t, z))
    mean = draw(residual, sigma, rate, np.zeros((2, knots.n_free)))
    for c in range(2):
        rows = curve_idx == c
        a = bridge.weights[rows] * rate[c]  # residual = a @ v + noise, v ~ N(0, I)
        precision = np.eye(knots.n_free) + a.T @ a / sigma[c] ** 2
        want = np.linalg.solve(precision, a.T @ residual[rows] / sigma[c] ** 2)
        np.testing.assert_allclose(mean[c], want, rtol=1e-9, atol=1e-12)
    # z ~ N(0, I) maps to the posterior covariance M^-1
    zs = RNG.standard_normal((4000, 2, knots.n_free))
    draws = np.stack([draw(residual, sigma, rate, zz) for zz in zs])
    a = bridge.weights[curve_idx == 0] * rate[0]
    cov = np.linalg.inv(np.eye(knots.n_free) + a.T @ a / sigma[0] ** 2)
    np.testing.assert_allclose(np.cov(draws[:, 0, :].T), cov, atol=0.08 * cov.max())


def test_brownian_kernel_is_the_bridge_inside_and_brownian_motion_beyond():
    s, t = np.meshgrid(np.linspace(0, 1, 7), np.linspace(0, 1, 7))
    np.testing.assert_allclose(unit_covariance(s, t), np.minimum(s, t) * (1 - np.maximum(s, t)))
    assert float(unit_covariance(1.7, 1.3)) == pytest.approx(0.3)
    assert float(unit_covariance(-0.4, -0.9)) == pytest.approx(0.4)
    assert float(unit_covariance(0.5, 1.5)) == 0.0 == float(unit_covariance(-0.5, 1.5))


def test_end_pinned_kernel_is_brownian_motion_run_back_from_the_largest_size():
    """Pinned at 1 only: a path run backwards from 0 at the largest fitted size, free at
    the smallest (and below it); Brownian motion beyond 1, independent of the inside."""
    s, t = np.meshgrid(np.linspace(-0.5, 1, 7), np.linspace(-0.5, 1, 7))
    np.testing.assert_allclose(unit_covariance(s, t, "brownian_end"),
                               np.minimum(1 - s, 1 - t))
    assert float(unit_covariance(1.7, 1.3, "brownian_end")) == pytest.approx(0.3)
    assert float(unit_covariance(0.5, 1.5, "brownian_end")) == 0.0
    # simulated: a random walk from the top end down the grid
    grid = np.linspace(1.0, -0.2, 601)  # from the pinned end backwards
    steps = np.random.default_rng(2).normal(size=(20_000, 600)) * np.sqrt(0.002)
    paths = np.concatenate([np.zeros((20_000, 1)), np.cumsum(steps, axis=1)], axis=1)
    at = [100, 300, 600]  # 0.8, 0.4, -0.2
    exact = unit_covariance(grid[at][:, None], grid[at][None, :], "brownian_end")
    np.testing.assert_allclose(np.cov(paths[:, at].T), exact, atol=0.04 * exact.max())
    knots = bridge_knots(np.log([10.0, 100, 1000]), np.zeros(3, int), 1, n_knots=4,
                         kernel="brownian_end")
    assert knots.n_free == 3 and knots.free_positions().tolist() == pytest.approx([0, 1 / 3, 2 / 3])
    values = knots.all_knots(pt.as_tensor(np.array([[1.0, 2.0, 3.0]]))).eval()
    assert values.tolist() == [[1.0, 2.0, 3.0, 0.0]]  # the largest size's knot pinned


def _integrated_paths(grid: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Paths of integrated Brownian motion from 0 (zero value and slope) on a fine grid,
    minus their least-squares line over [0, 1]: the kernel's definition, simulated."""
    rng = np.random.default_rng(seed)
    step = np.diff(grid, prepend=0.0)
    slope = np.cumsum(rng.normal(size=(n, len(grid))) * np.sqrt(step), axis=1)
    value = np.cumsum(slope * step, axis=1)
    inside = grid <= 1.0
    design = np.stack([np.ones(inside.sum()), grid[inside]], axis=1)
    coef, *_ = np.linalg.lstsq(design, value[:, inside].T, rcond=None)  # (2, n)
    return value - (coef[0][:, None] + coef[1][:, None] * grid[None, :])


def test_integrated_kernel_matches_simulated_paths():
    grid = np.linspace(0.0, 1.6, 1601)
    paths = _integrated_paths(grid, 20_000, seed=3)
    at = [0, 400, 1000, 1400]  # 0, 0.4, 1 (the free ends and inside), 1.4 (beyond)
    empirical = np.cov(paths[:, at].T)
    exact = unit_covariance(grid[at][:, None], grid[at][None, :], "integrated")
    np.testing.assert_allclose(empirical, exact, atol=0.05 * exact.max())
    # the removed line: no level or trend left over the fitted range
    inside = np.linspace(0.0, 1.0, 101)
    cov = unit_covariance(inside[:, None], inside[None, :], "integrated")
    design = np.stack([np.ones(101), inside - 0.5])
    np.testing.assert_allclose(design @ cov @ design.T / 101**2, 0.0, atol=2e-5)


def _joint_unit_covariance(points: np.ndarray, blocks: list[tuple[str, slice]], n_beyond: int,
                           width: float) -> np.ndarray:
    """Covariance of [free knot values of each component, the discrepancy at the points
    beyond the range] at unit rates (the components are independent and summed)."""
    n_free = blocks[-1][1].stop
    total = n_free + n_beyond
    joint = np.zeros((total, total))
    beyond = points[n_free:]
    for kernel, cols in blocks:
        power = 3 if kernel == "integrated" else 1
        idx = np.r_[np.arange(cols.start, cols.stop), np.arange(n_free, total)]
        sub = np.r_[points[cols], beyond]
        joint[np.ix_(idx, idx)] += unit_covariance(sub[:, None], sub[None, :],
                                                   kernel) * width**power
    return joint


@pytest.mark.parametrize("kernel", ["brownian", "integrated", "brownian+integrated",
                                    "brownian_end"])
def test_extrapolation_is_the_gaussian_conditional_given_the_knots(kernel):
    """Beyond the range, coef . v and the summed spread are the regression of the
    discrepancy there on the whitened knots, and its residual variance: checked by
    simulation from the joint (unit rates)."""
    log_size = np.log(np.geomspace(10, 1e4, 9))
    knots = bridge_knots(log_size, np.zeros(9, int), 1, n_knots=6, kernel=kernel)
    width = log_size[-1] - log_size[0]
    beyond = np.log([3e4, 3.0])  # above and below the fitted range
    coef, spread = knots.extrapolation(beyond, np.zeros(2, int))
    assert spread.shape == (2, len(knots.components))
    free = knots.free_positions()
    k = len(free)
    column = knots.column_component()
    blocks = [(name, slice(int(np.flatnonzero(column == j)[0]),
                           int(np.flatnonzero(column == j)[-1]) + 1))
              for j, name in enumerate(knots.components)]
    points = np.concatenate([free, (beyond - log_size[0]) / width])
    joint = _joint_unit_covariance(points, blocks, 2, width)
    draws = np.random.default_rng(5).multivariate_normal(np.zeros(k + 2), joint,
                                                          size=200_000)
    whitened = np.linalg.solve(knots.chol[0], draws[:, :k].T).T
    for j in range(2):
        fitted, *_ = np.linalg.lstsq(whitened, draws[:, k + j], rcond=None)
        np.testing.assert_allclose(coef[j], fitted, atol=0.02 * np.sqrt(joint[k + j, k + j]))
        residual = draws[:, k + j] - whitened @ fitted
        assert spread[j].sum() == pytest.approx(residual.var(), rel=0.02)
    if kernel == "brownian":
        assert np.all(coef == 0.0)
        np.testing.assert_allclose(spread[:, 0], [np.log(3), np.log(10 / 3)])
    inside, _ = knots.extrapolation(log_size[3:4], np.zeros(1, int))
    assert np.all(inside == 0.0)


def test_marginal_logp_with_a_rate_per_component_equals_the_dense_normal():
    """The sum of a Brownian and an integrated component, each with its own rate per
    curve: the Woodbury density equals the dense multivariate normal."""
    log_size, curve_idx = _two_curves()
    knots = bridge_knots(log_size, curve_idx, 2, n_knots=6, kernel="brownian+integrated")
    bridge = MarginalBridge.from_knots(knots, log_size, curve_idx)
    sigma = np.array([0.03, 0.08])
    rates = np.array([[0.2, 0.05], [0.01, 0.3]])  # (curve, component)
    scale = rates[:, knots.column_component()]  # (curve, free value)
    residual = RNG.normal(0, 0.1, len(log_size))
    r, s = pt.vector("r"), pt.vector("s")
    t = pt.matrix("t")
    got = pytensor.function([r, s, t], bridge.logp(r, s, t))(residual, sigma, scale)
    design = bridge.weights * scale[curve_idx]  # rows of A D
    cov = np.diag(sigma[curve_idx] ** 2)
    for c in range(2):
        rows = np.flatnonzero(curve_idx == c)
        cov[np.ix_(rows, rows)] += design[rows] @ design[rows].T
    want = stats.multivariate_normal(np.zeros(len(residual)), cov).logpdf(residual)
    assert got == pytest.approx(want, rel=1e-9)
    # and with one rate for all the free values it is the single-rate density
    same = pytensor.function([r, s, t], bridge.logp(r, s, t))(
        residual, sigma, np.repeat(rates[:, :1], knots.n_free, axis=1))
    assert same == pytest.approx(_evaluate(bridge.logp, residual, sigma, rates[:, 0]),
                                 rel=1e-12)
