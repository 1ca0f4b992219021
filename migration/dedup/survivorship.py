"""Survivorship: the one record kept for each cluster and where each of its fields comes from."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..settings.dedup import FIELD_GROUPS, DedupSettings

# Columns that say what to do with the row, not who the contact is: always the survivor's own.
_OWN_COLUMNS = ("INSTITUTION", "ORGANIZATION", "OPERATION", "CONTACT_NR")


def dataset_rank(refs: pd.Index, priority: list[str]) -> np.ndarray:
    """Rank of each row's dataset (``dataset:key``) in ``priority``; unlisted datasets come last."""
    datasets = pd.Series(refs.astype("str"), dtype="str").str.replace(r":.*$", "", regex=True)
    return datasets.map({name: i for i, name in enumerate(priority)}).fillna(len(priority)).astype(np.int64).to_numpy()


def completeness(frame: pd.DataFrame) -> np.ndarray:
    """Filled columns per row."""
    return (frame.fillna("") != "").sum(axis=1).to_numpy(dtype=np.int64)


def choose_survivors(contacts: pd.DataFrame, cluster: np.ndarray, settings: DedupSettings) -> np.ndarray:
    """Per row, whether it is its cluster's survivor.

    Order: dataset in ``source_priority``, then a row that has a contact number, then the
    most complete, then the earliest row. Deterministic for the same input.
    """
    n = len(contacts)
    has_nr = (contacts["CONTACT_NR"].fillna("") != "").to_numpy() if "CONTACT_NR" in contacts else np.zeros(n, bool)
    order = np.lexsort((np.arange(n), -completeness(contacts), ~has_nr, dataset_rank(contacts.index, settings.source_priority), cluster))
    first = np.ones(n, dtype=bool)
    sorted_cluster = cluster[order]
    first[1:] = sorted_cluster[1:] != sorted_cluster[:-1]
    survivor = np.zeros(n, dtype=bool)
    survivor[order[first]] = True
    return survivor


def merge_fields(contacts: pd.DataFrame, cluster: np.ndarray, survivor: np.ndarray, settings: DedupSettings,
                 recency: pd.Series | None = None) -> pd.DataFrame:
    """The survivors (rows where ``survivor``), each field filled from its cluster by the field's strategy.

    Only clusters with more than one row change anything. A group (address, name,
    structure) is taken whole from one record: the first record, in the strategy's order,
    that has any of the group's columns filled.
    """
    counts = np.bincount(cluster, minlength=int(cluster.max(initial=0)) + 1)
    multi = counts[cluster] > 1
    if not multi.any():
        return contacts[survivor].copy()
    members = contacts[multi]
    member_cluster = cluster[multi]
    member_is_survivor = survivor[multi]
    # the survivor's position among the members, for each member's cluster
    survivor_slot = pd.Series(np.flatnonzero(member_is_survivor), index=member_cluster[member_is_survivor])
    target = survivor_slot.loc[member_cluster].to_numpy()

    position = np.flatnonzero(multi)
    complete = completeness(members)
    if recency is not None:
        recent = pd.to_datetime(recency.reindex(members.index), errors="coerce", format="mixed")
        recent_key = recent.fillna(pd.Timestamp.min).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    else:
        recent_key = position   # later in the extraction = more recent
    rank = dataset_rank(members.index, settings.source_priority)
    orders = {
        "most_complete": np.lexsort((position, -complete, member_cluster)),
        "most_recent": np.lexsort((position, -recent_key, member_cluster)),
        "source_priority": np.lexsort((position, -complete, rank, member_cluster)),
    }

    values = {col: members[col].fillna("").astype("str").to_numpy(dtype=object) for col in contacts.columns}
    merged = {col: arr.copy() for col, arr in values.items()}
    for columns, strategy in _field_groups(list(contacts.columns), settings):
        order = orders[strategy]
        filled = np.zeros(len(members), dtype=bool)
        for col in columns:
            filled |= values[col] != ""
        picked = order[filled[order]]
        if not len(picked):
            continue
        _, first = np.unique(member_cluster[picked], return_index=True)
        chosen = picked[first]
        slots = target[chosen]
        for col in columns:
            merged[col][slots] = values[col][chosen]
    touched = pd.DataFrame({col: pd.Series(arr[member_is_survivor], dtype="str") for col, arr in merged.items()})
    touched.index = members.index[member_is_survivor]
    # Survivors in input order: untouched singletons and the merged rows put back in place.
    untouched = contacts[survivor & ~multi]
    order_back = np.argsort(np.concatenate([np.flatnonzero(survivor & ~multi), position[member_is_survivor]]), kind="stable")
    return pd.concat([untouched, touched]).iloc[order_back].astype("str")


def _field_groups(columns: list[str], settings: DedupSettings) -> list[tuple[list[str], str]]:
    chosen = settings.survivorship.fields
    default = settings.survivorship.default
    grouped: set[str] = set()
    out: list[tuple[list[str], str]] = []
    for name, cols in FIELD_GROUPS.items():
        present = [c for c in cols if c in columns]
        if present:
            # a group follows its own setting, else the setting of its first column named, else the default
            strategy = chosen.get(name) or next((chosen[c] for c in present if c in chosen), default)
            out.append((present, strategy))
            grouped.update(present)
    for col in columns:
        if col not in grouped and col not in _OWN_COLUMNS:
            out.append(([col], chosen.get(col, default)))
    return out
