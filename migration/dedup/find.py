"""``find_duplicates``: the matching run, from a SecuTix frame to survivors, merges and review pairs."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..errors import InputError
from ..text_arrays import text_index_unique
from ..settings.dedup import DedupSettings
from .blocking import RULE_PRIORITY, Pairs, candidate_pairs
from .cluster import cluster_without_conflicts, doubtful_pairs
from .compare import score_pairs
from .decisions import IDENTITY_COLUMNS, KEEP_APART, MERGE, ReviewDecisions
from .evidence import pair_evidence, review_order
from .records import EXISTING, Records, build_records
from .result import DUPLICATE_COLUMNS, REVIEW_COLUMNS, DedupResult
from .survivorship import choose_survivors, filled_flags, merge_fields

log = logging.getLogger(__name__)
REVIEW_RULE = "review"
CONFLICT_RULE = "conflict"
# A pair's rule as a code: the blocking rules' priorities, then a reviewer's merge, then a refused edge.
RULE_TEXT = np.array(sorted(RULE_PRIORITY, key=RULE_PRIORITY.get) + [REVIEW_RULE, CONFLICT_RULE], dtype=object)
REVIEW_CODE, CONFLICT_CODE = len(RULE_PRIORITY), len(RULE_PRIORITY) + 1


def find_duplicates(
    contacts: pd.DataFrame,
    settings: DedupSettings,
    *,
    existing: pd.DataFrame | None = None,
    decisions: ReviewDecisions | None = None,
    recency: pd.Series | None = None,
    country: str = "FR",
) -> DedupResult:
    """Find the duplicates among ``contacts`` and against ``existing``; merge them by survivorship.

    ``contacts``: a SecuTix frame (columns = format codes, ``str``, "" empty, index =
    source_ref). ``existing``: the target environment's contacts as a SecuTix frame indexed
    ``"<env>:<contact_nr>"``; a row matching one of them is merged into it (it is not
    inserted again). ``decisions``: earlier reviewers' decisions and identities (applied
    first: ``keep_apart`` beats every rule, ``merge`` joins a pair whatever its score).
    ``recency``: optional per-row timestamp (index source_ref) for the ``most_recent``
    survivorship; ``country``: the institution's country, for national phone numbers.

    Every input row ends either in ``survivors`` or in ``duplicates``, never both.
    Individuals and structures are matched separately and never merged together.
    """
    decisions = decisions or ReviewDecisions()
    _check_unique_refs(contacts, "contacts")
    if existing is not None:
        _check_unique_refs(existing, "existing contacts")
    if existing is not None and (not settings.match_existing or not len(existing)):
        existing = None
    if not settings.enabled or not len(contacts):
        return _nothing_merged(contacts, decisions)

    rec = build_records(contacts, existing, country)
    pairs = candidate_pairs(rec, list(settings.rules), settings.block_window)
    log.info("dedup: %d records, %d candidate pairs from blocking; %d keyed records over the passes were in blocks "
             "larger than the window (%d), compared with their nearest neighbours only",
             len(rec), len(pairs), pairs.capped, settings.block_window)
    scored = score_pairs(rec, pairs, settings.household_rules)
    log.info("dedup: contact rules applied to persons: %s", ", ".join(sorted(scored.rules)) or "none")
    score, forced, bits, model, rules_applied = scored.score, scored.forced, scored.bits, scored.model, scored.rules
    del scored
    # the rule as a small code per pair (names only for the pairs shown): 1 byte, not an object pointer
    rule = pairs.rule.copy()

    # Reviewers' decisions, matched on stable keys.
    decided_merge, decided_apart = _decided_pairs(rec, decisions)
    pair_id = pairs.left * len(rec) + pairs.right
    apart = np.isin(pair_id, decided_apart)
    decided = np.isin(pair_id, decided_merge)
    merge = ((forced | (score >= settings.auto_merge)) & ~apart) | decided
    if "generation" in rules_applied:    # a copy without birth date as like a parent as a child: to review
        merge &= ~doubtful_pairs(pairs.left, pairs.right, bits, merge & ~forced & ~decided, rec.dob_int)
    rule[decided & ~(forced | (score >= settings.auto_merge))] = REVIEW_CODE
    extra = np.setdiff1d(decided_merge, pair_id[merge])  # merge decisions blocking did not propose
    del pair_id
    merge_idx = np.flatnonzero(merge)
    edges = Pairs(np.concatenate([pairs.left[merge_idx], extra // len(rec)]),
                  np.concatenate([pairs.right[merge_idx], extra % len(rec)]),
                  np.zeros(len(merge_idx) + len(extra), dtype=np.int8))
    edge_rule = RULE_TEXT[np.concatenate([rule[merge_idx], np.full(len(extra), REVIEW_CODE, dtype=np.int8)])]
    edge_score = np.concatenate([score[merge_idx], np.ones(len(extra))])
    edge_forced = np.concatenate([forced[merge_idx] | decided[merge_idx], np.ones(len(extra), dtype=bool)])
    edge_bits = np.concatenate([bits[merge_idx], np.full(len(extra), 60.0)])
    del bits, forced, decided
    label, refused = cluster_without_conflicts(
        len(rec), edges.left, edges.right, edge_bits, edge_forced, rec.dob_int, rec.sex,
        decided_apart // len(rec), decided_apart % len(rec), check_dates="generation" in rules_applied)
    # An edge refused because it would chain two different people (a father and his son through
    # a copy without birth date): the copy stays with its strongest match; not sent to review
    # (measured: such pairs were wrong 4 times out of 5). Extra edges are no candidate pair.
    conflict = np.zeros(len(pairs), dtype=bool)
    conflict[merge_idx[refused[:len(merge_idx)]]] = True
    merge &= ~conflict
    rule[conflict] = CONFLICT_CODE
    edges = Pairs(edges.left[~refused], edges.right[~refused], edges.rule[~refused])
    edge_rule, edge_score = edge_rule[~refused], edge_score[~refused]
    n_new = len(contacts)
    new_label = label[:n_new]

    review_idx = np.flatnonzero((score >= settings.review) & ~conflict & ~merge & ~apart)
    review_idx = review_idx[label[pairs.left[review_idx]] != label[pairs.right[review_idx]]]
    review_idx = _best_pair_per_clusters(review_idx, score, label[pairs.left[review_idx]], label[pairs.right[review_idx]])
    # Reviewing order: pairs touching the same clusters together, groups by impact, then probability.
    cluster_size = np.bincount(label, minlength=len(rec))
    order, group, impact = review_order(label[pairs.left[review_idx]], label[pairs.right[review_idx]],
                                        score[review_idx], cluster_size)
    review_idx, group, impact = review_idx[order], group[order], impact[order]
    ra, rb = pairs.left[review_idx], pairs.right[review_idx]
    review_score, review_rule = score[review_idx], RULE_TEXT[rule[review_idx]]
    candidates, capped, kept_apart, conflicts = len(pairs), pairs.capped, int(apart.sum()), int(conflict.sum())
    del pairs, score, rule, merge, apart, conflict   # the candidate pairs are done with: free them before survivorship

    # Survivor: an existing contact of the cluster when there is one, else survivorship's choice.
    has_existing = np.zeros(len(rec), dtype=bool)
    if len(rec) > n_new:
        np.logical_or.at(has_existing, label[n_new:], True)
    existing_survivor = np.full(len(rec), -1, dtype=np.int64)
    if len(rec) > n_new:
        ex_pos = np.arange(n_new, len(rec))
        order = np.lexsort((ex_pos, label[n_new:]))
        lbl, first = np.unique(label[n_new:][order], return_index=True)
        existing_survivor[lbl] = ex_pos[order][first]
    into_existing = has_existing[new_label]
    filled = filled_flags(contacts)
    survivor = choose_survivors(contacts, new_label, settings, filled) & ~into_existing

    survivor_pos = np.full(len(rec), -1, dtype=np.int64)
    survivor_pos[new_label[survivor]] = np.flatnonzero(survivor)
    survivor_pos = np.where(existing_survivor >= 0, existing_survivor, survivor_pos)
    row_survivor = survivor_pos[new_label]
    merged_rows = np.flatnonzero(row_survivor != np.arange(n_new))

    duplicates = _duplicates_frame(rec, merged_rows, row_survivor, edges, edge_rule, edge_score)
    # Rows merged into an existing contact take no part in survivorship: give them lone labels.
    own_label = np.where(into_existing, n_new + np.arange(n_new), new_label)
    survivors = merge_fields(contacts, own_label, survivor, settings, recency, filled)

    review_pairs = pd.DataFrame({
        "left_ref": rec.refs[ra], "right_ref": rec.refs[rb], "left_key": rec.stable_key[ra], "right_key": rec.stable_key[rb],
        "score": np.round(review_score, 4), "rule": review_rule,
    }, columns=REVIEW_COLUMNS)
    review_pairs[["left_ref", "right_ref", "left_key", "right_key", "rule"]] = review_pairs[["left_ref", "right_ref", "left_key", "right_key", "rule"]].astype("str")
    why = pair_evidence(rec, model, ra, rb)
    why.insert(0, "records joined", impact)
    why.insert(0, "group", group)

    identities = _identities(rec, label, n_new, survivor_pos, decisions)
    new_decisions = decisions.with_identities(pd.DataFrame({"key": rec.stable_key[:n_new], "identity": identities.to_numpy()}, columns=IDENTITY_COLUMNS).astype("str"))
    counts = duplicates["rule"].value_counts().to_dict() if len(duplicates) else {}
    return DedupResult(
        survivors=survivors, duplicates=duplicates, review_pairs=review_pairs, identities=identities,
        decisions=new_decisions, candidate_pairs=candidates, records=n_new,
        clusters=int(np.count_nonzero(np.bincount(new_label))), kept_apart=kept_apart, conflicts=conflicts,
        counts_by_rule={str(k): int(v) for k, v in counts.items()}, review_evidence=why, capped=capped, rules=rules_applied,
    )


def _check_unique_refs(frame: pd.DataFrame, what: str) -> None:
    """Every row must be addressable by its reference (decisions, survivors and duplicates use it)."""
    if not text_index_unique(frame.index):
        ref = frame.index[frame.index.duplicated()][0]
        raise InputError(f"{what}: the same source_ref on more than one row (one row per reference is required)",
                         row=ref, column="source_ref")


def _best_pair_per_clusters(idx: np.ndarray, score: np.ndarray, la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    """Of the pairs ``idx`` (increasing; ``la``/``lb`` their clusters), one per two clusters, the
    best-scoring one, in increasing order: a reviewer decides once. A tie goes to the first pair:
    the pairs come in (left, right) order, so to the pair of the earliest records."""
    if len(idx) < 2:
        return idx
    low, high = np.minimum(la, lb), np.maximum(la, lb)
    order = np.lexsort((idx, -score[idx], high, low))
    first = np.ones(len(idx), dtype=bool)
    first[1:] = (low[order][1:] != low[order][:-1]) | (high[order][1:] != high[order][:-1])
    return np.sort(idx[order][first])


def _nothing_merged(contacts: pd.DataFrame, decisions: ReviewDecisions) -> DedupResult:
    rec_keys = _stable_keys(contacts)
    known = dict(zip(decisions.identities["key"], decisions.identities["identity"]))
    identities = pd.Series([known.get(k, k) for k in rec_keys], index=contacts.index, dtype="str", name="identity")
    return DedupResult(
        survivors=contacts.copy(), duplicates=pd.DataFrame({c: pd.Series([], dtype="str") for c in DUPLICATE_COLUMNS}),
        review_pairs=pd.DataFrame({c: pd.Series([], dtype="str") for c in REVIEW_COLUMNS}),
        identities=identities, decisions=decisions.with_identities(pd.DataFrame({"key": rec_keys, "identity": identities.to_numpy()}).astype("str")),
        records=len(contacts), clusters=len(contacts),
    )


def _stable_keys(contacts: pd.DataFrame) -> list[str]:
    numbers = contacts["CONTACT_NR"].fillna("").astype("str").str.strip() if "CONTACT_NR" in contacts else pd.Series([""] * len(contacts))
    return [f"nr:{n}" if n else f"ref:{r}" for n, r in zip(numbers, contacts.index.astype("str"))]


def _decided_pairs(rec: Records, decisions: ReviewDecisions) -> tuple[np.ndarray, np.ndarray]:
    """Pair ids (``left * n + right``) the decisions name, for merge and for keep_apart."""
    if not len(decisions.pairs):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    keys = pd.DataFrame({"key": rec.stable_key.astype(str), "pos": np.arange(len(rec))})
    found = (decisions.pairs.merge(keys.rename(columns={"key": "left_key", "pos": "a"}), on="left_key")
             .merge(keys.rename(columns={"key": "right_key", "pos": "b"}), on="right_key"))
    found = found[found["a"] != found["b"]]
    a, b = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
    both_existing = (rec.origin[a] == EXISTING) & (rec.origin[b] == EXISTING)
    ids = np.minimum(a, b) * len(rec) + np.maximum(a, b)
    ids, decision = ids[~both_existing], found["decision"].to_numpy()[~both_existing]
    return np.unique(ids[decision == MERGE]), np.unique(ids[decision == KEEP_APART])


def _duplicates_frame(rec: Records, merged_rows: np.ndarray, row_survivor: np.ndarray, edges: Pairs,
                      edge_rule: np.ndarray, edge_score: np.ndarray) -> pd.DataFrame:
    """One row per merged row; rule and score from its edge to the survivor, else its strongest edge."""
    if not len(merged_rows):
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in DUPLICATE_COLUMNS})
    both = pd.DataFrame({
        "row": np.concatenate([edges.left, edges.right]), "other": np.concatenate([edges.right, edges.left]),
        "rule": np.concatenate([edge_rule, edge_rule]), "score": np.concatenate([edge_score, edge_score]),
    })
    both = both[both["row"] < len(row_survivor)]
    both["to_survivor"] = both["other"].to_numpy() == row_survivor[both["row"].to_numpy()]
    best = (both.sort_values(["row", "to_survivor", "score"], ascending=[True, False, False], kind="stable")
            .drop_duplicates("row").set_index("row"))
    chosen = best.reindex(merged_rows)
    surv = row_survivor[merged_rows]
    return pd.DataFrame({
        "source_ref": rec.refs[merged_rows],
        "contact_nr": rec.contact_nr_text[merged_rows],
        "survivor_ref": rec.refs[surv],
        "survivor_contact_nr": rec.contact_nr_text[surv],
        "rule": chosen["rule"].fillna(REVIEW_RULE).to_numpy(),
        "score": np.round(chosen["score"].fillna(1.0).to_numpy(dtype=float), 4),
    }).astype({c: "str" for c in DUPLICATE_COLUMNS if c != "score"})


def _identities(rec: Records, label: np.ndarray, n_new: int, survivor_pos: np.ndarray, decisions: ReviewDecisions) -> pd.Series:
    """Migration identity per input row: the identity a cluster member already had, else the
    stable key of the cluster's earliest record (an existing contact's key first).

    ``label`` is the smallest record position of each cluster, i.e. its earliest new row.
    """
    keys = rec.stable_key
    lab = label[:n_new]
    base_of_label = lambda lbl: keys[np.where(survivor_pos[lbl] >= n_new, survivor_pos[lbl], lbl)]  # noqa: E731
    identity = base_of_label(lab).astype(object)
    if len(decisions.identities):
        known = pd.Series(decisions.identities["identity"].to_numpy(), index=decisions.identities["key"].to_numpy())
        known = known[~known.index.duplicated()]
        member_known = known.reindex(keys[:n_new]).to_numpy(dtype=object)
        has = pd.notna(member_known)
        if has.any():
            claimed = pd.Series(member_known[has]).groupby(lab[has]).min()
            # A keep-apart decision can split a cluster: only the part holding the record the
            # identity came from keeps it; the other part takes its own earliest key.
            clash = claimed.duplicated(keep=False)
            if clash.any():
                owner = pd.Series(lab, index=keys[:n_new])
                owner = owner[~owner.index.duplicated()]
                owner_label = owner.reindex(claimed.to_numpy()).to_numpy()
                lose = clash.to_numpy() & (owner_label != claimed.index.to_numpy())
                claimed[lose] = base_of_label(claimed.index.to_numpy()[lose])
                again = claimed.duplicated(keep="first")
                claimed[again] = claimed[again] + "~" + claimed.index[again].astype(str)
            with_claim = np.isin(lab, claimed.index.to_numpy())
            identity[with_claim] = claimed.reindex(lab[with_claim]).to_numpy()
    return pd.Series(identity, index=pd.Index(rec.refs[:n_new], name="source_ref"), dtype="str", name="identity")
