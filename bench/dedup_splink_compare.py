"""Splink (DuckDB) against our rapidfuzz-with-blocking matcher, on the same labelled set.

Measures what docs/dedup.md uses to choose: wall time, CPU time, peak memory, and pairwise
precision / recall of the pairs each one would merge, on ``--people`` labelled people.
Splink gets the same normalised columns (folded names, lower-case e-mail, international
phone digits, postcode, street) and the usual model: u by random sampling, m by EM over
two blocking rules, then predict with blocking rules equivalent to ours.

    .venv/bin/python bench/dedup_splink_compare.py [--people 20000] [--threshold 0.95]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_labelled import labelled_contacts  # noqa: E402
from measure import measure  # noqa: E402

from stx_migrate.migration.dedup import find_duplicates  # noqa: E402
from stx_migrate.migration.dates import birthdate_key  # noqa: E402
from stx_migrate.migration.dedup.normalise import compact, normalise_email, normalise_street, phone_digits  # noqa: E402
from stx_migrate.migration.settings.dedup import DedupSettings  # noqa: E402


def same_pairs(labels: pd.Series) -> int:
    sizes = labels.value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def pair_quality(left: np.ndarray, right: np.ndarray, identity: pd.Series) -> tuple[float, float]:
    """Precision and recall of predicted pairs (clustered by connected components)."""
    from stx_migrate.migration.dedup.cluster import connected_components

    positions = pd.Series(np.arange(len(identity)), index=identity.index)
    label = connected_components(len(identity), positions.reindex(left).to_numpy(), positions.reindex(right).to_numpy())
    predicted = pd.Series(label, index=identity.index).astype(str)
    found, correct = same_pairs(predicted), same_pairs(predicted + "|" + identity)
    return correct / max(found, 1), correct / same_pairs(identity)


def splink_frame(contacts: pd.DataFrame) -> pd.DataFrame:
    individuals = contacts[contacts["OFFICIAL_NAME"] == ""]
    return pd.DataFrame({
        "unique_id": individuals.index.to_numpy(),
        "first_name": compact(individuals["FIRSTNAME"]).replace("", None).to_numpy(dtype=object),
        "surname": compact(individuals["LASTNAME"]).replace("", None).to_numpy(dtype=object),
        "dob": birthdate_key(individuals["BIRTHDATE"]).replace("", None).to_numpy(dtype=object),
        "email": normalise_email(individuals["EMAIL1"]).replace("", None).to_numpy(dtype=object),
        "phone": phone_digits(individuals["CELLPHONE"]).str.replace(r"^\+?(33|41|49|32)|^0", "", regex=True).replace("", None).to_numpy(dtype=object),
        "postcode": individuals["ZIPCODE"].replace("", None).to_numpy(dtype=object),
        "street": normalise_street(individuals["LINE1"]).replace("", None).to_numpy(dtype=object),
    })


def run_splink(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"), cl.NameComparison("surname"), cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y%m%d"),
            cl.ExactMatch("email"), cl.ExactMatch("phone"), cl.ExactMatch("postcode"), cl.ExactMatch("street"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"), block_on("phone"), block_on("first_name", "surname", "postcode"),
            block_on("first_name", "dob"), block_on("surname", "dob"), block_on("postcode", "street"),
        ],
    )
    db = DuckDBAPI()
    linker = Linker(db.register(frame), settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    return linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--threshold", type=float, default=0.95)
    args = parser.parse_args()
    contacts, truth = labelled_contacts(args.people)
    individuals = contacts["OFFICIAL_NAME"] == ""
    identity = truth.loc[individuals, "identity"]
    frame = splink_frame(contacts)

    cpu = time.process_time()
    with measure("splink (duckdb): train + predict", len(frame)):
        pairs = run_splink(frame, args.threshold)
    print(f"  CPU {time.process_time() - cpu:.1f} s, {len(pairs):,} pairs above {args.threshold}")
    p, r = pair_quality(pairs["unique_id_l"].to_numpy(), pairs["unique_id_r"].to_numpy(), identity)
    print(f"  splink      precision {p:.4f}  recall {r:.4f}")

    cpu = time.process_time()
    with measure("find_duplicates (rapidfuzz + own blocking)", len(frame)):
        result = find_duplicates(contacts[individuals], DedupSettings(auto_merge=args.threshold))
    print(f"  CPU {time.process_time() - cpu:.1f} s, {result.candidate_pairs:,} candidate pairs")
    d = result.duplicates
    p, r = pair_quality(d["source_ref"].to_numpy(), d["survivor_ref"].to_numpy(), identity)
    print(f"  ours        precision {p:.4f}  recall {r:.4f}")


if __name__ == "__main__":
    main()
