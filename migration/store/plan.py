"""Planning an import in pandas: what each row does to the store, decided for all rows at once.

Pure functions (no database): the engine (``importer.py``) looks things up in the
store, hands the answers in, and turns the plan into set-based SQL (``apply.py``).

Vocabulary:
- a row's **kind**: individual, structure or relay (spec §4; for UPDATE, the stored kind);
- a row's **outcome**: ``insert``, ``update`` (maybe ``unchanged`` once applied),
  ``matched`` (an INSERT of a structure that §7 finds already there) or ``error``;
- the **stage**: one line per contact written (a relay row that creates its
  structure writes two: the relay, role ``self``, and the structure, role ``structure``),
  with NULL = keep and ``=`` = clear, already routed by kind.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..findings import concat_findings, empty_findings, findings_frame
from .codes import message_of, severity_of
from .models import AUTHORIZATION_CHANNELS, MEAN_TYPES, USE_BITS
from .store import MATCH_FIELDS, MATCH_SEPARATOR, Catalogue

CLEAR = "="
PERSON_FIELDS = ["TITLE", "LETTER_SALUTATION", "ADDR_SALUTATION", "FUNCTION", "REMARK", "FIRSTNAME", "LASTNAME",
                 "BIRTHDATE", "PREF_LANG"]
STRUCTURE_FIELDS = ["OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2", "STRUCT_TYPE", "COMMUNITY_TYPE", "NB_EMPLOYEES",
                    "WEB_SITE", "PREF_LANG", "REMARK"]
NEW_STRUCTURE_FIELDS = [f for f in STRUCTURE_FIELDS if f != "REMARK"]   # a relay row's remark is the relay's
CONTACT_FIELDS = list(dict.fromkeys(PERSON_FIELDS + STRUCTURE_FIELDS))
ADDRESS_FIELDS = ["LINE1", "LINE2", "LINE3", "ZIPCODE", "TOWN", "TOWN_COMPLEMENT", "DEPARTMENT", "COUNTRY"]
MEAN_COLUMNS = list(MEAN_TYPES)
AUTH_COLUMNS = list(AUTHORIZATION_CHANNELS)
CODEVALUE_COLUMNS = ["ADMIN_NUMBER"] + [f"CRIT{i:02d}" for i in range(1, 51)]
FIELDS_OF_KIND = {"individual": PERSON_FIELDS, "relay": PERSON_FIELDS, "structure": STRUCTURE_FIELDS}


def db(code: str) -> str:
    """Stage/table column name of a file column."""
    return code.lower()


def mean_col(code: str) -> str:
    """The contact column (and stage column) of a communication mean."""
    return code.lower()


def auth_col(code: str) -> str:
    """The contact column (and stage column) of a consent channel."""
    return "consent_" + code.lower()


# --- whole-file steps --------------------------------------------------------------------------
def resolve_config_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Apply CONFIG rows (spec §3.2) and drop them: returns (data rows, number of CONFIG rows).

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


# --- per-round steps ---------------------------------------------------------------------------
@dataclass
class Keys:
    """What the engine must look up for a round of rows."""

    op: pd.Series            # INSERT | UPDATE | other
    kind: pd.Series          # INSERT rows: individual | structure | relay | "" (no name)
    contact_nr: pd.Series
    match_key: pd.Series     # rows with OFFICIAL_NAME: the §7 key, else ""


def derive_keys(rows: pd.DataFrame) -> Keys:
    op = rows["OPERATION"].str.upper().replace("", "INSERT")
    person = _given(rows["FIRSTNAME"]) | _given(rows["LASTNAME"])
    structure = _given(rows["OFFICIAL_NAME"])
    kind = pd.Series(np.select([person & structure, structure, person], ["relay", "structure", "individual"], ""),
                     index=rows.index, dtype="str")
    return Keys(op=op, kind=kind, contact_nr=rows["CONTACT_NR"], match_key=match_keys(rows).where(structure, ""))


def match_keys(rows: pd.DataFrame) -> pd.Series:
    """The §7 structure identity: the 10 fields exactly as given, joined (no normalisation, Q13)."""
    key = rows[MATCH_FIELDS[0]].astype("str")
    for f in MATCH_FIELDS[1:]:
        key = key + MATCH_SEPARATOR + rows[f].astype("str")
    return key


def isin(values, allowed) -> np.ndarray:
    """Fast membership for string data (pandas' Arrow ``isin`` builds one scalar per allowed value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    allowed = pa.array(np.asarray(list(allowed) if not isinstance(allowed, (pd.Index, pd.Series, np.ndarray)) else allowed,
                                  dtype=object), type=pa.large_string(), from_pandas=True)
    return pc.is_in(arr, value_set=allowed).to_numpy(zero_copy_only=False).astype(bool)


