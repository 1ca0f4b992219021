"""recordlinkage 0.16 on a peer frame, run inside its own virtualenv (bench/.venv-peers).

recordlinkage 0.16 declares ``pandas<3`` and the project runs on pandas 3, so it cannot share
the project's environment: bench/dedup_peers.py builds the side environment on first use and
calls this script there as a subprocess. It imports nothing from the project.

    bench/.venv-peers/bin/python bench/dedup_rl_worker.py FRAME.csv PAIRS.csv

FRAME.csv: the columns of ``dedup_peers.peer_frame`` (empty = missing); PAIRS.csv: ``left,
right, score`` (the sum of the six comparisons, 0–6) of the pairs of the four blocks, set up as
recordlinkage's own FEBRL deduplication example: the same four blocks united, Jaro–Winkler
≥ 0.85 on both names, exact birth date, suburb and state, Levenshtein ≥ 0.85 on the street.
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import recordlinkage


def recordlinkage_pairs(data: pd.DataFrame) -> pd.DataFrame:
    index = None
    for column in ("given_name", "surname", "date_of_birth", "postcode"):
        found = recordlinkage.Index()
        found.block(column)
        pairs = found.index(data)
        index = pairs if index is None else index.union(pairs)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("suburb", "suburb")
    compare.exact("state", "state")
    compare.string("address_1", "address_1", threshold=0.85)
    features = compare.compute(index, data)
    left, right = features.index.get_level_values(0), features.index.get_level_values(1)
    return pd.DataFrame({"left": np.asarray(left), "right": np.asarray(right), "score": features.sum(axis=1).to_numpy()})


if __name__ == "__main__":
    frame = pd.read_csv(sys.argv[1], dtype=str).set_index("unique_id")    # empty cells read as missing
    recordlinkage_pairs(frame).to_csv(sys.argv[2], index=False)
