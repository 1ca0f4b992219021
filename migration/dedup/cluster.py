"""Clusters: records joined by merge edges (connected components), without scipy."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .households import GENERATION_YEARS, generation_apart


def connected_components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Label per record: the smallest record position of its component (singletons label themselves).

    Min-label propagation with pointer jumping; duplicate clusters are small, so it
    converges in a few vectorised sweeps over the edges.
    """
    label = np.arange(n, dtype=np.int64)
    if not len(left):
        return label
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    while True:
        low = np.minimum(label[left], label[right])
        before = label.copy()
        np.minimum.at(label, left, low)
        np.minimum.at(label, right, low)
        # pointer jumping: follow labels to their own labels until stable
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(before, label):
            return label


_NONE: frozenset[int] = frozenset()


def cluster_without_conflicts(n: int, left: np.ndarray, right: np.ndarray, strength: np.ndarray, forced: np.ndarray,
                              birth_date: np.ndarray, sex: np.ndarray,
                              apart_left: np.ndarray, apart_right: np.ndarray,
                              check_dates: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Clusters that never hold two records known to be different people.

    Merging is transitive: a copy without birth date matches both a father and his son of
    the same name, and would chain them together. A component is *conflicting* when it holds
    two birth dates (``yyyymmdd`` integers, 0 = unknown) a generation apart
    (:data:`.households.GENERATION_YEARS`; closer dates that differ are one person's typo or wrong
    entry), both sexes, or a pair a reviewer kept apart. Only those components are rebuilt, edge by edge from the strongest
    (SecuTix-rule edges first, never refused), refusing an edge that would join two
    conflicting groups.

    Returns ``(label, refused)``: the label per record and a mask of the refused edges.
    """
    label = connected_components(n, left, right)
    refused = np.zeros(len(left), dtype=bool)
    if not len(left):
        return label, refused
    if not check_dates:     # one person per address (a registry): two dates are two typos, not two persons
        birth_date = np.zeros_like(birth_date)
    bad = _conflicting_labels(label, birth_date, sex, apart_left, apart_right)
    if not len(bad):
        return label, refused
    in_bad = np.isin(label[left], bad)
    edges = np.flatnonzero(in_bad)
    edges = edges[np.lexsort((-strength[edges], ~forced[edges]))]
    apart: dict[int, set[int]] = {}
    for a, b in zip(apart_left.tolist(), apart_right.tolist()):
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)
    parent: dict[int, int] = {}
    groups: dict[int, tuple[set[int], set[int], set[int]]] = {}   # root -> (members, birth dates, sexes)

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def group(x: int):
        if x not in groups:
            y, s = int(birth_date[x]), int(sex[x])
            groups[x] = ({x}, {y} if y > 0 else set(), {s} if s in (1, 2) else set())
        return groups[x]

    for e in edges.tolist():
        ra, rb = root(int(left[e])), root(int(right[e]))
        if ra == rb:
            continue
        ma, ya, sa = group(ra)
        mb, yb, sb = group(rb)
        if len(ma) < len(mb):   # union by size, the smaller group into the larger one, in place:
            ra, rb, ma, mb, ya, yb, sa, sb = rb, ra, mb, ma, yb, ya, sb, sa   # n log n on skewed data, not n²
        # "kept apart" is symmetric: looking from the smaller group's members is enough
        clash = (ya and yb and not _dates_agree(ya, yb)) or (len(sa | sb) > 1) or (apart and any(apart.get(m, _NONE) & ma for m in mb))
        if clash and not forced[e]:
            refused[e] = True
            continue
        parent[rb] = ra
        ma |= mb
        ya |= yb
        sa |= sb
        del groups[rb]
    kept = ~refused
    return connected_components(n, left[kept], right[kept]), refused


def _dates_agree(one: set[int], other: set[int]) -> bool:
    """No date of one group is a generation away from a date of the other."""
    return not any(generation_apart(np.int64(a), np.int64(b)) for a in one for b in other)


def _conflicting_labels(label, birth_date, sex, apart_left, apart_right) -> np.ndarray:
    sizes = np.bincount(label, minlength=len(label))
    multi = np.flatnonzero(sizes[label] > 1)
    if not len(multi):
        return np.empty(0, np.int64)
    lab = label[multi]
    bad = set()
    years = birth_date[multi].astype(np.int64) // 10_000
    with_date = years > 0
    if with_date.any():     # the years of a component span a generation somewhere: look closer
        first = np.full(len(label), np.iinfo(np.int64).max)
        last = np.zeros(len(label), dtype=np.int64)
        np.minimum.at(first, lab[with_date], years[with_date])
        np.maximum.at(last, lab[with_date], years[with_date])
        bad.update(np.flatnonzero(last - np.minimum(first, last) >= GENERATION_YEARS[0]).tolist())
    s = sex[multi]
    male = np.bincount(lab[s == 1], minlength=len(label)) > 0
    female = np.bincount(lab[s == 2], minlength=len(label)) > 0
    bad.update(np.flatnonzero(male & female).tolist())
    if len(apart_left):
        same = label[apart_left] == label[apart_right]
        bad.update(label[apart_left][same].tolist())
    return np.array(sorted(bad), dtype=np.int64)


DOUBT_BITS = 4.0    # a dateless copy goes with one generation only when that side is this much stronger


def doubtful_pairs(left: np.ndarray, right: np.ndarray, bits: np.ndarray, candidate: np.ndarray,
                   birth_date: np.ndarray) -> np.ndarray:
    """Merge pairs to hand to a person: a record without birth date that matches records a
    generation apart (a father and his son of one name and address) about as strongly on both
    sides — its pairs with dated records, when no side is :data:`DOUBT_BITS` stronger.

    ``candidate``: the pairs that would merge; ``bits``: their weight; returns a mask over the pairs.
    """
    out = np.zeros(len(left), dtype=bool)
    idx = np.flatnonzero(candidate & ((birth_date[left] == 0) != (birth_date[right] == 0)))
    if not len(idx):
        return out
    no_date = birth_date[left[idx]] == 0
    frame = pd.DataFrame({"record": np.where(no_date, left[idx], right[idx]),
                          "year": birth_date[np.where(no_date, right[idx], left[idx])] // 10_000,
                          "bits": bits[idx], "pair": idx})
    frame = frame.sort_values(["record", "bits"], ascending=[True, False], kind="stable")
    best = frame.groupby("record", sort=False)[["year", "bits"]].transform("first")
    other = (frame["year"] - best["year"]).abs() >= GENERATION_YEARS[0]     # the other generation's pairs
    rival = frame["bits"].where(other).groupby(frame["record"], sort=False).transform("max")
    doubtful = (best["bits"] - rival < DOUBT_BITS).groupby(frame["record"], sort=False).transform("any")
    out[frame["pair"].to_numpy()[doubtful.to_numpy()]] = True
    return out

