"""Clusters: records joined by merge edges (connected components), without scipy."""
from __future__ import annotations

import numpy as np


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
