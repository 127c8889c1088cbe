"""The duplicate keys of one file, in little memory (an import's in-file duplicate check)."""
from __future__ import annotations

import bisect
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
        self.runs.append((array("q", (h for h, _ in items)), array("q", (ln for _, ln in items))))
        self.recent = {}
        if len(self.runs) > self.MAX_RUNS:
            merged = sorted((h, ln) for hashes, lines in self.runs for h, ln in zip(hashes, lines))
            self.runs = [(array("q", (h for h, _ in merged)), array("q", (ln for _, ln in merged)))]
