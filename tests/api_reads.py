"""Reading everything the Prefect API holds: a plain listing stops at the API's page size, and the
suite writes more artifacts than one page holds."""
from __future__ import annotations

PAGE = 200


def all_artifacts(client, **filters) -> list:
    """Every artifact matching ``filters`` (the client's own keyword filters), page by page."""
    found: list = []
    while True:
        page = client.read_artifacts(**filters, limit=PAGE, offset=len(found))
        found += page
        if len(page) < PAGE:
            return found


def all_logs(client) -> list:
    """Every log line the API holds, page by page."""
    found: list = []
    while True:
        page = client.read_logs(limit=PAGE, offset=len(found))
        found += page
        if len(page) < PAGE:
            return found


def everything_prefect_stored(must_hold: str) -> str:
    """All the text the API holds: logs, artifacts, flow and task runs (for a secret's search).

    ``must_hold``: a word some run's log line says, so that an empty search proves nothing
    (run logs travel to the API in batches: drained first; see the ``info_logs_to_the_api`` fixture).
    """
    from prefect import get_client
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    texts = []
    with get_client(sync_client=True) as client:
        logs = [log.message for log in all_logs(client)]
        assert any(must_hold in m for m in logs), "no run log reached the API: the search would prove nothing"
        texts += logs
        texts += [f"{a.key} {a.description} {a.data}" for a in all_artifacts(client)]
        for run in client.read_flow_runs():
            texts.append(f"{run.name} {run.parameters} {run.state.message if run.state else ''} {run.tags}")
        for run in client.read_task_runs():
            texts.append(f"{run.name} {run.state.message if run.state else ''}")
    return "\n".join(texts)
