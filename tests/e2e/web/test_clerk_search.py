"""The window finds cases as a counter does (issue 21, item 4), over HTTP on both backends:
by a whole ID number through its look-up hash (in any digits the keyboard gives), a part
of the case number, of the applicant's name or of the company's name (the item's field
marked as such); never another center's; the words only ever posted; the list paged
both ways; the supplement inbox with its count."""
import datetime as dt
import re

import pytest
from sqlalchemy import update

from hub.catalog.models import ServiceItem

from tests.e2e.approvals.conftest import ID_NUMBER, hall, lasting  # noqa: F401
from tests.e2e.web.pages import backend, fresh, post_form, signed_in  # noqa: F401

FORM = [{"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
         "departments": ["market"], "company": True}]
OTHER_ID = "11010519491231002X"


@pytest.fixture
def window(hall, client, session):  # noqa: F811
    # The item's shop name is its company's name (the field the window searches).
    session.execute(update(ServiceItem).where(ServiceItem.code == "open-restaurant")
                    .values(form=FORM))
    client.application.config["SESSION_COOKIE_SECURE"] = False
    signed_in(client, hall.clerk)
    return hall


def numbers_in(html):
    return re.findall(r'class="mono"><a href="/cases/[0-9a-f-]+">([A-Z0-9-]+)</a>', html)


def search(client, q, **extra):
    response = post_form(client, "/cases", {"q": q, **extra}, token_from="/cases")
    assert response.status_code == 200, response.text[:300]
    return numbers_in(response.text)


def test_a_counter_finds_a_case_by_id_number_number_name_or_company(window, client, people):
    first = window.submitted(form={"shop_name": "老边饺子馆（中街店）"})
    second = window.submitted(applicant={"name": "李四光", "id_number": OTHER_ID,
                                         "phone": "13912345678"},
                              form={"shop_name": "马家烧麦"})
    elsewhere = lasting(people, people.clerk(center="daxi"))
    window.submitted(clerk=elsewhere, center="daxi", form={"shop_name": "老边饺子馆（大西店）"})
    assert search(client, ID_NUMBER) == [first["number"]]
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    spaced_fullwidth = " ".join(ID_NUMBER.translate(fullwidth))
    assert search(client, spaced_fullwidth) == [first["number"]]
    assert search(client, OTHER_ID.lower()) == [second["number"]]
    assert search(client, "21010519491231002X") == []  # nobody of this center
    assert search(client, second["number"][-4:]) == [second["number"]]
    assert sorted(search(client, "20261130")) == [first["number"], second["number"]]
    assert search(client, "李四") == [second["number"]]
    assert search(client, "饺子馆") == [first["number"]]  # daxi's is not the window's
    assert search(client, "%") == [] and search(client, "_") == []  # wildcards are literal


def test_the_words_never_go_into_an_address(window, client):
    window.submitted()
    everything = numbers_in(fresh(client, "GET", "/cases").text)
    # A search in a URL is ignored: the list is the whole list.
    assert numbers_in(fresh(client, "GET", f"/cases?q={ID_NUMBER}").text) == everything
    page = post_form(client, "/cases", {"q": ID_NUMBER}, token_from="/cases").text
    assert ID_NUMBER not in re.sub(r'<input id="f-q"[^>]*>', "", page)  # only the box holds it


def test_the_list_pages_both_ways(window, client, frozen_clock):
    made = []
    for n in range(53):
        made.append(window.submitted(form={"shop_name": f"店{n}"})["number"])
        frozen_clock.advance(dt.timedelta(minutes=1))
    first = fresh(client, "GET", "/cases").text
    assert numbers_in(first) == made[::-1][:50] and 'rel="prev"' not in first
    following = re.search(r'rel="next" href="(/cases\?cursor=[^"]+)"', first).group(1)
    second = fresh(client, "GET", following.replace("&amp;", "&")).text
    assert numbers_in(second) == made[::-1][50:]
    back = re.search(r'rel="prev" href="(/cases\?cursor=[^"]+)"', second).group(1)
    assert numbers_in(fresh(client, "GET", back.replace("&amp;", "&")).text) == made[::-1][:50]
    # A search's pages are posted, both ways.
    searched = post_form(client, "/cases", {"q": "BINHE"}, token_from="/cases").text
    assert numbers_in(searched) == made[::-1][:50]
    cursor = re.search(r'name="cursor" value="([^"]+)">\s*<button[^>]*rel="next"', searched)
    assert cursor and numbers_in(post_form(client, "/cases", {
        "q": "BINHE", "cursor": cursor.group(1)}, token_from="/cases").text) == made[::-1][50:]


def test_the_supplement_inbox_and_its_count(window, client):
    case = window.submitted()
    assert "待补正 <span" not in fresh(client, "GET", "/cases").text
    window.decided(window.task(case, "market"), "request_supplement", comment="请补充租赁合同")
    page = fresh(client, "GET", "/cases").text
    assert re.search(r'待补正 <span class="nav-count"[^>]*>1</span>', page)
    inbox = fresh(client, "GET", "/cases/supplements").text
    assert numbers_in(inbox) == [case["number"]] and "请补充租赁合同" in inbox
    resubmitted = post_form(client, f"/cases/{case['id']}/resubmit",
                            {"form.shop_name": "老边饺子馆"})
    assert resubmitted.status_code == 302
    assert numbers_in(fresh(client, "GET", "/cases/supplements").text) == []
    assert numbers_in(fresh(client, "GET", "/cases/supplements?view=all").text) == \
        [case["number"]]
    assert "nav-count" not in fresh(client, "GET", "/cases").text


def test_the_inbox_is_the_windows(client, people, window):
    people.approver("market", username="li")
    fresh(client, "POST", "/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', fresh(client, "GET", "/me").text).group(1)})
    signed_in(client, window.approvers["market"])
    assert fresh(client, "GET", "/cases/supplements").status_code == 403
