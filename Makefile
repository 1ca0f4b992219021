# The two commands of the README. Both set up what they need first (scripts/setup.sh).
.PHONY: demo test bench setup

demo:            ## the whole procedure on the bundled sample (SQLite, a local Prefect server)
	@scripts/setup.sh
	.venv/bin/stx-migrate demo

test:            ## every test: starts PostgreSQL, MariaDB and Prefect on loopback and stops them
	@scripts/setup.sh --test
	.venv/bin/python -m pytest $(PYTEST_ARGS)

bench:           ## the throughput benchmarks of bench/ (minutes; prints figures)
	@scripts/setup.sh --test
	.venv/bin/python bench/run_all.py

setup:
	@scripts/setup.sh --test
