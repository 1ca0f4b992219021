"""The plain baselines bench_e2e.py prints beside the commands, measured in the same run.

* source read — the fastest plain read of the source's tables into Arrow (ADBC SQLite,
  ConnectorX when installed; the faster one counts): every table the project receives;
* snapshot read — ``pd.read_parquet`` of the snapshot's files;
* contacts load — the deliverable's contacts.csv read by pyarrow and loaded by ADBC bulk
  ingest into a fresh SQLite table (the store's own kind), one table, no index.

Each runs in a process of its own, like the commands (``python -c``), and is measured the same way.
"""
from __future__ import annotations

import sys
from pathlib import Path

# the demo project's datasets (e2e_project.py): the orders too, which receive reads for the sales aggregate
TABLES = ("CLIENT", "SOCIETE", "CRITERE", "COMMANDE")
SOURCE_ADBC = """
import adbc_driver_sqlite.dbapi as d, sys
TABLES = __TABLES__
with d.connect(sys.argv[1]) as c, c.cursor() as cur:
    for t in TABLES:
        cur.execute(f"SELECT * FROM {t}"); cur.fetch_arrow_table()
"""
SOURCE_CX = """
import connectorx as cx, sys
TABLES = __TABLES__
for t in TABLES:
    cx.read_sql("sqlite://" + sys.argv[1], f"SELECT * FROM {t}", return_type="arrow")
"""
SNAPSHOT = """
import pandas as pd, sys, pathlib
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.parquet")):
    pd.read_parquet(p)
"""
LOAD = """
import adbc_driver_sqlite.dbapi as d, pyarrow.csv as pc, sys, os
t = pc.read_csv(sys.argv[1], read_options=pc.ReadOptions(skip_rows=3))
if os.path.exists(sys.argv[2]): os.remove(sys.argv[2])
with d.connect(sys.argv[2]) as c, c.cursor() as cur:
    cur.adbc_ingest("contact", t, mode="create"); c.commit()
"""


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def baseline_commands(source: Path, snapshot: Path, contacts_csv: Path, scratch: Path) -> dict[str, list[list[str]]]:
    """name → the candidate commands (the fastest candidate is the baseline)."""
    py = sys.executable
    tables = repr(TABLES)
    read = [[py, "-c", SOURCE_ADBC.replace("__TABLES__", tables), str(source)]]
    if _has("connectorx"):
        read.append([py, "-c", SOURCE_CX.replace("__TABLES__", tables), str(source)])
    return {
        "source read (ADBC/ConnectorX)": read,
        "pd.read_parquet(snapshot)": [[py, "-c", SNAPSHOT, str(snapshot)]],
        "contacts load (ADBC ingest)": [[py, "-c", LOAD, str(contacts_csv), str(scratch / "baseline-load.sqlite")]],
    }