def _given(s: pd.Series) -> pd.Series:
    return (s != "") & (s != CLEAR)


@dataclass
class Lookups:
    """The store's answers for one round (frames indexed by the looked-up key)."""

    contacts: pd.DataFrame     # index contact_nr; columns id, kind, status, structure_id
    structures: pd.DataFrame   # index match_key; columns id, contact_nr (structures not anonymized)


@dataclass
class Decision:
    outcome: pd.Series                 # insert | update | matched | error
    kind: pd.Series                    # the contact kind the row writes
    target_id: pd.Series               # Int64: existing contact (update / matched)
    structure_id: pd.Series            # Int64: relay's structure when it exists already
    new_structure: pd.Series           # bool: this row creates its relay's structure
    first_creator: pd.Series           # bool: first row of the round with a new structure key
    criteria: pd.DataFrame             # row, target (self|structure), criterion_id, element_id (NA = clear)
    admin: pd.DataFrame                # row, target, code, number ("=" = clear)
    errors: pd.DataFrame               # findings (error)
    warnings: pd.DataFrame             # findings (warning)


class _Errors:
    """First error per row wins (rows keep one place in the log)."""

    def __init__(self, rows: pd.DataFrame):
        self.rows = rows
        self.code = pd.Series("", index=rows.index, dtype="str")
        self.column = pd.Series("", index=rows.index, dtype="str")
        self.value = pd.Series("", index=rows.index, dtype="str")

    def add(self, mask: pd.Series, code: str, column: str, value: pd.Series | str = "") -> None:
        mask = mask.reindex(self.rows.index, fill_value=False) & (self.code == "")
        if not mask.any():
            return
        self.code = self.code.mask(mask, code)
        col = column if isinstance(column, pd.Series) else pd.Series(column, index=self.rows.index, dtype="str")
        self.column = self.column.mask(mask, col.reindex(self.rows.index, fill_value="").astype("str"))
        v = value if isinstance(value, pd.Series) else pd.Series(value, index=self.rows.index, dtype="str")
        self.value = self.value.mask(mask, v.reindex(self.rows.index, fill_value="").astype("str"))

    @property
    def failed(self) -> pd.Series:
        return self.code != ""

    def findings(self) -> pd.DataFrame:
        parts = []
        for code in self.code[self.failed].unique():
            m = self.code == code
            refs = pd.Series(self.rows.index[m], index=self.rows.index[m], dtype="str")
            part = findings_frame(refs, self.rows["CONTACT_NR"][m], "", code, severity_of(code), message_of(code), self.value[m])
            part["column"] = self.column[m].to_numpy()
            parts.append(part)
        return concat_findings(parts)


def _warnings(rows: pd.DataFrame, mask: pd.Series, code: str, column: str, value: pd.Series) -> pd.DataFrame:
    if not mask.any():
        return empty_findings()
    refs = pd.Series(rows.index[mask], index=rows.index[mask], dtype="str")
    return findings_frame(refs, rows["CONTACT_NR"][mask], column, code, severity_of(code), message_of(code), value[mask])


