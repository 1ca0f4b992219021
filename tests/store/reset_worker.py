"""Run ``reset_store`` in its own process and stop halfway, its journal tables emptied (the test kills it)."""
from __future__ import annotations

import sys
import time

from stx_migrate.migration.store import open_store
from stx_migrate.migration.store import reset


def main(url: str) -> None:
    empty = reset._empty

    def empty_then_wait(c, dialect, tables):
        empty(c, dialect, tables)
        if tables == reset.JOURNAL:
            print("halfway", flush=True)
            time.sleep(120)

    reset._empty = empty_then_wait
    reset.reset_store(open_store(url))


if __name__ == "__main__":
    main(sys.argv[1])
