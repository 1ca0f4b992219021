"""Planning speed, the "decide" half: derive_keys + decide_rows + resolve_round_structures, no database.

    .venv/bin/python bench/bench_plan.py [--rows 200000] [--batch-rows 50000] [--bad-rate 0] [--repeat 3]

The rows are bench/synthetic.py's (seed 5, as bench_import.py), cut in batches as the engine
cuts them. What the store would answer is made up the way a fresh SQLite store answers an
import of new contacts: no stored contact numbers, and the structures earlier batches created
(the engine's in-flight overlay). Ids are allocated the way ``batches._allocate`` does
(consecutive), so resolve_round_structures has real work; a batch is cut in rounds as the
engine cuts it (a contact number twice: a later round, where the first is "stored"). Prints wall and CPU seconds per
step (best of ``--repeat``) and µs per contact; the machine is shared, so CPU time is the
steadier figure.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from synthetic import make_contacts  # noqa: E402

from stx_migrate.migration.store.decide import (Lookups, decide_rows, derive_keys,  # noqa: E402
                                                resolve_round_structures)
from stx_migrate.migration.text_arrays import text_isin as isin  # noqa: E402
from stx_migrate.migration.store.catalogue import Catalogue  # noqa: E402

STEPS = ("derive_keys", "decide_rows", "resolve_round_structures")


def catalogue() -> Catalogue:
    """What seeding bench_import.py's reference data gives (ids as seed_reference_data assigns them)."""
    criteria = pd.DataFrame({"criterion_code": ["PREFCOL", "SEGMENT"], "criterion_id": [1, 2],
                             "contact_type": ["individual", "both"]}).astype({"criterion_code": "str", "contact_type": "str"})
    elements = pd.DataFrame({"criterion_code": ["PREFCOL"] * 3 + ["SEGMENT"] * 2,
                             "element_code": ["Blue", "Green", "Red", "ABO", "OCCASIONNEL"],
                             "element_id": [1, 2, 3, 4, 5], "criterion_id": [1, 1, 1, 2, 2]}).astype(
        {"criterion_code": "str", "element_code": "str"})
    return Catalogue(institutions={"DEMO": 1}, structure_types={"COMPANY", "SCHOOL", "ASSOCIATION"},
                     community_types=set(), admin_number_types={"SIRET"}, criteria=criteria, elements=elements)


def rounds(rows: pd.DataFrame):
    """The engine's rounds (batches.py): no contact number twice in one round."""
    nr = rows["CONTACT_NR"]
    occurrence = nr.groupby(nr).cumcount().where(nr != "", 0).to_numpy()
    for k in range(int(occurrence.max()) + 1 if len(rows) else 0):
        yield rows[occurrence == k]


def run_once(contacts: pd.DataFrame, batch_rows: int, cat: Catalogue) -> tuple[dict, dict, dict]:
    """Plan every batch; the store's answers are what earlier rounds created (as the in-flight overlay gives them)."""
    wall = dict.fromkeys(STEPS, 0.0)
    cpu = dict.fromkeys(STEPS, 0.0)
    outcomes: dict[str, int] = {}
    stored = pd.DataFrame({"contact_nr": pd.Series([], dtype="str"), "id": pd.Series([], dtype="int64"),
                           "kind": pd.Series([], dtype="str"), "status": pd.Series([], dtype="str"),
                           "structure_id": pd.Series([], dtype="Int64")})
    created = pd.DataFrame({"match_key": pd.Series([], dtype="str"), "id": pd.Series([], dtype="int64"),
                            "contact_nr": pd.Series([], dtype="str")})
    next_id = 1

    def timed(step, fn, *args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        wall[step] += time.perf_counter() - w
        cpu[step] += time.process_time() - c
        return out

    for start in range(0, len(contacts), batch_rows):
        for rows in rounds(contacts.iloc[start:start + batch_rows]):
            keys = timed("derive_keys", derive_keys, rows)
            match = keys.match_key[keys.match_key != ""].unique()
            numbers = keys.contact_nr[keys.contact_nr != ""].unique()
            found = Lookups(contacts=stored[isin(stored["contact_nr"], numbers)].set_index("contact_nr"),
                            structures=created[isin(created["match_key"], match)].set_index("match_key"))
            taken = pd.Series(isin(keys.contact_nr, found.contacts.index), index=rows.index)
            d = timed("decide_rows", decide_rows, rows, keys, found, cat, taken_numbers=taken)
            inserts, new_structure = d.outcome == "insert", d.new_structure
            n_self, n_struct = int(inserts.sum()), int(new_structure.sum())
            self_ids = pd.Series(np.arange(next_id, next_id + n_self, dtype=np.int64), index=rows.index[inserts])
            structure_ids = pd.Series(np.arange(next_id + n_self, next_id + n_self + n_struct, dtype=np.int64),
                                      index=rows.index[new_structure])
            next_id += n_self + n_struct
            timed("resolve_round_structures", resolve_round_structures, keys, d, self_ids, structure_ids)
            numbered = inserts & (rows["CONTACT_NR"] != "")
            stored = pd.concat([stored, pd.DataFrame({
                "contact_nr": rows["CONTACT_NR"][numbered].to_numpy(), "id": self_ids[numbered[inserts]].to_numpy(),
                "kind": d.kind[numbered].to_numpy(), "status": "active",
                "structure_id": d.structure_id[numbered].to_numpy()})], ignore_index=True)
            first = d.first_creator
            ids = self_ids.reindex(rows.index).where(d.kind == "structure", structure_ids.reindex(rows.index))[first]
            created = pd.concat([created, pd.DataFrame({"match_key": keys.match_key[first].to_numpy(),
                                                        "id": ids.astype("int64").to_numpy(),
                                                        "contact_nr": rows["CONTACT_NR"][first].to_numpy()})],
                                ignore_index=True)
            for k, v in d.outcome.value_counts().items():
                outcomes[k] = outcomes.get(k, 0) + int(v)
    return wall, cpu, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch-rows", type=int, default=50_000)
    parser.add_argument("--bad-rate", type=float, default=0.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    contacts = make_contacts(args.rows, seed=5, bad_rate=args.bad_rate)
    cat = catalogue()
    best_wall, best_cpu = dict.fromkeys(STEPS, float("inf")), dict.fromkeys(STEPS, float("inf"))
    for _ in range(args.repeat):
        wall, cpu, outcomes = run_once(contacts, args.batch_rows, cat)
        best_wall = {k: min(best_wall[k], wall[k]) for k in STEPS}
        best_cpu = {k: min(best_cpu[k], cpu[k]) for k in STEPS}
    n = len(contacts)
    print(f"{n:,} synthetic contacts (bad rate {args.bad_rate}), batches of {args.batch_rows:,}, best of {args.repeat}; "
          f"outcomes {outcomes}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for k in STEPS + ("total",):
        w = sum(best_wall.values()) if k == "total" else best_wall[k]
        c = sum(best_cpu.values()) if k == "total" else best_cpu[k]
        print(f"  {k:<26} wall {w:6.2f} s  CPU {c:6.2f} s  {1e6 * c / n:6.2f} µs/contact (CPU)")


if __name__ == "__main__":
    main()
