"""Run one import in its own process, printing each committed batch (the crash test kills it with SIGKILL)."""
from __future__ import annotations

import sys

import pandas as pd

from stx_migrate.migration.secutix_file import csv_file, read_secutix_file
from stx_migrate.migration.store import import_contacts, open_store


def main(url: str, frame_path: str, run_id: str, batch_rows: int, block_size: int) -> None:
    if frame_path.endswith(".csv"):  # a deliverable's file, read in blocks of block_size bytes
        csv_file._BLOCK_SIZE = block_size
        contacts = read_secutix_file(frame_path).frame
    else:
        contacts = pd.read_parquet(frame_path)
        contacts = contacts.astype("str")
        contacts.index = contacts.index.astype("str")
    store = open_store(url)

    def progress(done: int, total: int) -> None:
        print(f"batch {done}/{total}", flush=True)

    result = import_contacts(store, contacts, run_id=run_id, deliverable_id="crash-deliverable", batch_rows=batch_rows,
                             on_batch=progress)
    print("done", result.counts(), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
