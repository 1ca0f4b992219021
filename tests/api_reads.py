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