def decide_rows(rows: pd.DataFrame, keys: Keys, found: Lookups, cat: Catalogue, *, taken_numbers: pd.Series) -> Decision:
    """Decide every row's outcome, target and the criteria/admin numbers it sets.

    ``taken_numbers``: bool per row, True when an INSERT's CONTACT_NR is already used
    (in the store or by an earlier row of this import).
    """
    idx = rows.index
    err = _Errors(rows)
    warnings: list[pd.DataFrame] = []
    op = keys.op
    is_insert, is_update = op == "INSERT", op == "UPDATE"
    err.add(~(is_insert | is_update), "IMPORT_UNKNOWN_OPERATION", "OPERATION", rows["OPERATION"])

    inst = rows["INSTITUTION"].map(pd.Series(cat.institutions, dtype="Int64"))
    err.add(inst.isna(), "IMPORT_UNKNOWN_INSTITUTION", "INSTITUTION", rows["INSTITUTION"])

    # UPDATE: the stored contact
    nr = keys.contact_nr
    stored = found.contacts.reindex(nr.where(nr != "", "\x00").to_numpy())
    stored.index = idx
    err.add(is_update & (nr == ""), "IMPORT_CONTACT_NR_MISSING", "CONTACT_NR")
    err.add(is_update & stored["id"].isna(), "IMPORT_CONTACT_NOT_FOUND", "CONTACT_NR", nr)
    err.add(is_update & (stored["status"] == "anonymized"), "IMPORT_CONTACT_ANONYMIZED", "CONTACT_NR", nr)
    kind = keys.kind.where(is_insert, stored["kind"].fillna("").astype("str"))

    # INSERT: name rule and numbers
    err.add(is_insert & (kind == ""), "IMPORT_NO_NAME", "LASTNAME")
    err.add(is_insert & taken_numbers & (nr != ""), "IMPORT_CONTACT_NR_TAKEN", "CONTACT_NR", nr)

    # §7: structures already in the store, or first seen in this round
    has_key = keys.match_key != ""
    existing = found.structures["id"].reindex(keys.match_key.where(has_key, "\x00").to_numpy())
    existing.index = idx
    struct_insert = is_insert & kind.isin(["structure", "relay"]) & has_key
    matched = struct_insert & (kind == "structure") & existing.notna()
    matched_nr = found.structures["contact_nr"].reindex(keys.match_key.where(has_key, "\x00").to_numpy())
    matched_nr = pd.Series(matched_nr.to_numpy(), index=idx).fillna("").astype("str")
    err.add(matched & (nr != "") & (matched_nr != nr), "IMPORT_STRUCTURE_NR_CONFLICT", "CONTACT_NR", nr)
    relay_update = is_update & (kind == "relay") & has_key
    err.add(relay_update & existing.isna(), "IMPORT_STRUCTURE_MISSING", "OFFICIAL_NAME", rows["OFFICIAL_NAME"])

    # codes the environment must know (only where they apply)
    structural = kind.isin(["structure", "relay"])
    for col, known, code in (("STRUCT_TYPE", cat.structure_types, "IMPORT_UNKNOWN_STRUCT_TYPE"),
                             ("COMMUNITY_TYPE", cat.community_types, "IMPORT_UNKNOWN_COMMUNITY_TYPE")):
        v = rows[col]
        err.add(structural & _given(v) & ~v.isin(list(known)), code, col, v)

    criteria, crit_err, crit_warn = _parse_criteria(rows, kind, cat)
    for code, (mask, column, value) in crit_err.items():
        err.add(mask, code, column, value)
    warnings += crit_warn
    admin, adm_err, adm_warn = _parse_admin(rows, kind, is_insert, cat)
    for code, (mask, column, value) in adm_err.items():
        err.add(mask, code, column, value)
    warnings += adm_warn
    warnings.append(_not_applicable(rows, kind, is_insert))

    failed = err.failed
    ok = ~failed
    # a structure new in this round is created by the first row with its key; later rows share it
    creators = ok & is_insert & kind.isin(["structure", "relay"]) & has_key & existing.isna()
    first = creators & ~keys.match_key.where(creators).duplicated(keep="first")
    matched = ok & (matched | (creators & ~first & (kind == "structure")))
    outcome = pd.Series(np.select([failed, matched, is_insert, is_update], ["error", "matched", "insert", "update"], "error"),
                        index=idx, dtype="str")
    target_id = stored["id"].astype("Int64").where(is_update, existing.astype("Int64").where(matched))
    structure_id = existing.astype("Int64").where((is_insert & (kind == "relay")) | relay_update)
    criteria = criteria[~failed.reindex(criteria["row"]).to_numpy()] if len(criteria) else criteria
    admin = admin[~failed.reindex(admin["row"]).to_numpy()] if len(admin) else admin
    return Decision(outcome=outcome, kind=kind, target_id=target_id, structure_id=structure_id,
                    new_structure=first & (kind == "relay"), first_creator=first, criteria=criteria, admin=admin,
                    errors=err.findings(),
                    warnings=concat_findings([w[isin(w["source_ref"], idx[ok])] for w in warnings]))


