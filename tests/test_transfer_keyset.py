"""The in-file duplicate keys of an import (core.transfer.keyset.KeySet)."""
import tracemalloc

from core.transfer.keyset import KeySet


class SmallKeySet(KeySet):
    FLUSH_AT = 100
    MAX_RUNS = 2


def test_every_key_keeps_the_line_it_was_first_seen_on_across_flushes_and_merges():
    seen = SmallKeySet()
    for line in range(1, 5001):
        key = ("email", f"πελάτης{line % 2500}@example.gr")  # each key twice: lines n and n + 2500
        h, first = seen.lookup(key)
        if line <= 2500:
            assert first is None
            seen.put(h, line)
        else:
            assert first == line - 2500
    assert len(seen.runs) <= SmallKeySet.MAX_RUNS + 1
    assert seen.lookup(("phone", "+302101234567"))[1] is None
    assert seen.lookup(("email", "πελάτης7@example.gr"))[1] == 7


def test_merging_runs_holds_the_keys_as_arrays_not_as_python_objects():
    """A million-row file has three million keys: the merge must not make a Python object per key
    (a sorted list of (hash, line) tuples took the 1,000,000-row import to 686 MB, over 500 MB)."""
    seen = KeySet()
    keys = 60_000
    seen.FLUSH_AT = 1_000
    seen.MAX_RUNS = 1_000  # no merge while filling
    for line in range(keys):
        h, _first = seen.lookup(("ref", str(line)))
        seen.put(h, line)
    assert len(seen.runs) == keys // 1_000
    tracemalloc.start()
    try:
        merged = KeySet._merged(seen.runs)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(merged[0]) == keys and list(merged[0]) == sorted(merged[0])
    # The two result arrays take 16 bytes a key; tuples would take over 100.
    assert peak < 40 * keys
