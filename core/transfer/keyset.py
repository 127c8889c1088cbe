"""The duplicate keys of one file, in little memory (an import's in-file duplicate check)."""
from __future__ import annotations

import bisect
import heapq
from array import array


class KeySet:
    """The duplicate keys seen so far in a file, with the line of each, in little memory.

    A million rows with three keys each would take ~300 MB as a dict of strings; here
    each key is a 64-bit hash in sorted ``array`` runs (16 bytes a key), newest keys in a
    small dict, runs merged when there are too many. A hash collision (about one in 10¹²
    for a million keys) would refuse a row as a duplicate; it could never merge two.
    """

    FLUSH_AT = 50_000
    MAX_RUNS = 6

    def __init__(self):
        self.recent: dict[int, int] = {}
        self.runs: list[tuple[array, array]] = []

    def lookup(self, key: tuple[str, str]) -> tuple[int, int | None]:
        """``(hash of key, line it was first seen on or None)``."""
        h = hash(key)
        first = self.recent.get(h)
        if first is not None:
            return h, first
        for hashes, lines in self.runs:
            i = bisect.bisect_left(hashes, h)
            if i < len(hashes) and hashes[i] == h:
                return h, lines[i]
        return h, None

    def put(self, key_hash: int, line: int) -> None:
        self.recent[key_hash] = line
        if len(self.recent) >= self.FLUSH_AT:
            self._flush()

    def _flush(self):
        items = sorted(self.recent.items())
        self.runs.append((array("q", [h for h, _ in items]), array("q", [ln for _, ln in items])))
        self.recent = {}
        if len(self.runs) > self.MAX_RUNS:
            self.runs = [self._merged(self.runs)]

    @staticmethod
    def _merged(runs: list[tuple[array, array]]) -> tuple[array, array]:
        """One sorted run from sorted runs, streamed into the new arrays.

        Sorting a list of every ``(hash, line)`` pair instead held each key as a Python tuple
        at the moment of the merge — about 120 bytes a key, 360 MB for a million-row file with
        three keys a row, which took the import past its 500 MB budget (issue 8).
        """
        hashes, lines = array("q"), array("q")
        for h, ln in heapq.merge(*(zip(hs, ls) for hs, ls in runs)):
            hashes.append(h)
            lines.append(ln)
        return hashes, lines
