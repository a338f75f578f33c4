"""Every page with the period form offers this month, quarter and year (issue 21, item 1),
over HTTP on both backends: the form asks for its presets itself, so a page cannot show
an empty "期间：" row (the call center's did)."""
import html
import re

import pytest

from tests.e2e.web.pages import backend, fresh, signed_in  # noqa: F401


@pytest.fixture
def official(client, people, frozen_clock):
    client.application.config["SESSION_COOKIE_SECURE"] = False
    signed_in(client, people.supervisor())
    return client


def presets(page):
    group = re.search(r'<div class="presets"[^>]*>(.*?)</div>', page, re.S)
    assert group, "no period presets"
    return [(html.unescape(href), current, label) for href, current, label in re.findall(
        r'<a class="button[^"]*" href="([^"]+)"( aria-current="true")?>([^<]+)</a>',
        group.group(1))]


@pytest.mark.parametrize("path", ["/dashboard/callcenter", "/dashboard",
                                  "/dashboard/centers/binhe"])
def test_the_period_form_offers_month_quarter_and_year(official, path):
    # The clock stands on Monday 30 November 2026.
    found = presets(fresh(official, "GET", path).text)
    assert [label for _, _, label in found] == ["本月", "本季度", "本年", "全部时间"]
    assert found[0][0] == f"{path}?from=2026-11-01&to=2026-11-30"
    assert found[2][0] == f"{path}?from=2026-01-01&to=2026-12-31"
    assert [label for _, current, label in found if current] == ["全部时间"]
    this_quarter = presets(fresh(official, "GET", found[1][0]).text)
    assert this_quarter[1][0] == f"{path}?from=2026-10-01&to=2026-12-31"
    assert [label for _, current, label in this_quarter if current] == ["本季度"]
