"""How old a center's data is and the nightly runs it missed (no I/O)."""
from __future__ import annotations

import datetime as dt

from hub.timezones import SHANGHAI
from hub.sync.freshness import GRACE, Nightly, age_seconds, age_text, nights_missed

NIGHTLY = Nightly(1, 30)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_a_night_is_missed_once_its_run_had_its_grace() -> None:
    synced = at("2026-12-01T01:36")  # Tuesday night's run succeeded
    assert GRACE == dt.timedelta(hours=2)
    assert nights_missed(NIGHTLY, synced, at("2026-12-02T03:29")) == 0  # Wednesday's runs
    assert nights_missed(NIGHTLY, synced, at("2026-12-02T03:30")) == 1  # grace over


def test_every_night_since_counts() -> None:
    # The week's syncs stopped after Monday night: Tue, Wed, Thu and Fri nights missed.
    assert nights_missed(NIGHTLY, at("2026-11-30T01:40"), at("2026-12-04T17:30")) == 4


def test_a_success_at_any_hour_makes_the_data_fresh() -> None:
    manual = at("2026-12-03T15:00")  # an administrator synced by hand after a bad night
    assert nights_missed(NIGHTLY, manual, at("2026-12-04T01:00")) == 0
    assert nights_missed(NIGHTLY, manual, at("2026-12-04T03:31")) == 1


def test_the_schedule_is_shanghais_whatever_the_instants_zone() -> None:
    utc = dt.timezone.utc
    synced = at("2026-12-01T01:36").astimezone(utc)
    assert nights_missed(NIGHTLY, synced, at("2026-12-02T03:30").astimezone(utc)) == 1
    # Another hour for the nightly run moves the nights with it.
    late = Nightly(23, 0)
    assert nights_missed(late, at("2026-12-01T23:10"), at("2026-12-02T23:59")) == 0
    assert nights_missed(late, at("2026-12-01T23:10"), at("2026-12-03T01:00")) == 1


def test_nothing_to_measure_from_is_no_missed_night() -> None:
    assert nights_missed(NIGHTLY, None, at("2026-12-04T17:30")) == 0
    assert nights_missed(NIGHTLY, at("2026-12-04T17:00"), at("2026-12-04T17:30")) == 0


def test_the_age_as_the_pages_say_it() -> None:
    now = at("2026-12-04T17:30")
    assert age_seconds(None, now) is None and age_text(None) == "从未成功"
    assert age_seconds(now + dt.timedelta(seconds=5), now) == 0.0  # a clock ahead: not negative
    assert age_text(age_seconds(at("2026-11-30T01:40"), now)) == "4 天 15 小时"
    assert age_text(5 * 3600 + 600) == "5 小时 10 分"
    assert age_text(59) == "0 分钟"
