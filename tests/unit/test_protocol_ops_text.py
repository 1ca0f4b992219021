"""Text operations of the protocol, each called directly on whole columns."""
from __future__ import annotations

import pandas as pd
import pytest

from stx_migrate.migration.protocol import ops_text as t
from stx_migrate.migration.protocol.registry import ProjectContext, StepContext


def ctx_for(n: int) -> StepContext:
    return StepContext("X", {}, ProjectContext(institution="INST", country="CH"), pd.Index([f"c:{i}" for i in range(1, n + 1)]))


def col(*values: str, ctx: StepContext) -> pd.Series:
    return pd.Series(list(values), index=ctx.index, dtype="str")


def codes(ctx: StepContext) -> list[tuple[str, str]]:
    return [(f.source_ref, f.code) for frame in ctx.findings for f in frame.itertuples()]


def test_copy_returns_the_column_unchanged():
    ctx = ctx_for(2)
    assert t.copy_value(col(" a ", "b", ctx=ctx), t.NoParams(), ctx).tolist() == [" a ", "b"]


def test_constant_fills_every_row():
    ctx = ctx_for(3)
    assert t.constant(None, t.ConstantParams(value="INST"), ctx).tolist() == ["INST"] * 3


def test_map_values_folds_case_and_space_and_uses_default_for_unmapped():
    ctx = ctx_for(5)
    out = t.map_values(col("M.", " mme ", "Dr", "", "MONSIEUR", ctx=ctx),
                       t.MapParams(values={"M.": "MR", "Mme": "MRS", "Monsieur": "MR"}, default="UNDEFINED"), ctx)
    assert out.tolist() == ["MR", "MRS", "UNDEFINED", "", "MR"]
    assert codes(ctx) == [("c:3", "VALUE_UNMAPPED")]


def test_map_values_without_default_keeps_the_value_and_reports_it():
    ctx = ctx_for(2)
    out = t.map_values(col("oui", "peut-être", ctx=ctx), t.MapParams(values={"oui": "TRUE"}), ctx)
    assert out.tolist() == ["TRUE", "peut-être"]
    assert codes(ctx) == [("c:2", "VALUE_UNMAPPED")]


def test_map_values_case_sensitive_when_asked():
    ctx = ctx_for(2)
    out = t.map_values(col("M", "m", ctx=ctx), t.MapParams(values={"M": "MR"}, ignore_case=False, default=""), ctx)
    assert out.tolist() == ["MR", ""]


def test_trim_fold_whitespace_and_case():
    ctx = ctx_for(2)
    values = col("  jean \t pierre ", "\u00a0ANNE-marie\n", ctx=ctx)
    assert t.trim(values, t.NoParams(), ctx).tolist() == ["jean \t pierre", "ANNE-marie"]
    folded = t.fold_whitespace(values, t.NoParams(), ctx)
    assert folded.tolist() == ["jean pierre", "ANNE-marie"]
    assert t.change_case(folded, t.CaseParams(mode="upper"), ctx).tolist() == ["JEAN PIERRE", "ANNE-MARIE"]
    assert t.change_case(folded, t.CaseParams(mode="lower"), ctx).tolist() == ["jean pierre", "anne-marie"]
    assert t.change_case(folded, t.CaseParams(mode="title"), ctx).tolist() == ["Jean Pierre", "Anne-Marie"]


def test_strip_accents():
    ctx = ctx_for(2)
    assert t.strip_accents(col("Élodie Müller", "Gaëlle", ctx=ctx), t.NoParams(), ctx).tolist() == ["Elodie Muller", "Gaelle"]


@pytest.mark.parametrize(
    "order,full,first,last",
    [
        ("first_last", "Jean-Pierre Dupont de la Tour", "Jean-Pierre", "Dupont de la Tour"),
        ("last_first", "DUPONT Jean", "Jean", "DUPONT"),
        ("first_last", "Dupont, Marie", "Marie", "Dupont"),
        ("last_first", "Dupont,Marie", "Marie", "Dupont"),
        ("first_last", "  Cher  ", "", "Cher"),
        ("first_last", "", "", ""),
    ],
)
def test_split_name(order, full, first, last):
    ctx = ctx_for(1)
    values = col(full, ctx=ctx)
    assert t.split_name(values, t.SplitNameParams(part="first", order=order), ctx).tolist() == [first]
    assert t.split_name(values, t.SplitNameParams(part="last", order=order), ctx).tolist() == [last]


def test_concat_skips_empty_parts_without_doubled_separators():
    ctx = ctx_for(4)
    a, b, c = col("12", "", "3", "", ctx=ctx), col("rue du Lac", "Bahnhofstr.", "", "", ctx=ctx), col("bis", "", "", "", ctx=ctx)
    assert t.concat([a, b, c], t.ConcatParams(separator=" "), ctx).tolist() == ["12 rue du Lac bis", "Bahnhofstr.", "3", ""]


def test_coalesce_takes_the_first_non_empty():
    ctx = ctx_for(3)
    out = t.coalesce([col("", "a", " ", ctx=ctx), col("b", "c", "", ctx=ctx)], t.NoParams(), ctx)
    assert out.tolist() == ["b", "a", ""]


def test_default_digits_truncate():
    ctx = ctx_for(3)
    assert t.default_value(col("", " ", "de", ctx=ctx), t.DefaultParams(value="fr"), ctx).tolist() == ["fr", "fr", "de"]
    assert t.keep_digits(col("01-23 45", "CH-1201", "", ctx=ctx), t.NoParams(), ctx).tolist() == ["012345", "1201", ""]
    assert t.truncate(col("abcdef", "ab", "", ctx=ctx), t.TruncateParams(length=3), ctx).tolist() == ["abc", "ab", ""]
