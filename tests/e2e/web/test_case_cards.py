"""A case shows one card everywhere (issue 21, item 8), over HTTP on both backends: the
worst of its own and its running steps', the same in the window's list, its filter, the
center's list on the officials' dashboard and the case's own page; and the officials'
drill-down shows each department's overdue tasks and timeliness rate (item 1)."""
import datetime as dt
import html
import re

import pytest

from hub.web.filters import percent
from tests.e2e.approvals.conftest import hall  # noqa: F401
from tests.e2e.web.pages import backend, fresh, signed_in  # noqa: F401


@pytest.fixture
def late_step(hall, client, frozen_clock):  # noqa: F811
    """A case whose market step (3 working days) is past while the case (10) is not, and
    one accepted just now."""
    client.application.config["SESSION_COOKIE_SECURE"] = False
    late = hall.submitted()
    frozen_clock.advance(dt.timedelta(days=7))
    fresh_case = hall.submitted()
    shown = hall.get(late["id"])
    assert shown["warning"] is None and hall.task(shown, "market")["warning"] == "red"
    return hall, late, fresh_case


def row_of(html, number):
    found = re.search(r'<tr class="([^"]*)">\s*<td data-label="办件编号" class="mono">'
                      r'<a href="/cases/[0-9a-f-]+">' + re.escape(number) + r'</a>(.*?)</tr>',
                      html, re.S)
    assert found, f"{number} not listed"
    return found.group(1), re.sub(r"<[^>]+>", "", found.group(2))


def numbers_in(html):
    return re.findall(r'class="mono"><a href="/cases/[0-9a-f-]+">([A-Z0-9-]+)</a>', html)


def test_the_window_lists_a_case_with_a_late_step_as_red_as_its_page(late_step, client):
    cast, late, fresh_case = late_step
    signed_in(client, cast.clerk)
    page = fresh(client, "GET", f"/cases/{late['id']}").text
    assert "红牌·超期" in page and "有审批环节已超期，办件总时限尚未超期" in page

    listing = fresh(client, "GET", "/cases").text
    css, text = row_of(listing, late["number"])
    assert css == "row-red" and "红牌·超期" in text and "有审批环节已超期" in text, text
    css, text = row_of(listing, fresh_case["number"])
    assert css == "" and "正常" in text, text
    # The filter finds what the list shows.
    assert numbers_in(fresh(client, "GET", "/cases?warning=red").text) == [late["number"]]
    assert numbers_in(fresh(client, "GET", "/cases?warning=yellow").text) == []


def test_the_centers_list_on_the_dashboard_shows_the_same_card(late_step, client):
    cast, late, fresh_case = late_step
    signed_in(client, cast.supervisor)
    listing = fresh(client, "GET", "/dashboard/centers/binhe").text
    css, text = row_of(listing, late["number"])
    assert css == "row-red" and "红牌·超期" in text and "有审批环节已超期" in text, text
    assert "正常" in row_of(listing, fresh_case["number"])[1]


def department_figures(cast, client, period):
    """The API's per-department figures for ``period`` (``{}``: all time), by code."""
    response = fresh(client, "GET", "/api/v1/supervision/departments", query_string=period,
                     headers=cast.supervisor.headers)
    assert response.status_code == 200, response.get_json()
    return {row["department"]: row for row in response.get_json()["items"]}


def shown(html, css):
    """The text of the element of class ``css`` (its first figure: up to the note)."""
    found = re.search(r'class="[^"]*\b' + re.escape(css) + r'">([^<（]*)', html)
    assert found, f"no .{css}"
    return found.group(1).strip()


@pytest.mark.parametrize("period", [{}, {"from": "2026-12-01", "to": "2026-12-31"},
                                    {"from": "2026-11-01", "to": "2026-11-30"}])
def test_the_center_and_department_pages_show_the_apis_department_timeliness(
        late_step, client, period):
    # Issue 21, item 1: the drill-down shows each department's overdue tasks and
    # timeliness rate, the very figures the API serves for the same period.
    cast, _late, _fresh_case = late_step
    signed_in(client, cast.supervisor)
    market = department_figures(cast, client, period)["market"]
    if period.get("from") != "2026-11-01":  # the late step falls due in December
        assert market["overdue"] == 1 and market["timeliness_rate"] == 0.0, market
    else:
        assert market["overdue"] == 0 and market["timeliness_rate"] is None, market

    center = fresh(client, "GET", "/dashboard/centers/binhe", query_string=period).text
    row = re.search(r'<tr data-department="market">(.*?)</tr>', center, re.S)
    assert row, "market not in the center's department table"
    assert shown(row.group(1), "timeliness") == percent(market["timeliness_rate"])
    assert shown(row.group(1), "overdue") == str(market["overdue"])
    assert "部门办结及时率（全区）" in center and "部门超期未办结（全区）" in center
    # The drill-down link keeps the period.
    link = html.unescape(re.search(
        r'href="(/dashboard/centers/binhe/departments/market[^"]*)"', row.group(1)).group(1))
    assert link == "/dashboard/centers/binhe/departments/market" + (
        f"?from={period['from']}&to={period['to']}" if period else "")

    department = fresh(client, "GET", link).text
    assert shown(department, "timeliness-rate") == percent(market["timeliness_rate"])
    assert shown(department, "overdue") == str(market["overdue"])
    assert shown(department, "on-time-rate") == percent(market["on_time_rate"])
    assert "办结及时率" in department and "超期未办结" in department
    assert department.count('class="mono"><a href="/cases/') == 2  # both cases' tasks listed
