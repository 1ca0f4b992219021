"""Quality on the seeded labelled set, settings validation, and what the Prefect UI may show."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dedup_cases import labelled_module
from stx_migrate.migration.dedup import duplicates_artifact_rows, find_duplicates
from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.settings.base import validate_model
from stx_migrate.migration.settings.dedup import DedupSettings


@pytest.fixture(scope="module")
def labelled():
    contacts, truth = labelled_module().labelled_contacts(3000, seed=11)
    return contacts, truth, find_duplicates(contacts, DedupSettings())


def _same_pairs(labels: pd.Series) -> int:
    sizes = labels.value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def test_precision_and_recall_on_the_labelled_set(labelled):
    contacts, truth, result = labelled
    identity = truth["identity"]
    predicted = result.identities.reindex(contacts.index)
    true_pairs = _same_pairs(identity)
    found = _same_pairs(predicted)
    correct = _same_pairs(predicted + "|" + identity)
    review = result.review_pairs
    review_correct = int((identity.reindex(review["left_ref"]).to_numpy() == identity.reindex(review["right_ref"]).to_numpy()).sum())
    assert correct / found >= 0.99                                   # auto-merges
    assert correct / true_pairs >= 0.90
    assert (correct + review_correct) / (found + len(review)) >= 0.98  # auto-merge + review (the review band holds households)
    assert (correct + review_correct) / true_pairs >= 0.95


def test_every_planted_kind_is_found_and_no_trap_is_merged(labelled):
    contacts, truth, result = labelled
    frame = truth.assign(predicted=result.identities.reindex(contacts.index))
    frame["copies"] = frame.groupby("identity")["identity"].transform("size")
    frame["together"] = frame.groupby(["identity", "predicted"])["identity"].transform("size")
    copies = frame[frame["copies"] > 1]
    found = (copies["together"] > 1).groupby(copies["planted"]).mean()
    planted = labelled_module().DUPLICATE_KINDS
    assert set(planted) <= set(found.index)
    assert found.reindex(planted).min() >= 0.8, found
    mixed = frame.groupby("predicted")["identity"].transform("nunique") > 1
    traps = frame[frame["planted"].isin(labelled_module().TRAP_KINDS)]
    assert mixed[traps.index].mean() <= 0.01


def test_artifact_rows_carry_references_and_counts_only(labelled):
    contacts, _, result = labelled
    rows = duplicates_artifact_rows(result, sample=10)
    counts = {r["rule"]: r["rows"] for r in rows if r["kind"] == "count"}
    assert sum(v for k, v in counts.items() if k not in ("to_review", "candidate_pairs")) == result.auto_merged
    assert counts["candidate_pairs"] == result.candidate_pairs
    text = repr(rows)
    sample = contacts.head(200)
    for column in ("FIRSTNAME", "LASTNAME", "EMAIL1", "CELLPHONE"):
        assert not any(v and v in text for v in sample[column].tolist() if len(v) > 3)
    assert any(r["kind"] == "merged" and r["source_ref"].startswith("gen:") for r in rows)


def test_candidate_pairs_grow_about_linearly(labelled):
    small, _ = labelled_module().labelled_contacts(750, seed=11)
    contacts, _, result = labelled
    per_row_small = find_duplicates(small, DedupSettings()).candidate_pairs / len(small)
    per_row = result.candidate_pairs / len(contacts)
    assert per_row < 3 * per_row_small


def test_settings_refuse_unknown_keys_and_bad_thresholds():
    with pytest.raises(ConfigError, match="project.yaml › dedup › colour: unknown key"):
        validate_model(DedupSettings, {"colour": "red"}, "project.yaml › dedup")
    with pytest.raises(ConfigError, match=r"review \(0.95\) must not be above auto_merge"):
        validate_model(DedupSettings, {"auto_merge": 0.9, "review": 0.95}, "project.yaml › dedup")
    with pytest.raises(ConfigError, match="unknown field NICKNAME"):
        validate_model(DedupSettings, {"survivorship": {"fields": {"NICKNAME": "most_recent"}}}, "p")
    with pytest.raises(ConfigError, match="rules"):
        validate_model(DedupSettings, {"rules": ["soundex"]}, "p")
    ok = validate_model(DedupSettings, {"survivorship": {"fields": {"address": "most_recent", "EMAIL1": "source_priority"}}}, "p")
    assert ok.survivorship.fields["address"] == "most_recent" and np.isclose(ok.auto_merge, 0.7)
