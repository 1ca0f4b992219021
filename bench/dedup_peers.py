"""The peers, run on the same records as ``find_duplicates``: Splink 5 and recordlinkage.

Each is set up as its own documentation does for the FEBRL sets, on the same columns the
bench gives our matcher (no ``soc_sec_id``, no e-mail or phone):

* Splink 5 (DuckDB), its FEBRL 3 deduplication example: one blocking rule per column (first
  name, last name, birth date, postcode), ``NameComparison`` on both names,
  ``DateOfBirthComparison``, exact street number and postcode with term-frequency adjustment;
  λ from deterministic rules, u by random sampling, m by EM blocked on birth date then postcode.
* recordlinkage 0.16, its FEBRL deduplication example: the same four blocks united, six
  comparisons (Jaro–Winkler ≥ 0.85 on both names, exact birth date, suburb and state,
  Levenshtein ≥ 0.85 on the street), a pair is a match when the sum reaches a threshold. It
  pins ``pandas<3``, so it runs in its own virtualenv, ``bench/.venv-peers``, built on first
  use (or by ``make bench-peers``) and called as a subprocess (bench/dedup_rl_worker.py).

Both give scored pairs; the bench clusters them (transitive closure) and, to be fair to the
peers, reports each one at its best threshold in hindsight (the truth picks it).
"""
from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from stx_migrate.migration.dates import birthdate_key
from stx_migrate.migration.dedup.normalise import compact, fold_text

HERE = Path(__file__).resolve().parent
PEERS_VENV = HERE / ".venv-peers"       # recordlinkage's own environment (git-ignored)
RECORDLINKAGE = "0.16"
PEER_COLUMNS = ["given_name", "surname", "date_of_birth", "street_number", "address_1", "suburb", "postcode", "state"]


def peer_frame(contacts: pd.DataFrame) -> pd.DataFrame:
    """The matching columns as the peers' examples expect them (None = missing), individuals only."""
    people = contacts[contacts["OFFICIAL_NAME"] == ""]
    line1 = fold_text(people["LINE1"])
    number = line1.str.extract(r"^(\d+\w?)\s")[0].fillna("")
    none = lambda s: s.replace("", None).to_numpy(dtype=object)  # noqa: E731
    return pd.DataFrame({
        "unique_id": people.index.to_numpy(),
        "given_name": none(compact(people["FIRSTNAME"])),
        "surname": none(compact(people["LASTNAME"])),
        "date_of_birth": none(birthdate_key(people["BIRTHDATE"])),
        "street_number": none(number),
        "address_1": none(line1.str.replace(r"^\d+\w?\s", "", regex=True)),
        "suburb": none(fold_text(people["TOWN"])),
        "postcode": none(people["ZIPCODE"].str.strip()),
        "state": none(fold_text(people["DEPARTMENT"]) if "DEPARTMENT" in people else pd.Series("", index=people.index)),
    })


def splink_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """``left, right, score`` (match probability) of every pair Splink's blocking rules compare."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    blocking = [block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("postcode")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name"), cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
    )
    # Splink prints its training chunk by chunk (stdout and stderr)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return _splink_train_predict(frame, settings)


def _splink_train_predict(frame: pd.DataFrame, settings) -> pd.DataFrame:
    from splink import DuckDBAPI, Linker, block_on

    db = DuckDBAPI()
    linker = Linker(db.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"),
         "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth"], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    out = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()  # lower scores never win
    return pd.DataFrame({"left": out["unique_id_l"], "right": out["unique_id_r"], "score": out["match_probability"]})


def recordlinkage_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """``left, right, score`` (sum of the six comparisons, 0–6) of the pairs of the four blocks,
    computed by recordlinkage in its own environment (bench/dedup_rl_worker.py)."""
    python = peers_python()
    with tempfile.TemporaryDirectory() as tmp:
        given, pairs = Path(tmp) / "frame.csv", Path(tmp) / "pairs.csv"
        frame.to_csv(given, index=False)
        done = subprocess.run([str(python), str(HERE / "dedup_rl_worker.py"), str(given), str(pairs)],
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"recordlinkage failed: {done.stderr.strip().splitlines()[-1:]}")
        return pd.read_csv(pairs, dtype={"left": str, "right": str})


def peers_python(build: bool = True) -> Path:
    """The side environment's python with recordlinkage 0.16 and its pandas < 3 (built on first use).

    Never part of the project's dependencies: recordlinkage 0.16 pins ``pandas<3``.
    """
    python = PEERS_VENV / "bin" / "python"
    ready = PEERS_VENV / f".installed-{RECORDLINKAGE}"
    if ready.exists():
        return python
    if not build:
        raise ImportError("recordlinkage", name="recordlinkage")
    print(f"  building {PEERS_VENV.relative_to(HERE.parent)} (recordlinkage {RECORDLINKAGE}, pandas<3): once", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--progress-bar", "off",
                    f"recordlinkage=={RECORDLINKAGE}", "pandas<3"], check=True)
    ready.touch()
    return python


if __name__ == "__main__":      # make bench-peers: build the side environment now
    print(peers_python())
