from datetime import date

import pytest

from stx_migrate.migration.procedure import check_milestone, milestone_schedule

J = date(2027, 3, 1)


@pytest.mark.parametrize("step, on_time, late", [
    ("receive-data", date(2027, 2, 15), date(2027, 2, 16)),
    ("import-preprod", date(2027, 2, 22), date(2027, 2, 23)),
    ("refresh-j-1", date(2027, 2, 28), date(2027, 3, 1)),
    ("import-production", date(2027, 3, 1), date(2027, 3, 2)),
])
def test_step_warns_only_after_its_milestone(step, on_time, late):
    assert check_milestone(step, on_time, J) is None
    warning = check_milestone(step, late, J)
    assert warning and step in warning and "1 day(s)" in warning and on_time.isoformat() in warning


def test_steps_without_milestone_never_warn():
    for step in ("prepare-data", "import-dev", "final-validation"):
        assert check_milestone(step, date(2030, 1, 1), J) is None


def test_schedule_lists_the_four_milestones_in_order():
    assert [(m["j"], m["due"]) for m in milestone_schedule(J)] == [
        ("J-14", "2027-02-15"), ("J-7", "2027-02-22"), ("J-1", "2027-02-28"), ("J", "2027-03-01")]
