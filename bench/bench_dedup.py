"""Dedup quality and speed.

0. Public benchmarks (``--sets``, default febrl1 febrl2 febrl4 gen): for each, in one run, the
   precision and recall of the auto-merges and of auto-merge + review, the blocking recall (share
   of true pairs that reach comparison), the candidate count, then Splink 5 and recordlinkage on
   the same records (bench/dedup_peers.py; pairwise over the transitive closure, each peer at its
   best threshold in hindsight). FEBRL 1 and 3 and our generator tune; FEBRL 2 and 4 accept.
1. Quality on the seeded labelled set (bench/dedup_labelled.py): pairwise precision and
   recall of the auto-merges, and of auto-merge + review (each review pair counted as one
   predicted pair, as a reviewer sees it), with found-rate per planted kind and the rate of
   traps wrongly merged. Goal: precision ≥ 0.99 and recall ≥ 0.95 for auto-merge + review.
2. Speed: ``stx-migrate dedup FILE`` on ``--rows`` generated contacts written to a CSV, the
   command in a process of its own (default 1,000,000; goal ≤ 30 s, peak ≤ 4 GB): wall, CPU,
   peak RSS, candidate pairs (its log line, printed before comparing) and the review backlog.
   ``--skewed``: the same contacts made the worst case for blocking — every individual named
   Jean Dupont, one postcode, street and town for all, half the birth dates 01.01.1970, one
   placeholder e-mail and phone on a third of the rows — to show the cost stays bounded.

    .venv/bin/python bench/bench_dedup.py [--sets febrl1 febrl2 febrl4 gen] [--skip-public] [--skip-peers]
        [--people 20000] [--rows 1000000] [--skip-quality] [--skip-speed] [--skewed]
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_labelled import DUPLICATE_KINDS, TRAP_KINDS, labelled_contacts  # noqa: E402
from dedup_public import public_benchmarks  # noqa: E402

from stx_migrate.migration.dedup import find_duplicates  # noqa: E402
from stx_migrate.migration.settings.dedup import DedupSettings  # noqa: E402


def same_pairs(labels: pd.Series) -> int:
    sizes = labels.value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def quality(people: int, seed: int) -> None:
    contacts, truth = labelled_contacts(people, seed=seed)
    result = find_duplicates(contacts, DedupSettings())
    identity = truth["identity"]
    predicted = result.identities.reindex(contacts.index)
    true_pairs, found, correct = same_pairs(identity), same_pairs(predicted), same_pairs(predicted + "|" + identity)
    review = result.review_pairs
    review_ok = int((identity.reindex(review["left_ref"]).to_numpy() == identity.reindex(review["right_ref"]).to_numpy()).sum())
    print(f"labelled set: {len(contacts):,} records, {identity.nunique():,} true identities, {true_pairs:,} true pairs, "
          f"{result.candidate_pairs:,} candidate pairs")
    print(f"  auto-merge           precision {correct / max(found, 1):.4f}  recall {correct / true_pairs:.4f}  "
          f"({found:,} pairs merged)")
    print(f"  auto-merge + review  precision {(correct + review_ok) / max(found + len(review), 1):.4f}  "
          f"recall {(correct + review_ok) / true_pairs:.4f}  ({len(review):,} pairs to review, {review_ok:,} of them true)")
    p_all, r_all = (correct + review_ok) / max(found + len(review), 1), (correct + review_ok) / true_pairs
    print(f"  goal (auto-merge + review): precision ≥ 0.99, recall ≥ 0.95: {'OK' if p_all >= 0.99 and r_all >= 0.95 else 'BELOW GOAL'}")
    frame = truth.assign(predicted=predicted)
    frame["copies"] = frame.groupby("identity")["identity"].transform("size")
    frame["together"] = frame.groupby(["identity", "predicted"])["identity"].transform("size")
    in_review = set(review["left_ref"]) | set(review["right_ref"])
    copies = frame[(frame["copies"] > 1) & frame["planted"].isin(DUPLICATE_KINDS + ["structure_case"])]
    auto_rate = (copies["together"] > 1).groupby(copies["planted"]).mean()
    any_rate = ((copies["together"] > 1) | copies.index.isin(in_review)).groupby(copies["planted"]).mean()
    print("  found per planted kind (auto / auto or review):")
    for kind in auto_rate.index:
        print(f"    {kind:<20} {auto_rate[kind]:.3f} / {any_rate[kind]:.3f}  (n={int((copies['planted'] == kind).sum())})")
    mixed = frame.groupby("predicted")["identity"].transform("nunique") > 1
    print("  traps wrongly merged (share of trap rows in a cluster with another identity):")
    for kind in TRAP_KINDS:
        rows = frame["planted"] == kind
        print(f"    {kind:<20} {mixed[rows].mean():.4f}  (n={int(rows.sum())})")


def skew(contacts: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The worst case for blocking: a few giant blocks (see the module's docstring)."""
    rng = np.random.default_rng(seed)
    n = len(contacts)
    contacts = contacts.copy()
    person = (contacts["OFFICIAL_NAME"] == "").to_numpy()
    contacts.loc[person, "FIRSTNAME"] = "Jean"
    contacts.loc[person, "LASTNAME"] = "Dupont"
    contacts["ZIPCODE"], contacts["LINE1"], contacts["TOWN"] = "1201", "1 rue de la Gare", "Genève"
    placeholder = rng.random(n) < 0.33
    contacts.loc[placeholder, "EMAIL1"] = "noemail@example.org"
    contacts.loc[placeholder, "TELEPHONE"] = "+41223456789"
    same_birth = rng.random(n) < 0.5
    contacts["BIRTHDATE"] = pd.Series(np.where(same_birth, "01.01.1970", contacts["BIRTHDATE"].to_numpy()),
                                      index=contacts.index, dtype="str")
    return contacts


