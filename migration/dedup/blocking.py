"""Candidate pairs: which records are compared at all, so that cost grows linearly.

Each blocking pass names a key (an integer code per record, ``-1`` = no key). Records are
sorted by (kind, key, tie-break) and every record is paired with the next ``window``
records that share its kind and key (sorted neighbourhood). A block no larger than
``window + 1`` yields all its pairs; a huge block (a placeholder e-mail shared by
thousands) yields at most ``window`` pairs per record instead of a square.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import forked
from .keys import combine, dob_name_keys, house_number, name_orders
from .records import EXISTING, INDIVIDUAL, STRUCTURE, Records

# Lower = stronger; a pair found by several passes keeps the strongest name.
RULE_PRIORITY = {"contact_nr": 0, "structure": 1, "email": 2, "phone": 3, "name_postcode": 4, "fuzzy": 5}
RULE_NAMES = {v: k for k, v in RULE_PRIORITY.items()}
# Pairs per keyed record a name or address pass may add in its blocks larger than SMALL_BLOCK
# (exact e-mail / phone / number passes have no budget: their blocks are households, the window
# alone caps a placeholder value). Half a pair: at 1M generated contacts 1.0 gave 20.6 M candidate
# pairs, 0.5 gives 14.8 M with the same blocking recall (0.9994); FEBRL's blocks never reach it.
FUZZY_BUDGET = 0.5
# A block of at most this many records always yields all its pairs, budget or not: one person and
# up to five copies (FEBRL's largest clusters). Larger blocks count against the budget.
SMALL_BLOCK = 6
# Neighbours per record in the alphabetical sorted-neighbourhood passes over the names.
SORTED_WINDOW = 4


@dataclass
class Pairs:
    """Candidate pairs ``left < right`` (record positions) and the strongest rule that found each."""

    left: np.ndarray
    right: np.ndarray
    rule: np.ndarray  # RULE_PRIORITY value
    # keyed records (summed over the passes) whose block was larger than the window: each was
    # compared with its nearest neighbours only — the cap, counted so that the log can say so
    capped: int = 0

    def __len__(self) -> int:
        return len(self.left)


def sorted_neighbour_pairs(key: np.ndarray, kind: np.ndarray, window: int, tiebreak: np.ndarray | None = None,
                           budget: float | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs of records with the same ``kind`` and ``key``, each with its next ``window`` neighbours.

    ``budget`` (pairs per keyed record) stops widening the window in the blocks larger than
    ``SMALL_BLOCK`` once they gave that many pairs: nearest neighbours (in tie-break order) come first,
    so a data set made of a few huge blocks costs ``budget × n`` comparisons, not ``window × n``.
    A block of at most ``SMALL_BLOCK`` records always yields all its pairs (that is where duplicates are).
    """
    rows = np.flatnonzero((key >= 0) & (kind > 0))
    if len(rows) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0
    k = key[rows] * 3 + kind[rows]
    tie = (tiebreak[rows] + 1) if tiebreak is not None else rows
    span = int(tie.max(initial=0)) + 1
    m = len(rows)
    if int(k.max(initial=0)) < (2**62) // span // m:
        # the position as the last digit: distinct values sorted (no argsort: ~8× faster) give the stable order
        order = np.sort((k * span + tie) * m + np.arange(m)) % m
    elif int(k.max(initial=0)) < (2**62) // span:   # one int64 sort key: argsort beats lexsort
        order = np.argsort(k * span + tie, kind="stable")
    else:
        order = np.lexsort((tie, k))
    sorted_rows, sorted_k = rows[order], k[order]
    block_sizes = np.diff(np.r_[0, np.flatnonzero(sorted_k[1:] != sorted_k[:-1]) + 1, len(sorted_k)])
    capped = int(block_sizes[block_sizes > window + 1].sum())
    in_big = np.repeat(block_sizes > min(window + 1, SMALL_BLOCK), block_sizes)
    # records after each sorted position in its block: step s pairs the positions with at least s
    # (the candidates shrink step by step instead of comparing every shifted position again)
    after = np.repeat(np.cumsum(block_sizes), block_sizes) - np.arange(m) - 1
    at = np.flatnonzero(after >= 1)
    lefts, rights = [], []
    limit = budget * len(rows) if budget is not None else float("inf")
    big_total = 0
    for step in range(1, window + 1):
        at = at[after[at] >= step]
        if big_total >= limit:      # the budget is spent: only the small blocks still widen
            at = at[~in_big[at]]
        if not len(at):
            break
        lefts.append(sorted_rows[at])
        rights.append(sorted_rows[at + step])
        big_total += int(np.count_nonzero(in_big[at]))
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64), capped
    return np.concatenate(lefts), np.concatenate(rights), capped


