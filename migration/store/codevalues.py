"""CodeValue cells (``CODE=value``): CONFIG rows resolved over a file, criteria and admin numbers parsed.

A criterion cell ``CODE=e1|e2`` sets elements of criterion CODE (``CODE==`` clears it);
``ADMIN_NUMBER`` holds ``TYPE=number``. Parsing checks codes against the store's
catalogue and routes each line to the row's own contact or its structure.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..text_arrays import (all_empty, as_str, in_values, join_text, kept_index, large_text, nonempty, positions, scatter,
                           str_of, to_bool)
from .catalogue import Catalogue
from ..format.catalogue import CLEAR
from .columns import CODEVALUE_COLUMNS
from .round_findings import RoundErrors

TARGETS = ["", "self", "structure"]


def resolve_config_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Apply CONFIG rows (secutix-format §3.2) and drop them: returns (data rows, number of CONFIG rows).

    Per CodeValue column, the code a CONFIG row sets is carried forward to the next
    CONFIG row; a data cell holding only a value (or only ``=``) gets ``CODE=`` in front.
    """
    op = frame["OPERATION"].str.upper()
    is_config = op == "CONFIG"
    n_config = int(is_config.sum())
    if not n_config:
        return frame, 0
    frame = frame.copy()
    for col in [c for c in CODEVALUE_COLUMNS if c in frame.columns]:
        code = frame[col].where(is_config & (frame[col] != "")).ffill()
        cell = frame[col]
        bare = (~is_config) & code.notna() & (cell != "") & ((~cell.str.contains("=", regex=False)) | (cell == CLEAR))
        frame.loc[bare, col] = code[bare] + "=" + cell[bare]
    return frame[~is_config], n_config