def speed(rows: int, seed: int, skewed: bool = False) -> None:
    """``stx-migrate dedup FILE`` on ``rows`` generated contacts, as a user runs it: a process of its own
    reading the file (timed from outside: wall, CPU of the command and its forked children, peak RSS of
    the tree as bench_e2e.py samples it), its candidate-pair log line printed as it came (before comparing)."""
    import json
    import tempfile

    from bench_e2e import CLI, run_measured

    from stx_migrate.migration.secutix_file import write_secutix_file

    people = int(rows / 1.55)   # the generator adds copies, traps and structures: ~1.55 records per person
    start = time.perf_counter()
    contacts, _ = labelled_contacts(people, seed=seed)
    contacts = contacts.iloc[:rows]
    if skewed:
        contacts = skew(contacts, seed)
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        work = Path(tmp)
        write_secutix_file(contacts, work / "contacts.csv")
        del contacts
        gc.collect()
        print(f"generated {rows:,} contacts into contacts.csv in {time.perf_counter() - start:.1f} s (not timed below)")
        load = os.getloadavg()[0]
        env = dict(os.environ, STX_MIGRATE_HOME=str(work / "workspace"), PYTHONUNBUFFERED="1")
        stage = run_measured("dedup", [CLI, "dedup", str(work / "contacts.csv"), "--out", str(work / "out")],
                             rows, env, work / "dedup.log")
        log = (work / "dedup.log").read_text(errors="replace")
        for line in log.splitlines():
            if "candidate pairs from blocking" in line:
                print("  " + line.split(": ", 1)[-1])
        if stage.rc != 0:
            print(f"  stx-migrate dedup failed (exit {stage.rc}):\n{log[-2000:]}")
            return
        summary = json.loads((work / "out" / "summary.json").read_text())
    pairs, review = summary["candidate_pairs"], summary["to_review"]
    print(f"  stx-migrate dedup{' (skewed)' if skewed else ''}: {rows:,} contacts, wall {stage.wall:.1f} s, CPU {stage.cpu:.1f} s "
          f"(command and children), peak RSS {stage.peak_mb:,.0f} MB; load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print(f"  {summary['auto_merged']:,} merged, {review:,} to review ({100 * review / rows:.3f} % of records), "
          f"{summary['clusters']:,} clusters, {pairs:,} candidate pairs ({pairs / rows:.1f} per record)")
    verdict = "OK" if stage.wall <= 30 and stage.peak_mb <= 4096 else "ABOVE GOAL"
    print(f"  goal ≤ 30 s and ≤ 4,096 MB peak: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skewed", action="store_true", help="speed on the worst case for blocking (giant blocks)")
    parser.add_argument("--sets", nargs="*", default=["febrl1", "febrl2", "febrl4", "gen"])
    parser.add_argument("--skip-public", action="store_true")
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    if not args.skip_public:
        public_benchmarks(args.sets, args.people, args.seed, peers=not args.skip_peers)
    if not args.skip_quality:
        quality(args.people, args.seed)
    if not args.skip_speed:
        speed(args.rows, args.seed, args.skewed)


if __name__ == "__main__":
    main()
