"""Thin Prefect ``@task`` wrappers around the pure core: retries, caching by reference, artifacts."""
