"""Times in Asia/Shanghai and Chinese labels, as the templates show them."""
import datetime as dt

from hub.web.filters import label, local_date, local_datetime, percent

UTC = dt.timezone.utc


def test_instants_are_shown_in_asia_shanghai():
    # 16:30 UTC on 31 December is already New Year's Day in Shenyang.
    moment = dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert local_datetime(moment) == "2027-01-01 00:30"
    assert local_datetime(moment, with_seconds=True) == "2027-01-01 00:30:00"
    assert local_date(moment) == "2027-01-01（周五）"
    assert local_date(dt.date(2026, 11, 30)) == "2026-11-30（周一）"
    assert local_datetime(None) == ""


def test_rates_and_labels():
    assert percent(0.9876) == "98.8%" and percent(None) == "—"
    assert label("supplement_requested", "status") == "待补正"
    assert label("request_supplement", "decision") == "要求补正"
    assert label("chief", "role") == "首席代表"
