"""Which pairs of texts *may* reach a similarity threshold, from their letter counts alone.

Most candidate pairs compare two unrelated streets, towns or postcodes: rapidfuzz would score
each one only to find it far below the threshold. Two texts can share at most the letters
they both contain, and that caps both scores used here:

* Levenshtein distance ``≤ k`` needs lengths within ``k`` and all but ``k`` letters shared
  (each edit changes one letter: the letters kept are ``≥ max(|x|, |y|) − k``);
* Jaro–Winkler: Jaro ``≤ (c/|x| + c/|y| + 1) / 3`` with ``c`` the shared letters (the
  matching characters are shared letters), and Winkler's prefix adds at most
  ``0.4 × (1 − Jaro)``.

The counts are kept per bucket of code points (``ord % BUCKETS``): a bucket may hold two
letters, which can only raise the count of shared letters, so the cap stays a cap. Pairs under
it are certainly not close; the others are scored by rapidfuzz as before: same levels.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler, Levenshtein

BUCKETS = 32
_POOL_CHUNK = 100_000   # texts counted at once: the int64 bincount of a chunk stays ~25 MB
# rapidfuzz's scores are float32, compared in float32 (0.88 rounds down to 0.8799999952): the cap keeps
# a margin far above that rounding, so a pair whose float32 score reaches the bound is always scored
_MARGIN = 1e-6


def letter_counts(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per text: its letters counted per bucket (texts × BUCKETS) and its length in code points."""
    values = texts.to_numpy(dtype=object)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    counts = np.zeros((len(values), BUCKETS), dtype=np.uint8 if lengths.max(initial=0) < 256 else np.int64)
    for start in range(0, len(values), _POOL_CHUNK):
        part, size = values[start:start + _POOL_CHUNK], lengths[start:start + _POOL_CHUNK]
        letters = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32)
        owner = np.repeat(np.arange(len(part)), size)
        counts[start:start + len(part)] = np.bincount(owner * BUCKETS + letters % BUCKETS,
                                                      minlength=len(part) * BUCKETS).reshape(len(part), BUCKETS)
    return counts, lengths


def may_reach(counts: np.ndarray, lengths: np.ndarray, x: np.ndarray, y: np.ndarray, scorer, bound: float) -> np.ndarray:
    """Per pair of text codes ``x``, ``y``: False where ``scorer`` certainly misses ``bound``
    (Levenshtein distance above it, Jaro–Winkler similarity below it); True otherwise."""
    lx, ly = lengths[x], lengths[y]
    # np.take, not counts[x]: rows gathered ~7× faster
    shared = np.minimum(np.take(counts, x, axis=0), np.take(counts, y, axis=0)).sum(axis=1, dtype=np.int64)
    if scorer is Levenshtein.distance:
        return (np.abs(lx - ly) <= bound) & (shared >= np.maximum(lx, ly) - bound)
    if scorer is JaroWinkler.normalized_similarity:
        with np.errstate(divide="ignore", invalid="ignore"):
            jaro = np.where(shared > 0, (shared / lx + shared / ly + 1.0) / 3.0, 0.0)
        return (jaro + 0.4 * (1.0 - jaro) >= bound - _MARGIN) | (lx == 0) | (ly == 0)
    return np.ones(len(x), dtype=bool)     # no cap known for this scorer: every pair is scored