def resolve_round_structures(keys: Keys, d: Decision, self_ids: pd.Series, structure_ids: pd.Series) -> None:
    """Point later rows of a round at the structure its first row creates (in place)."""
    first = d.first_creator
    if not first.any():
        return
    created = self_ids.reindex(first.index).where(d.kind == "structure", structure_ids.reindex(first.index))
    by_key = pd.Series(created[first].astype("Int64").to_numpy(), index=keys.match_key[first].to_numpy())
    via_key = keys.match_key.map(by_key).astype("Int64")
    in_round_match = (d.outcome == "matched") & d.target_id.isna()
    d.target_id = d.target_id.mask(in_round_match, via_key)
    relay_join = (d.outcome == "insert") & (d.kind == "relay") & ~d.new_structure & d.structure_id.isna()
    d.structure_id = d.structure_id.mask(relay_join, via_key)


def _not_applicable(rows: pd.DataFrame, kind: pd.Series, is_insert: pd.Series) -> pd.DataFrame:
    """Warnings for values given in columns that do not apply to the row's kind."""
    person_only = [c for c in PERSON_FIELDS if c not in STRUCTURE_FIELDS] + AUTH_COLUMNS
    structure_only = [c for c in STRUCTURE_FIELDS if c not in PERSON_FIELDS and c != "OFFICIAL_NAME"] + ["ADMIN_NUMBER"]
    is_structure, is_individual = (kind == "structure").to_numpy(), (kind == "individual").to_numpy()
    relay_update = ((kind == "relay") & ~is_insert).to_numpy()
    update = (~is_insert).to_numpy()
    masks = {}
    for col in person_only:  # FIRSTNAME/LASTNAME decide the kind on INSERT: only an UPDATE of a structure ignores them
        masks[col] = is_structure & (update if col in ("FIRSTNAME", "LASTNAME") else True)
    for col in structure_only:
        masks[col] = is_individual | relay_update
    masks["OFFICIAL_NAME"] = is_individual
    parts = []
    for col, applies_not in masks.items():
        if not applies_not.any():
            continue
        m = pd.Series(applies_not, index=rows.index) & _given(rows[col])
        if m.any():
            parts.append(_warnings(rows, m, "IMPORT_FIELD_NOT_APPLICABLE", col, rows[col]))
    return concat_findings(parts)


