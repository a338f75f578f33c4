"""A case shows one card everywhere (issue 21, item 8), over HTTP on both backends: the
worst of its own and its running steps', the same in the window's list, its filter, the
center's list on the officials' dashboard and the case's own page."""
import datetime as dt
import re

import pytest

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
