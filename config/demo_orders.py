"""The demo's order lines: the sales history a theatre's old system holds (for aggregates → indicators).

One line per ticket order: the client's number, the order date, the amount and the season.
Messy as such tables are: two date spellings, amounts with a decimal comma, a few free
tickets written ``offert``, an impossible date, lines of clients deleted long ago (orphans).
Vectorised: every text is formatted once per distinct value (a few thousand dates and
amounts) and taken per line, so ten million lines take seconds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

FIRST_DAY = "2016-07-01"
DAYS = 10 * 365                      # ten seasons of sales
PRICES = [15, 20, 25, 30, 35, 45, 60, 75, 90, 120]   # a ticket; an order holds 1 to 4


def _text_of(pool: np.ndarray, picked: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(pool, dtype="str")).take(picked).reset_index(drop=True)


def demo_orders(seed: int, client_numbers: pd.Series, per_client: float = 3.0) -> pd.DataFrame:
    """Order lines ``ID, NUM_CLIENT, DATE_COMMANDE, MONTANT, SAISON`` (about ``per_client`` per client)."""
    rng = np.random.default_rng([seed, 18])          # its own stream: the other tables do not move
    counts = rng.poisson(per_client * rng.gamma(1.0, 1.0, len(client_numbers)))   # a few loyal, many occasional
    owner = np.repeat(client_numbers.to_numpy(dtype=object), counts)
    n = len(owner)
    orphan = rng.random(n) < 0.005                   # lines of clients deleted from CLIENT long ago
    owner[orphan] = (90_000_000 + np.flatnonzero(orphan)).astype(str)
    day = rng.integers(0, DAYS, n)
    dates = pd.Timestamp(FIRST_DAY) + pd.to_timedelta(np.arange(DAYS), unit="D")
    slash, iso = dates.strftime("%d/%m/%Y").to_numpy(), dates.strftime("%Y-%m-%d").to_numpy()
    date_text = _text_of(np.concatenate([slash, iso]), day + DAYS * (rng.random(n) < 0.15))
    date_text[rng.random(n) < 0.001] = "00/00/0000"
    start = dates.year - (dates.month < 7)
    seasons = pd.Series(start.astype(str)) + "-" + pd.Series((start + 1) % 100).astype(str).str.zfill(2)
    season_text = _text_of(seasons.to_numpy(), day)
    cents = np.unique(np.outer(PRICES, [1, 2, 3, 4]).ravel()) * 100
    amount = rng.integers(0, len(cents), n)
    dotted = [f"{c // 100}.{c % 100:02d}" for c in cents]
    comma = [t.replace(".", ",") for t in dotted]
    amount_text = _text_of(np.asarray(dotted + comma, dtype=object), amount + len(cents) * (rng.random(n) < 0.01))
    amount_text[rng.random(n) < 0.001] = "offert"
    return pd.DataFrame({
        "ID": pd.Series(np.arange(1, n + 1)).astype("str"), "NUM_CLIENT": pd.Series(owner, dtype="str"),
        "DATE_COMMANDE": date_text, "MONTANT": amount_text, "SAISON": season_text,
    })
