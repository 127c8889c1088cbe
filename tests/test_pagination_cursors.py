"""Cursor kinds of ``core.web.pagination.cursor_of`` and the chart axis ticks of ``core.web.charts``:
what a page gets back from its own cursors, and what a forged cursor is refused with."""
from decimal import Decimal

import pytest

from core.web.charts import whole_steps
from core.web.pagination import BadCursor, cursor_of, decode_cursor, encode_cursor


def test_amount_cursor_round_trips_exactly():
    # An amount is encoded as decimal text and read back as the same Decimal (no float rounding).
    cursor = encode_cursor([Decimal("1250.10"), 7])
    assert decode_cursor(cursor, 2) == ["1250.10", 7]
    assert cursor_of("decimal", "id")(decode_cursor(cursor, 2)) == [Decimal("1250.10"), 7]
    assert cursor_of("int", "id")([-3, 4]) == [-3, 4]


@pytest.mark.parametrize("values", [
    [1250.1, 7],          # a number, not decimal text
    ["NaN", 7],           # not a finite amount
    ["Infinity", 7],
    ["12,50", 7],         # not a decimal
    [None, 7],
    ["10.00", "7"],       # the id as text
    ["10.00", -1],
])
def test_forged_amount_cursors_are_refused(values):
    with pytest.raises(BadCursor):
        cursor_of("decimal", "id")(values)


@pytest.mark.parametrize("values", [["3", 1], [3.0, 1], [True, 1], [[3], 1]])
def test_forged_count_cursors_are_refused(values):
    with pytest.raises(BadCursor):
        cursor_of("int", "id")(values)


def test_whole_steps_reach_past_the_largest_value():
    assert whole_steps([0, 3, 2]) == [0, 1, 2, 3]
    assert whole_steps([]) == [0, 1]
    assert whole_steps([17], ticks=8) == [0, 3, 6, 9, 12, 15, 18]
    # A forecast's upper bound of 7.4 units gets a tick at 8, not a top tick below it.
    assert whole_steps([5, 7.4, None], ticks=8) == list(range(0, 9))
