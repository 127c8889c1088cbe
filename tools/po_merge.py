#!/usr/bin/env python3
"""Git merge driver for gettext catalogs: a three-way merge entry by entry.

Two branches that each add strings to a catalog touch the same file in nearby places
and line-based merging conflicts on every such pair. Catalogs are sets of entries keyed
by (context, msgid), so they merge as sets: an entry added on either side is kept, one
removed on a side that left the other unchanged is removed, and when both sides changed
the same entry the current branch's translation wins (the next ``make messages`` and the
catalog tests point at anything left to review).

Registered by ``make dev-setup`` (``git config merge.po.driver``) for the paths that
``.gitattributes`` marks ``merge=po``. Called by git as ``po_merge.py %O %A %B``; writes
the result over %A and exits 0.
"""
from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def _read(path):
    with open(path, "rb") as fh:
        return read_po(fh, abort_invalid=False)


def _key(message):
    ident = message.id if isinstance(message.id, str) else message.id[0]
    return (message.context, ident)


def merge(base_path: str, ours_path: str, theirs_path: str) -> None:
    base, ours, theirs = _read(base_path), _read(ours_path), _read(theirs_path)
    base_map = {_key(m): m for m in base if m.id}
    ours_map = {_key(m): m for m in ours if m.id}
    theirs_map = {_key(m): m for m in theirs if m.id}

    def same(a, b):
        return a is not None and b is not None and a.string == b.string and a.fuzzy == b.fuzzy

    for key, message in theirs_map.items():
        mine = ours_map.get(key)
        old = base_map.get(key)
        if mine is None:
            if old is None or not same(old, message):
                ours[message.id] = message  # added there (or changed there, deleted here: keep it)
        elif same(mine, old) and not same(message, old):
            ours.delete(mine.id, context=mine.context)
            ours[message.id] = message
    for key, mine in list(ours_map.items()):
        old = base_map.get(key)
        if key not in theirs_map and old is not None and same(mine, old):
            ours.delete(mine.id, context=mine.context)  # removed there, untouched here
    ours.obsolete.clear()
    with open(ours_path, "wb") as fh:
        write_po(fh, ours, sort_output=True, omit_header=False, no_location=True, width=100)


if __name__ == "__main__":
    merge(*sys.argv[1:4])