def multi_key_pairs(keys: np.ndarray, kind: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Like :func:`sorted_neighbour_pairs` for a record with several values (``keys`` is n × m)."""
    n, m = keys.shape
    flat = keys.T.reshape(-1)
    owner = np.tile(np.arange(n), m)
    left, right, capped = sorted_neighbour_pairs(flat, np.tile(kind, m), window, tiebreak=owner)
    left, right = owner[left], owner[right]
    keep = left != right
    return left[keep], right[keep], capped


def candidate_pairs(rec: Records, rules: list[str], window: int) -> Pairs:
    """Every pass of the enabled rules, united; pairs between two existing contacts are left out.

    The passes are independent: on a big input half of them run in a forked child meanwhile
    (:mod:`migration.forked`). Each side unites its own passes and only those pairs travel back;
    the two sides are then merged: the same pairs and rules as one process gives.
    """
    passes: list[tuple[int, Callable[[], tuple[np.ndarray, np.ndarray, int]]]] = []
    kind = rec.kind
    ind = np.where(kind == INDIVIDUAL, kind, 0)
    struct = np.where(kind == STRUCTURE, kind, 0)

    def add(rule: str, make: Callable[[], tuple[np.ndarray, np.ndarray, int]]) -> None:
        passes.append((RULE_PRIORITY[rule], make))

    if "contact_nr" in rules:
        add("contact_nr", lambda: sorted_neighbour_pairs(rec.contact_nr, kind, window))
    if "structure" in rules:
        add("structure", lambda: sorted_neighbour_pairs(rec.structure_key, struct, window))
    if "email" in rules:
        add("email", lambda: multi_key_pairs(rec.emails, kind, window))
    if "phone" in rules:
        add("phone", lambda: multi_key_pairs(rec.phones, kind, window))
    if "name_postcode" in rules:
        add("name_postcode", lambda: sorted_neighbour_pairs(combine(rec.fn, rec.ln, rec.zip), ind, window, rec.street,
                                                            budget=FUZZY_BUDGET))
    if "fuzzy" in rules:
        # First and last name in either order (swapped names), by sound, with the postcode or the
        # birth date (names alone make blocks as large as the most common name).
        low, high = np.minimum(rec.fn_ph, rec.ln_ph), np.maximum(rec.fn_ph, rec.ln_ph)
        names = np.where((rec.fn_ph >= 0) & (rec.ln_ph >= 0), combine(low, high), -1)
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(names, rec.zip), ind, window, rec.street, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(names, rec.dob), ind, window, None, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(names, ind, window, rec.zip, FUZZY_BUDGET))
        # Married name or a typo in the last name: first name + birth date.
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.fn_ph, rec.dob), ind, window, rec.ln, FUZZY_BUDGET))
        # Short or abbreviated first name: last name + birth date, last name + postcode.
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.ln_ph, rec.dob), ind, window, rec.fn, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.ln_ph, rec.zip, rec.fn_initial), ind, window, rec.fn,
                                                    FUZZY_BUDGET))
        # Same address, names mistyped; same postcode or town and one name by sound.
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.zip, rec.street), kind, window, rec.ln_ph, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.zip, rec.fn_ph), ind, window, rec.ln, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.town, rec.ln_ph), ind, window, rec.fn, FUZZY_BUDGET))
        # Names replaced or lost: birth date with postcode or town; house number with postcode or town.
        house = house_number(rec)
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.dob, rec.zip), ind, window, rec.ln, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.dob, rec.town), ind, window, rec.ln, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(house, rec.zip), ind, window, rec.ln_ph, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(house, rec.town), ind, window, rec.ln_ph, FUZZY_BUDGET))
        # Birth dates with a one-digit typo or day and month swapped, with a name key.
        for date_key in dob_name_keys(rec):     # each key made by the process that runs its pass
            add("fuzzy", lambda key=date_key: sorted_neighbour_pairs(key(), ind, window, rec.ln, FUZZY_BUDGET))
        # Sorted neighbourhood on the names themselves: typos the sound keys do not forgive.
        for order in name_orders(rec):
            add("fuzzy", lambda order=order: _window_pairs(order, ind, SORTED_WINDOW))
        # Structures: first word of the name + postcode; administrative number.
        add("fuzzy", lambda: sorted_neighbour_pairs(combine(rec.org_ph, rec.zip), struct, window, rec.street, FUZZY_BUDGET))
        add("fuzzy", lambda: sorted_neighbour_pairs(rec.admin, struct, window))
    makers = [make for _, make in passes]
    n, origin = len(rec), rec.origin

    if not _packable(n):
        raise ValueError(f"{n} records: too many to number their pairs in 64 bits")

    def united_keys(numbers) -> tuple[np.ndarray, int]:
        # each side unites its own passes (only their pairs travel back, once each), then the two are merged
        keys, capped = [], 0
        for i in numbers:
            left, right, pass_capped = makers[i]()
            keys.append((passes[i][0], _pair_keys(left, right, n, origin)))
            capped += pass_capped
            del left, right
        return _unite_passes(keys), capped

    # every other pass to the child: the heavy multi-key passes (e-mail, phone) land on both sides
    numbers = range(len(makers))
    sides = forked.run_jobs([lambda: united_keys(numbers[0::2]), lambda: united_keys(numbers[1::2])],
                            processes=None if n >= forked.PARALLEL_MIN_ROWS else 1)
    capped, keys = sum(c for _, c in sides), [k for k, _ in sides]
    del sides       # _merge_sides drops each side's keys once copied
    united = _pairs_of(_merge_sides(keys), n)
    united.capped = capped
    return united


def _window_pairs(order: np.ndarray, kind: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Each record with its next ``window`` records in ``order`` (no key equality: not a cap, nothing counted)."""
    left, right, _ = sorted_neighbour_pairs(np.where(order >= 0, 0, -1), kind, window, tiebreak=order)
    # records with the same names already meet in the name passes: keep the neighbours spelled otherwise
    other = order[left] != order[right]
    return left[other], right[other], 0


def _pair_keys(left: np.ndarray, right: np.ndarray, n: int, origin: np.ndarray) -> np.ndarray:
    """``min × n + max`` per pair, in the pass's order; self pairs and pairs of two existing contacts left out."""
    low, high = np.minimum(left, right).astype(np.int64), np.maximum(left, right).astype(np.int64)
    keep = (low != high) & ~((origin[low] == EXISTING) & (origin[high] == EXISTING))
    return low[keep] * n + high[keep]


# Bits of a pair's rule priority packed below its key when the passes are united; keys compared a slice at a time
_RULE_BITS = 3
_STEP = 1 << 22


def _packable(n: int) -> bool:
    """Whether the pairs of ``n`` records, packed with their rule, fit a positive int64."""
    return (n * n).bit_length() + _RULE_BITS <= 63


def _unite_passes(passes: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """The passes' pairs without repeats, each with its strongest rule (the smallest priority code), as
    sorted packed keys ``pair key << 3 | rule``.

    All the keys are packed and sorted at once as plain int64 values: equal pairs side by side, the
    strongest rule first. numpy sorts plain integers several times faster than it argsorts them or
    than a hash table holds millions of keys; the peak is the keys once, sorted in place. At 5M
    source rows, one such sort of every pass's keys took 2.7 s where keeping each pair's first
    occurrence in pass order (a sort of keys packed with their positions) took 4.6 s; each side
    sorting its own passes and a merge took blocking from 12.2 to 11.8 s (1M: 2.0 to 1.8 s).
    """
    every = np.empty(sum(len(keys) for _, keys in passes), dtype=np.int64)
    at = 0
    while passes:
        prio, keys = passes.pop(0)     # dropped as soon as copied
        part = every[at:at + len(keys)]
        np.left_shift(keys, _RULE_BITS, out=part)
        part |= prio
        at += len(keys)
        del keys
    every.sort()
    return _first_of_each_pair(every)


def _merge_sides(sides: list[np.ndarray]) -> np.ndarray:
    """Sorted packed keys of several sides as one: a stable sort of sorted runs is a merge (timsort)."""
    if len(sides) == 1:
        return sides[0]
    every = np.concatenate(sides)
    del sides[:]
    every.sort(kind="stable")
    return _first_of_each_pair(every)


def _first_of_each_pair(packed: np.ndarray) -> np.ndarray:
    """Of sorted packed keys, the first of each pair's run: the pair with its strongest rule."""
    first = np.empty(len(packed), dtype=bool)
    first[:1] = True
    for start in range(1, len(packed), _STEP):    # a slice at a time: no temporaries as long as the keys
        here = packed[start:start + _STEP] >> _RULE_BITS
        first[start:start + len(here)] = here != packed[start - 1:start - 1 + len(here)] >> _RULE_BITS
    return packed[first]


def _pairs_of(packed: np.ndarray, n: int) -> Pairs:
    """Pairs from unique sorted packed keys: in (left, right) order, each with its rule.

    Why (left, right) order: scoring gathers a dozen record fields at both ends of every pair. In pass
    order the ends are anywhere among the records, and at 3.5M records each gather misses the
    processor's cache; in this order the left ends walk the records forward. Measured on the 5M
    run's dedup input: the comparison levels 64.6 → 55.5 s, the SecuTix-rule test 3.7 → 1.5 s, the
    same merges.
    """
    rule = (packed & ((1 << _RULE_BITS) - 1)).astype(np.int8)
    pair_id = packed >> _RULE_BITS
    del packed
    return Pairs(pair_id // n, pair_id % n, rule)
