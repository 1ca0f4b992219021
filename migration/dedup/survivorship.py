"""Survivorship: the one record kept for each cluster and where each of its fields comes from.

Only rows of clusters with more than one row are looked at; the survivors' columns that
change are patched in place with Arrow's ``replace_with_mask``, so a million contacts with
a few hundred thousand duplicates cost the duplicates, not the million.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..rows import select_rows
from ..settings.dedup import FIELD_GROUPS, DedupSettings
from ..text_arrays import large_text

# Columns that say what to do with the row, not who the contact is: always the survivor's own.
_OWN_COLUMNS = ("INSTITUTION", "ORGANIZATION", "OPERATION", "CONTACT_NR")


def dataset_rank(refs: pd.Index, priority: list[str]) -> np.ndarray:
    """Rank of each row's dataset (``dataset:key``) in ``priority``; unlisted datasets come last."""
    if not priority:
        return np.zeros(len(refs), dtype=np.int64)
    datasets = pd.Series(refs.astype("str"), dtype="str").str.replace(r":.*$", "", regex=True)
    return datasets.map({name: i for i, name in enumerate(priority)}).fillna(len(priority)).astype(np.int64).to_numpy()


def filled_flags(contacts: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per column, whether each row is filled (Arrow compares: no string is materialised).

    Computed once per distinct array: the empty columns of a prepared frame share one.
    """
    done: dict[int, np.ndarray] = {}
    flags = {}
    for col in contacts.columns:
        values = contacts[col]
        array = values.array
        key = id(array.__arrow_array__()) if isinstance(array, pd.arrays.ArrowStringArray) else id(values)
        if key not in done:
            done[key] = (values != "").to_numpy() & values.notna().to_numpy()
        flags[col] = done[key]
    return flags


def completeness(filled: dict[str, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Filled columns per row of ``rows``."""
    total = np.zeros(len(rows), dtype=np.int64)
    for flags in filled.values():
        total += flags[rows]
    return total


def _multi(cluster: np.ndarray) -> np.ndarray:
    counts = np.bincount(cluster, minlength=int(cluster.max(initial=0)) + 1)
    return counts[cluster] > 1


def choose_survivors(contacts: pd.DataFrame, cluster: np.ndarray, settings: DedupSettings,
                     filled: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Per row, whether it is its cluster's survivor.

    Order: dataset in ``source_priority``, then a row that has a contact number, then the
    most complete, then the earliest row. Deterministic for the same input.
    """
    survivor = np.ones(len(contacts), dtype=bool)
    multi = np.flatnonzero(_multi(cluster))
    if not len(multi):
        return survivor
    filled = filled if filled is not None else filled_flags(contacts)
    has_nr = filled["CONTACT_NR"][multi] if "CONTACT_NR" in filled else np.zeros(len(multi), bool)
    order = np.lexsort((multi, -completeness(filled, multi), ~has_nr, dataset_rank(contacts.index[multi], settings.source_priority), cluster[multi]))
    sorted_cluster = cluster[multi][order]
    first = np.ones(len(multi), dtype=bool)
    first[1:] = sorted_cluster[1:] != sorted_cluster[:-1]
    survivor[multi] = False
    survivor[multi[order[first]]] = True
    return survivor


def merge_fields(contacts: pd.DataFrame, cluster: np.ndarray, survivor: np.ndarray, settings: DedupSettings,
                 recency: pd.Series | None = None, filled: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """The survivors (rows where ``survivor``), each field filled from its cluster by the field's strategy.

    A group (address, name, structure) is taken whole from one record: the first record, in
    the strategy's order, that has any of the group's columns filled. ``most_recent`` uses
    ``recency`` (timestamps, index source_ref) when given, else the later row of the extraction.
    """
    out = select_rows(contacts, survivor)   # a new frame (copy-on-write): patching it never touches contacts
    multi = _multi(cluster)
    if not multi.any():
        return out
    position = np.flatnonzero(multi)
    member_index = contacts.index[position]
    member_cluster = cluster[position]
    member_is_survivor = survivor[position]
    # the survivor's slot among the members, for each member's cluster
    slot_of_cluster = pd.Series(np.flatnonzero(member_is_survivor), index=member_cluster[member_is_survivor])
    target = slot_of_cluster.reindex(member_cluster).to_numpy()

    full = filled if filled is not None else filled_flags(contacts)
    filled = {col: flags[position] for col, flags in full.items()}
    complete = completeness(filled, np.arange(len(position)))
    if recency is not None:
        recent = pd.to_datetime(recency.reindex(member_index), errors="coerce", format="mixed")
        recent_key = recent.fillna(pd.Timestamp.min).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    else:
        recent_key = position   # later in the extraction = more recent
    orders = {
        "most_complete": np.lexsort((position, -complete, member_cluster)),
        "most_recent": np.lexsort((position, -recent_key, member_cluster)),
        "source_priority": np.lexsort((position, -complete, dataset_rank(member_index, settings.source_priority), member_cluster)),
    }
    picked_rows: dict[str, np.ndarray] = {}   # column → chosen member row per survivor slot (-1: keep own)
    for columns, strategy in _field_groups(list(contacts.columns), settings):
        columns = [c for c in columns if filled[c].any()]
        if not columns:
            continue
        any_filled = np.logical_or.reduce([filled[c] for c in columns])
        order = orders[strategy]
        picked = order[any_filled[order]]
        if not len(picked):
            continue
        # ``order`` sorts by cluster first, so each cluster's first record is where the cluster changes
        clusters = member_cluster[picked]
        first = np.ones(len(picked), dtype=bool)
        first[1:] = clusters[1:] != clusters[:-1]
        chosen = picked[first]
        source = np.full(len(position), -1, dtype=np.int64)
        source[target[chosen]] = chosen
        moved = (source >= 0) & (source != np.arange(len(position)))
        if moved.any():
            for col in columns:
                picked_rows[col] = np.where(moved, source, -1)
    if not picked_rows:
        return out

    # Patch the changed cells of the survivors, column by column, in Arrow (no Python strings).
    out_position = np.flatnonzero(survivor)
    for col, source in picked_rows.items():
        slots = np.flatnonzero(source >= 0)
        column = large_text(contacts[col])
        new = column.take(pa.array(position[source[slots]]))
        old = column.take(pa.array(position[slots]))
        changed = pc.fill_null(pc.not_equal(pc.fill_null(new, ""), pc.fill_null(old, "")), False).to_numpy(zero_copy_only=False)
        if not changed.any():
            continue
        rows = np.searchsorted(out_position, position[slots[changed]])
        mask = np.zeros(len(out), dtype=bool)
        mask[rows] = True
        # replace_with_mask takes the replacements in row order
        replacement = pc.fill_null(new.filter(pa.array(changed)), "").take(pa.array(np.argsort(rows, kind="stable")))
        current = large_text(out[col])
        patched = pc.replace_with_mask(current, pa.array(mask), replacement.cast(current.type))
        out[col] = pd.Series(pd.array(patched, dtype="str"), index=out.index)
    return out


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