def _cells(rows: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Non-empty cells of ``columns``, column after column: (number in ``columns``, row position, cell)."""
    numbers, places, cells = [], [], []
    for j, col in enumerate(columns):
        if col not in rows.columns:
            continue
        a = large_text(rows[col])
        if all_empty(a):
            continue
        pos = np.flatnonzero(nonempty(a))
        numbers.append(np.full(len(pos), j))
        places.append(pos)
        cells.append(a.take(pos))
    if not places:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), pa.array([], pa.large_string())
    return np.concatenate(numbers), np.concatenate(places), pa.concat_arrays(cells)


def _split_codevalue(cells: pa.Array) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """``CODE=value`` cells → (has a code, code, value); a cell without ``=``, or ``=`` alone, has neither ("")."""
    has_code = to_bool(pc.match_substring(cells, "=")) & to_bool(pc.not_equal(cells, CLEAR))
    # every cell split once at its first "=" (the others as "=", so each gives two parts)
    parts = pc.split_pattern(pc.if_else(pa.array(has_code), cells, CLEAR), "=", max_splits=1)
    return has_code, pc.list_element(parts, 0), pc.list_element(parts, 1)


def first_of(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (ascending) and where each first occurs (for row positions of cells in column
    order: each row and its first cell)."""
    return np.unique(keys, return_index=True)


def parse_criteria(rows: pd.DataFrame, kind: np.ndarray, cat: Catalogue, err: RoundErrors, warnings: list[tuple]):
    """CRITnn cells → ((row, target, criterion_id, element_id), row position of each line); element NA means
    'clear this criterion'. Errors go to ``err``, warnings to ``warnings``.

    A file's criteria cells take few distinct values: each distinct cell is parsed and looked
    up once, and its cells reach the result through integer codes.
    """
    columns = CODEVALUE_COLUMNS[1:]
    col, pos, cells = _cells(rows, columns)
    if not len(pos):
        return pd.DataFrame({"row": pd.Series([], dtype="str"), "target": pd.Series([], dtype="str"),
                             "criterion_id": pd.Series([], dtype="Int64"),
                             "element_id": pd.Series([], dtype="Int64")}), np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(cells)
    cell, distinct = encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary
    column_names = pa.array(columns, pa.large_string())

    # per distinct cell: code, criterion, clear, elements
    has_code, code, value = _split_codevalue(distinct)
    crit = np.where(has_code, positions(code, cat.criteria["criterion_code"]) if len(cat.criteria) else -1, -1)
    known = crit >= 0
    clear = known & to_bool(pc.equal(value, CLEAR))
    listed = np.flatnonzero(known & ~clear)
    lists = pc.split_pattern(value.take(listed), "|")
    parent = listed[pc.list_parent_indices(lists).to_numpy()]   # the distinct cell of each element
    element = pc.list_flatten(lists)
    if len(cat.elements):  # (criterion, element) → id through one joined key
        known_keys = cat.elements["criterion_code"] + "\x1f" + cat.elements["element_code"]
        at = positions(join_text([code.take(parent), element], "\x1f"), known_keys)
        element_ids = cat.elements["element_id"].to_numpy(dtype=np.int64)[np.maximum(at, 0)]
    else:
        at = np.full(len(element), -1)
        element_ids = np.zeros(len(element), dtype=np.int64)
    good = at >= 0
    n_good = np.bincount(parent[good], minlength=len(distinct))
    good_start = np.cumsum(n_good) - n_good            # elements are grouped by distinct cell, in order
    good_ids = element_ids[good]
    bad_parent, first_bad = first_of(parent[~good])
    bad_shown = scatter(len(distinct), bad_parent, join_text(
        [code.take(bad_parent), element.filter(pa.array(~good)).take(first_bad)], "="))
    has_bad = np.zeros(len(distinct), dtype=bool)
    has_bad[bad_parent] = True

    # per cell: warnings and errors show the row's first cell of the case (in column order)
    bare = ~has_code[cell]
    if bare.any():
        rows_at, first = first_of(pos[bare])
        warnings.append((rows_at, "IMPORT_NO_CONFIG_CODE", "", distinct.take(cell[bare][first])))
    for mask, code_, shown in ((has_code[cell] & ~known[cell], "IMPORT_UNKNOWN_CRITERION", code),
                               (has_bad[cell], "IMPORT_UNKNOWN_CRITERION_ELEMENT", bad_shown)):
        if mask.any():
            rows_at, first = first_of(pos[mask])
            err.add_at(rows_at, code_, column_names.take(col[mask][first]), shown.take(cell[mask][first]))

    # secutix-format §4: the criterion's contact type decides who gets it
    contact_type = np.full(len(distinct), -1)
    if len(cat.criteria):
        contact_type[known] = positions(large_text(cat.criteria["contact_type"].astype("str")),
                                         ["individual", "structure", "both"])[crit[known]]
    ct, rk = contact_type[cell], kind[pos]   # 0 individual, 1 structure, 2 both | 0 individual, 1 structure, 2 relay
    target = np.select([((rk == 0) | (rk == 2)) & ((ct == 0) | (ct == 2)), (rk == 1) & ((ct == 1) | (ct == 2)),
                        (rk == 2) & (ct == 1)], [1, 1, 2], 0)
    # the lines: each known element of each value cell, then each clearing cell
    values, clears = (known & ~clear)[cell] & (n_good[cell] > 0), clear[cell]
    misfit = np.concatenate([np.flatnonzero(values & (target == 0)), np.flatnonzero(clears & (target == 0))])
    if len(misfit):
        rows_at, first = first_of(pos[misfit])
        warnings.append((rows_at, "IMPORT_CRITERION_NOT_FOR_TYPE", "", column_names.take(col[misfit[first]])))
    value_cells = np.flatnonzero(values & (target > 0))
    count = n_good[cell[value_cells]]
    line_cell = np.repeat(value_cells, count)
    nth = np.arange(len(line_cell)) - np.repeat(np.cumsum(count) - count, count)
    clear_cells = np.flatnonzero(clears & (target > 0))
    lines = np.concatenate([line_cell, clear_cells])
    element_id = pd.arrays.IntegerArray(
        np.concatenate([good_ids[good_start[cell[line_cell]] + nth], np.zeros(len(clear_cells), dtype=np.int64)]),
        np.concatenate([np.zeros(len(line_cell), dtype=bool), np.ones(len(clear_cells), dtype=bool)]))
    line_rows = pos[lines]
    if len(lines):
        row, line_target = as_str(large_text(rows.index).take(line_rows)), str_of(TARGETS, target[lines])
    else:  # no lines: object columns, as building the frame from empty object arrays always gave
        row, line_target = np.array([], dtype=object), np.array([], dtype=object)
    out = pd.DataFrame({"row": row, "target": line_target,
                        "criterion_id": pd.array(cat.criteria["criterion_id"], dtype="Int64").take(crit[cell[lines]])
                        if len(lines) else pd.array([], dtype="Int64"),
                        "element_id": element_id})
    return out, line_rows


def parse_admin(rows: pd.DataFrame, kind: np.ndarray, is_insert: np.ndarray, cat: Catalogue, err: RoundErrors,
                 warnings: list[tuple]):
    """ADMIN_NUMBER → ((row, target, code, number), row position of each line); number ``=`` clears that code."""
    _, pos, cells = _cells(rows, ["ADMIN_NUMBER"])
    if not len(pos):
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in ("row", "target", "code", "number")}), pos
    has_code, code, number = _split_codevalue(cells)
    if not has_code.all():
        warnings.append((pos[~has_code], "IMPORT_NO_CONFIG_CODE", "ADMIN_NUMBER", cells.filter(pa.array(~has_code))))
    rk = kind[pos]   # a structure's own number; a relay INSERT's goes to its structure
    target = np.select([rk == 1, (rk == 2) & is_insert[pos]], [1, 2], 0)
    applies = has_code & (target > 0)
    known = in_values(code, cat.admin_number_types)
    unknown = applies & ~known
    if unknown.any():
        err.add_at(pos[unknown], "IMPORT_UNKNOWN_ADMIN_NUMBER_TYPE", "ADMIN_NUMBER", code.filter(pa.array(unknown)))
    keep = applies & known
    # each line keeps its cell's number among the non-empty cells, indexed as filtering a frame of the cells
    # by has_code, then target, then known gives it (pandas keeps a RangeIndex where it can)
    index = kept_index(pd.RangeIndex(len(pos)), has_code, (target > 0)[has_code], known[applies])
    at, keep_mask = pos[keep], pa.array(keep)
    out = pd.DataFrame({"row": as_str(large_text(rows.index).take(at)), "target": str_of(TARGETS, target[keep]),
                        "code": as_str(code.filter(keep_mask)), "number": as_str(number.filter(keep_mask))}, index=index)
    return out, at