def _long_cells(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Non-empty cells of ``columns`` as a long frame: row (source_ref), column, cell."""
    parts = []
    for col in columns:
        if col not in rows.columns:
            continue
        s = rows[col]
        s = s[s != ""]
        if len(s):
            parts.append(pd.DataFrame({"row": s.index.astype("str"), "column": col, "cell": s.to_numpy()}))
    if not parts:
        return pd.DataFrame({"row": pd.Series([], dtype="str"), "column": pd.Series([], dtype="str"),
                             "cell": pd.Series([], dtype="str")})
    return pd.concat(parts, ignore_index=True).astype("str")


def _split_codevalue(cells: pd.DataFrame) -> pd.DataFrame:
    if not len(cells):
        return cells.assign(has_code=pd.Series([], dtype=bool), code=pd.Series([], dtype="str"),
                            value=pd.Series([], dtype="str"))
    has_code = cells["cell"].str.contains("=", regex=False) & (cells["cell"] != CLEAR)
    parts = cells["cell"].str.partition("=")
    out = cells.assign(has_code=has_code.to_numpy(), code=parts[0].where(has_code, ""), value=parts[2].where(has_code, ""))
    return out


def _mask_of(rows: pd.DataFrame, refs: pd.Series) -> pd.Series:
    return pd.Series(isin(rows.index, refs.unique()), index=rows.index)


def _first_value(rows: pd.DataFrame, long: pd.DataFrame, column: str) -> pd.Series:
    first = long.drop_duplicates("row").set_index("row")[column]
    return first.reindex(rows.index).fillna("").astype("str")


def _parse_criteria(rows: pd.DataFrame, kind: pd.Series, cat: Catalogue):
    """CRITnn cells → (row, target, criterion_id, element_id); element NA means 'clear this criterion'."""
    cells = _split_codevalue(_long_cells(rows, CODEVALUE_COLUMNS[1:]))
    errors: dict[str, tuple] = {}
    warnings = []
    empty = pd.DataFrame({"row": pd.Series([], dtype="str"), "target": pd.Series([], dtype="str"),
                          "criterion_id": pd.Series([], dtype="Int64"), "element_id": pd.Series([], dtype="Int64")})
    if not len(cells):
        return empty, errors, warnings
    bare = cells[~cells["has_code"]]
    if len(bare):
        refs = bare.drop_duplicates("row")
        m = _mask_of(rows, refs["row"])
        warnings.append(_warnings(rows, m, "IMPORT_NO_CONFIG_CODE", "", _first_value(rows, refs, "cell")))
    cells = cells[cells["has_code"]]
    cells = cells.merge(cat.criteria, left_on="code", right_on="criterion_code", how="left") if len(cat.criteria) else \
        cells.assign(criterion_id=pd.NA, contact_type="")
    unknown = cells[cells["criterion_id"].isna()]
    if len(unknown):
        errors["IMPORT_UNKNOWN_CRITERION"] = (_mask_of(rows, unknown["row"]), _first_value(rows, unknown, "column"),
                                              _first_value(rows, unknown, "code"))
    cells = cells[cells["criterion_id"].notna()]
    clear = cells["value"] == CLEAR
    values = _explode_values(cells[~clear])
    if len(cat.elements):  # (criterion, element) → id through one joined key: a hash lookup, no merge
        known = pd.Series(cat.elements["element_id"].to_numpy(),
                          index=(cat.elements["criterion_code"] + "\x1f" + cat.elements["element_code"]).to_numpy())
        key = values["code"] + "\x1f" + values["element_code"]
        values["element_id"] = pd.array(key.map(known), dtype="Int64")
    else:
        values = values.assign(element_id=pd.NA)
    bad = values[values["element_id"].isna()]
    if len(bad):
        shown = bad.assign(v=bad["code"] + "=" + bad["element_code"])
        errors["IMPORT_UNKNOWN_CRITERION_ELEMENT"] = (_mask_of(rows, bad["row"]), _first_value(rows, bad, "column"),
                                                      _first_value(rows, shown, "v"))
    values = values[values["element_id"].notna()]
    long = pd.concat([values[["row", "column", "criterion_id", "contact_type", "element_id"]],
                      cells[clear][["row", "column", "criterion_id", "contact_type"]].assign(element_id=pd.NA)],
                     ignore_index=True)
    # spec §4: the criterion's contact type decides who gets it
    row_kind = long["row"].map(kind).astype("str")
    ctype = long["contact_type"].astype("str")
    target = np.select(
        [row_kind.isin(["individual", "relay"]) & ctype.isin(["individual", "both"]),
         (row_kind == "structure") & ctype.isin(["structure", "both"]),
         (row_kind == "relay") & (ctype == "structure")],
        ["self", "self", "structure"], "")
    long["target"] = target
    misfit = long[long["target"] == ""]
    if len(misfit):
        m = _mask_of(rows, misfit["row"])
        warnings.append(_warnings(rows, m, "IMPORT_CRITERION_NOT_FOR_TYPE", "", _first_value(rows, misfit, "column")))
    long = long[long["target"] != ""]
    out = pd.DataFrame({"row": long["row"].astype("str").to_numpy(), "target": long["target"].astype("str").to_numpy(),
                        "criterion_id": pd.array(long["criterion_id"], dtype="Int64"),
                        "element_id": pd.array(long["element_id"], dtype="Int64")})
    return out, errors, warnings


def _explode_values(cells: pd.DataFrame) -> pd.DataFrame:
    """One line per ``v1|v2|…`` value, split in Arrow (no Python list per cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(cells):
        return cells.assign(element_code=pd.Series([], dtype="str"))
    lists = pc.split_pattern(pa.array(cells["value"].to_numpy(dtype=object), type=pa.large_string()), "|")
    parents = pc.list_parent_indices(lists).to_numpy()
    out = cells.iloc[parents].reset_index(drop=True)
    out["element_code"] = pd.Series(pd.arrays.ArrowStringArray(pc.list_flatten(lists)), dtype="str")
    return out


def _parse_admin(rows: pd.DataFrame, kind: pd.Series, is_insert: pd.Series, cat: Catalogue):
    """ADMIN_NUMBER → (row, target, code, number); number ``=`` clears that code."""
    cells = _split_codevalue(_long_cells(rows, ["ADMIN_NUMBER"]))
    errors: dict[str, tuple] = {}
    warnings = []
    empty = pd.DataFrame({c: pd.Series([], dtype="str") for c in ("row", "target", "code", "number")})
    if not len(cells):
        return empty, errors, warnings
    bare = cells[~cells["has_code"]]
    if len(bare):
        warnings.append(_warnings(rows, _mask_of(rows, bare["row"]), "IMPORT_NO_CONFIG_CODE", "ADMIN_NUMBER",
                                  _first_value(rows, bare, "cell")))
    cells = cells[cells["has_code"]]
    row_kind = cells["row"].map(kind).astype("str")
    row_insert = cells["row"].map(is_insert).fillna(False).astype(bool)
    target = np.select([row_kind == "structure", (row_kind == "relay") & row_insert], ["self", "structure"], "")
    cells = cells.assign(target=target)
    cells = cells[cells["target"] != ""]
    unknown = cells[~cells["code"].isin(list(cat.admin_number_types))]
    if len(unknown):
        errors["IMPORT_UNKNOWN_ADMIN_NUMBER_TYPE"] = (_mask_of(rows, unknown["row"]), "ADMIN_NUMBER",
                                                      _first_value(rows, unknown, "code"))
    cells = cells[cells["code"].isin(list(cat.admin_number_types))]
    return cells[["row", "target", "code"]].assign(number=cells["value"]).astype("str"), errors, warnings


# --- the stage -----------------------------------------------------------------------------------
@dataclass
class Stage:
    contacts: pd.DataFrame                  # one line per contact written
    criteria: pd.DataFrame                  # target_id, criterion_id, element_id (NA = clear)
    admin: pd.DataFrame                     # target_id, code, number
    row_targets: pd.DataFrame = field(default_factory=pd.DataFrame)  # row → self / structure ids


def use_bits(addr_types) -> np.ndarray:
    """ADDR_TYPE letters (a Series or an Arrow array) → the ``address.uses`` bit set (M 1, S 2, B 4)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = addr_types if isinstance(addr_types, (pa.Array, pa.ChunkedArray)) else \
        pa.array(addr_types.array, type=pa.large_string(), from_pandas=True)
    bits = np.zeros(len(arr), dtype=np.int64)
    for use, bit in USE_BITS.items():
        bits |= np.where(pc.fill_null(pc.match_substring(arr, use), False).to_numpy(zero_copy_only=False), bit, 0)
    return bits


_use_bits = use_bits


_DMY = r"^(?P<d>\d{2})[./-](?P<m>\d{2})[./-](?P<y>(?:19|20)\d{2})$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def parse_birthdates(s: pd.Series) -> pd.Series:
    """``dd.mm.yyyy`` / ``dd/mm/yyyy`` / ``dd-mm-yyyy`` → ISO ``yyyy-mm-dd`` (``=`` kept, invalid → NULL).

    The usual cell (two-digit day and month, a year of 1900-2099) is checked and turned
    around in Arrow; any other cell is parsed by pandas, once per distinct value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    given = _given(s)
    if not given.any():
        return s.where(s == CLEAR, "")
    arr = pa.array(s.fillna("").array, type=pa.large_string(), from_pandas=True)
    parts = pc.extract_regex(arr, _DMY)
    d, m, y = (pc.struct_field(parts, f) for f in ("d", "m", "y"))
    day, month, year = (pc.fill_null(pc.cast(x, pa.int64()), 0).to_numpy(zero_copy_only=False) for x in (d, m, y))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    fast = parts.is_valid().to_numpy(zero_copy_only=False) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    out = pc.if_else(pa.array(fast), pc.binary_join_element_wise(y, m, d, pa.scalar("-", pa.large_string())), "").to_numpy(zero_copy_only=False)
    rest = given.to_numpy(dtype=bool) & ~fast
    if rest.any():
        out = np.asarray(out, dtype=object)
        out[rest] = _parse_dates_slowly(s[rest]).to_numpy(dtype=object)
    result = pd.Series(out, index=s.index, dtype="str")
    return result.where(given, s.where(s == CLEAR, ""))


def _parse_dates_slowly(s: pd.Series) -> pd.Series:
    """pandas' parse of the cells the fast path leaves (each distinct cell once); invalid → ""."""
    codes, uniques = pd.factorize(s)
    u = pd.Series(uniques, dtype="str")
    norm = u.str.replace("/", ".", regex=False).str.replace("-", ".", regex=False)
    parsed = pd.to_datetime(norm, format="%d.%m.%Y", errors="coerce")
    iso = parsed.dt.strftime("%Y-%m-%d").fillna("").astype("str")
    return pd.Series(iso.to_numpy(dtype=object)[codes], index=s.index, dtype="str")


def build_stage(rows: pd.DataFrame, keys: Keys, d: Decision, *, self_ids: pd.Series, self_numbers: pd.Series,
                structure_ids: pd.Series, structure_numbers: pd.Series, institution_ids: pd.Series) -> Stage:
    """The stage frames for the rows whose outcome is insert or update.

    ``self_ids``/``self_numbers``: id and number of each INSERT row's own contact;
    ``structure_ids``/``structure_numbers``: id and number of the structures new relays create.
    """
    live = d.outcome.isin(["insert", "update"])
    r = rows[live]
    if not len(r):
        return Stage(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    ins = d.outcome[live] == "insert"
    kind = d.kind[live]
    target = d.target_id[live].where(~ins, self_ids.reindex(r.index).astype("Int64"))
    structure = d.structure_id[live].where(~d.new_structure[live], structure_ids.reindex(r.index).astype("Int64"))
    contact_nr = r["CONTACT_NR"].where(~ins | (r["CONTACT_NR"] != ""), self_numbers.reindex(r.index).fillna("").astype("str"))
    base = {
        "source_ref": r.index.astype("str"),
        "op": np.where(ins, "I", "U"),
        "role": "self",
        "kind": kind.to_numpy(),
        "target_id": pd.array(target, dtype="Int64"),
        "structure_id": pd.array(structure.where(kind == "relay"), dtype="Int64"),
        "contact_nr": contact_nr.to_numpy(),
        "institution_id": pd.array(institution_ids.reindex(r.index), dtype="Int64"),
        "organization": r["ORGANIZATION"].array,
        "match_key": keys.match_key[live].where(kind == "structure", "").array,
    }
    # only the columns the stage needs are touched (a SecuTix frame has 94), and only where a cell must change
    values = {col: r[col] for col in CONTACT_FIELDS + ADDRESS_FIELDS + MEAN_COLUMNS + AUTH_COLUMNS}
    values["BIRTHDATE"] = parse_birthdates(values["BIRTHDATE"])
    addr_types = r["ADDR_TYPE"].where(_given(r["ADDR_TYPE"]), "MSB")
    # INSERT: '=' clears nothing (spec §3); '||' appends to nothing
    ins_mask = ins.to_numpy()
    for col, v in values.items():
        clear = ins_mask & (v == CLEAR).to_numpy(dtype=bool)
        if clear.any():
            values[col] = v.mask(clear, "")
    remark = values["REMARK"]
    append = ins_mask & remark.str.startswith("||").to_numpy(dtype=bool)
    if append.any():
        values["REMARK"] = remark.mask(append, remark.str.slice(2))
    of_kind = {k: (kind == k).to_numpy(dtype=bool) for k in FIELDS_OF_KIND}  # one comparison per kind, not per field
    for col in CONTACT_FIELDS:
        applies = np.logical_or.reduce([of_kind[k] for k, fields in FIELDS_OF_KIND.items() if col in fields])
        v = values[col]
        base[db(col)] = v.array if applies.all() or not (~applies & (v != "").to_numpy(dtype=bool)).any() \
            else v.where(applies, "").array
    for col in ADDRESS_FIELDS:
        base[db(col)] = values[col].array
    base["addr_uses"] = _use_bits(addr_types)
    for col in MEAN_COLUMNS:
        base[mean_col(col)] = values[col].array
    person = of_kind["individual"] | of_kind["relay"]
    for col in AUTH_COLUMNS:
        v = values[col]
        base[auth_col(col)] = v.array if person.all() else v.where(person, "").array
    base = pd.DataFrame(base)

    # the structures new relay rows create: structure fields, language, address and means
    creates = d.new_structure[live].to_numpy(dtype=bool)
    extra = base[creates].copy()
    if len(extra):
        src = {col: v[creates] for col, v in values.items()}
        src_index = r.index[creates]
        extra["role"] = "structure"
        extra["kind"] = "structure"
        extra["target_id"] = pd.array(structure_ids.reindex(src_index), dtype="Int64")
        extra["structure_id"] = pd.array([pd.NA] * len(extra), dtype="Int64")
        extra["contact_nr"] = structure_numbers.reindex(src_index).astype("str").to_numpy()
        extra["match_key"] = keys.match_key[live][creates].array
        for col in CONTACT_FIELDS:
            extra[db(col)] = src[col].array if col in NEW_STRUCTURE_FIELDS else ""
        for col in AUTH_COLUMNS:
            extra[auth_col(col)] = ""
    contacts = pd.concat([base, extra], ignore_index=True) if len(extra) else base
    addr = contacts[[db(c) for c in ADDRESS_FIELDS]]
    contacts["has_address"] = (addr != "").any(axis=1).astype("int64")
    contacts["has_new_address"] = ((addr != "") & (addr != CLEAR)).any(axis=1).astype("int64")

    # a relay INSERT that joins an existing structure leaves it as it is (the first row wins)
    structure_target = structure.where(d.new_structure[live] | ~ins)
    row_targets = pd.DataFrame({"self": pd.array(target, dtype="Int64"),
                                "structure": pd.array(structure_target, dtype="Int64")}, index=r.index)
    crit = d.criteria
    if len(crit):
        crit = crit[isin(crit["row"], r.index)]
        tid = np.where(crit["target"] == "self", crit["row"].map(row_targets["self"]), crit["row"].map(row_targets["structure"]))
        crit = pd.DataFrame({"target_id": pd.array(tid, dtype="Int64"), "criterion_id": crit["criterion_id"].array,
                             "element_id": crit["element_id"].array})
        crit = crit[crit["target_id"].notna()].drop_duplicates(["target_id", "element_id", "criterion_id"])
    admin = d.admin
    if len(admin):
        admin = admin[isin(admin["row"], r.index)]
        tid = np.where(admin["target"] == "self", admin["row"].map(row_targets["self"]), admin["row"].map(row_targets["structure"]))
        admin = pd.DataFrame({"target_id": pd.array(tid, dtype="Int64"), "code": admin["code"].array,
                              "number": admin["number"].array})
        admin = admin[admin["target_id"].notna()]
    return Stage(contacts=contacts, criteria=crit, admin=admin, row_targets=row_targets)
