# The two commands of the README. Both set up what they need first (scripts/setup.sh).
.PHONY: demo test bench bench-peers setup

demo:            ## the whole procedure on the bundled sample (SQLite, a local Prefect server)
	@scripts/setup.sh
	.venv/bin/stx-migrate demo

test:            ## every test: starts PostgreSQL, MariaDB and Prefect on loopback and stops them
	@scripts/setup.sh --test
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench: bench-peers  ## the throughput benchmarks of bench/ (minutes; prints figures)
	.venv/bin/python bench/run_all.py

bench-peers:     ## the dedup peers' side environment (bench/.venv-peers: recordlinkage 0.16 pins pandas<3)
	@scripts/setup.sh --test
	.venv/bin/python bench/dedup_peers.py

setup:
	@scripts/setup.sh --test
