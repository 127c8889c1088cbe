"""RFM quintile scores, classes and intervals, worked out by hand."""
import numpy as np
import pytest

from plugins.analytics import rfm


def test_quintiles_of_ten_customers():
    # 1 + floor(5k/10) with k = how many are strictly smaller: two customers per score.
    assert rfm.quintile_scores(range(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Order does not matter; each value keeps its score.
    assert rfm.quintile_scores([9, 0, 5]).tolist() == [4, 1, 2]


def test_ties_share_a_score():
    # Six one-time buyers, three with 2, one with 7: k = 0, 6, 9 → 1, 1 + 30//10 = 4, 1 + 45//10 = 5.
    assert rfm.quintile_scores([1] * 6 + [2] * 3 + [7]).tolist() == [1] * 6 + [4] * 3 + [5]


def test_recency_fewer_days_is_better():
    assert rfm.quintile_scores([3, 30, 300, 3000, 30000], lower_is_better=True).tolist() == [5, 4, 3, 2, 1]


def test_empty_input():
    assert rfm.quintile_scores([]).tolist() == []


@pytest.mark.parametrize("r, f, key", [
    (5, 5, "champions"), (5, 4, "champions"), (4, 5, "loyal"), (3, 4, "loyal"), (5, 1, "new"),
    (4, 1, "promising"), (4, 2, "potential"), (5, 3, "potential"), (3, 3, "need_attention"),
    (3, 1, "about_to_sleep"), (2, 4, "at_risk"), (1, 3, "at_risk"), (1, 5, "cant_lose"), (2, 5, "cant_lose"),
    (2, 1, "hibernating"), (1, 2, "lost"), (1, 1, "lost"),
])
def test_classes(r, f, key):
    assert rfm.classify([r], [f]) == [key]


def test_every_cell_of_the_grid_has_a_named_class():
    assert {key for row in rfm.GRID for key in row} == set(rfm.CLASSES)


def test_intervals():
    assert rfm.intervals([100]) == (None, None)
    assert rfm.intervals([100, 130]) == (30.0, None)
    median, cv = rfm.intervals([0, 10, 30, 40])  # gaps 10, 20, 10
    assert median == 10.0
    assert cv == pytest.approx(np.std([10, 20, 10]) / np.mean([10, 20, 10]))
    assert rfm.intervals([0, 7, 14, 21])[1] == 0.0  # like clockwork
