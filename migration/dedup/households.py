"""Which household rules the data call for: parents and children of one name, other first names at one address.

A junior and his father share first name, last name, address and often the landline; only the
birth dates tell them apart. A spouse shares the last name and the address. But a copy of one
person whose birth date or first name was mistyped or replaced looks the same. Two things
separate them:

* the gap: a parent and a child are born :data:`GENERATION_YEARS` apart; closer dates that
  differ are one person's typo or wrong entry (1985 / 1958 is two digits swapped, 1985 / 1984
  a wrong digit), not a child;
* the data. A replaced birth date lands anywhere, so it falls inside the generation window as
  often as the data's own spread of birth years predicts from the wrong dates that fall outside
  it: when same-name pairs at one address are a generation apart no more often than that, the
  data hold wrong dates, not juniors. Likewise, two persons of one household with other first
  names have different birth dates, while a copy whose first name was replaced keeps its date
  (unless its date was wrong too, at the rate the same-name copies show): when the pairs with
  another first name at one address agree on the birth date about as often as copies do, they
  are copies, not households. Such data (a registry; FEBRL) get neither rule, which would only
  split copies of one person; a ticketing customer's contacts, with households, get both. With
  too few pairs to tell, a rule applies.
"""
from __future__ import annotations

import numpy as np

from .records import INDIVIDUAL, Records

GENERATION_YEARS = (14, 50)     # a parent's age at a child's birth: the gap that makes two generations
MIN_EVIDENCE = 3                # fewer telling pairs than this: too few to tell, the rule applies
EXCESS = 2.0                    # the rule's pairs must exceed this many times what wrong values explain


def generation_apart(da: np.ndarray, db: np.ndarray) -> np.ndarray:
    """Both birth dates known (``yyyymmdd`` integers, 0 = unknown) and their years a generation apart."""
    gap = np.abs(da // 10_000 - db // 10_000)
    return (da > 0) & (db > 0) & (gap >= GENERATION_YEARS[0]) & (gap <= GENERATION_YEARS[1])


def applied_rules(rec: Records, levels: dict[str, np.ndarray], rules: dict[str, np.ndarray], households: bool) -> set[str]:
    """The contact rules (:data:`.levels.RULES`) to apply to these person pairs.

    Titles of two sexes always apply; with ``households`` (the setting), the other-sex form of a
    first name too, and the household and junior/senior rules where the data call for them.
    """
    if not households:
        return {"sex_conflict"}
    applied = {"sex_conflict", "other_form"}
    birth = levels["birth_date"]            # 0 missing, 1 exact, 2 one typo apart, 3 same year, 4 different
    at_home = np.isin(levels["last_name"], (1, 2)) & np.isin(levels["address"], (1, 2))
    same_names = at_home & (levels["first_name"] == 1) & (birth > 0)
    apart = rules["generation"] & same_names
    wrong = same_names & (birth > 2) & ~apart           # neither a typo nor a generation
    if _more_than_explained(int(apart.sum()), int(wrong.sum()), _window_share(rec)):
        applied.add("generation")
        same_names &= ~apart                            # juniors, not copies
    else:
        wrong |= apart                                  # no juniors: those were wrong dates too
    wrong_rate = int(wrong.sum()) / max(int(same_names.sum()), 1)
    other_first = at_home & (levels["first_name"] == 5) & ~rules["other_form"]
    agree, differ = int((other_first & np.isin(birth, (1, 2))).sum()), int((other_first & (birth > 2)).sum())
    if _more_than_explained(differ, agree, wrong_rate):
        applied.add("household")
    return applied


def _more_than_explained(observed: int, reference: int, share: float) -> bool:
    """Whether ``observed`` pairs exceed what ``reference`` pairs give by chance
    (``reference · share / (1 - share)``); with too few reference pairs to tell, True."""
    if reference < MIN_EVIDENCE:
        return True
    return observed > EXCESS * reference * share / max(1 - share, 1e-9)


def _window_share(rec: Records) -> float:
    """Chance that two persons drawn at random have birth years a generation apart."""
    years = rec.dob_int[(rec.kind == INDIVIDUAL) & (rec.dob_int > 0)] // 10_000
    if not len(years):
        return 0.5
    f = np.bincount(years - int(years.min())) / len(years)
    gaps = np.convolve(f, f[::-1])          # distribution of year differences, centred on len(f) - 1
    offset = np.abs(np.arange(len(gaps)) - (len(f) - 1))
    return float(gaps[(offset >= GENERATION_YEARS[0]) & (offset <= GENERATION_YEARS[1])].sum())
