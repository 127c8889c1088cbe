"""BG/NBD and Gamma-Gamma against the paper's own data and published fit.

The CDNOW sample (2,357 customers, 39 weeks of calibration; Fader, Hardie & Lee 2005)
is read at test time from the files the ``lifetimes`` package ships on PyPI (a test
dependency; never imported, and the data set is not committed here).
"""
import csv
import importlib.metadata

import numpy as np
import pytest

from plugins.analytics import clv


def _cdnow(name):
    path = importlib.metadata.distribution("lifetimes").locate_file(f"lifetimes/datasets/{name}")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: np.array([float(r[key]) for r in rows]) for key in rows[0]}


def _sig3(value):
    return float(f"{value:.3g}")


@pytest.fixture(scope="module")
def cdnow():
    data = _cdnow("cdnow_customers_summary_with_transactions.csv")  # ID, x, t_x, T (weeks), zbar
    assert len(data["ID"]) == 2357
    return data


def test_bgnbd_reproduces_the_published_cdnow_parameters(cdnow):
    model = clv.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # Fader, Hardie & Lee (2005), section 4: r = 0.243, α = 4.414, a = 0.793, b = 2.426.
    assert (_sig3(model.r), _sig3(model.alpha), _sig3(model.a), _sig3(model.b)) == (0.243, 4.41, 0.793, 2.43)
    assert model.alpha == pytest.approx(4.414, abs=5e-4) and model.b == pytest.approx(2.426, abs=5e-4)
    # The published log-likelihood at the optimum is -9582.4.
    ll = clv.bgnbd_log_likelihood((model.r, model.alpha, model.a, model.b), cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert ll.sum() == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_conditional_expectation_of_the_papers_worked_example(cdnow):
    """Customer with x = 2, t_x = 30.43, T = 38.86 weeks: 1.226 purchases expected in the next 39 weeks."""
    model = clv.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert float(model.expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=1e-3)
    # P(alive) falls as the last purchase recedes, and is 1 for a customer with no repeat purchase.
    alive = model.p_alive([2, 2, 0], [30.43, 5.0, 0.0], [38.86, 38.86, 38.86])
    assert 0 < alive[1] < alive[0] < 1 and alive[2] == 1.0


def test_gamma_gamma_reproduces_the_published_cdnow_parameters(cdnow):
    spend = clv.fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    # Fader, Hardie & Lee (2005, "RFM and CLV"), Hardie's note: p = 6.25, q = 3.74, γ = 15.44.
    assert (_sig3(spend.p), _sig3(spend.q), _sig3(spend.gamma)) == (6.25, 3.74, 15.4)
    assert spend.gamma == pytest.approx(15.44, abs=0.01)
    # Expected average spend shrinks a customer's mean towards the population mean p·γ/(q-1).
    population = spend.p * spend.gamma / (spend.q - 1)
    one_big = float(spend.expected_value(1, 100.0))
    assert population < one_big < 100.0
    assert float(spend.expected_value(0, 0.0)) == pytest.approx(population)


def test_fit_recovers_parameters_of_simulated_customers():
    """An independent check away from CDNOW: simulate BG/NBD customers with known parameters."""
    rng = np.random.default_rng(12)
    r, alpha, a, b, n, T = 0.8, 20.0, 0.6, 3.0, 20000, 365.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    model = clv.fit_bgnbd(x, t_x, np.full(n, T))
    assert model.r == pytest.approx(r, rel=0.1) and model.alpha == pytest.approx(alpha, rel=0.15)
    assert model.a == pytest.approx(a, rel=0.2) and model.b == pytest.approx(b, rel=0.25)


def test_too_little_data_is_refused():
    with pytest.raises(ValueError):
        clv.fit_bgnbd([0, 0], [0, 0], [10, 20])
    with pytest.raises(ValueError):
        clv.fit_gamma_gamma([1, 0], [10.0, 0.0])
