"""Citizens' names, ID numbers and phones stay out of URLs and logs: the clerk's search is
posted, not a GET with the name in the query string; every log line of a request names
its route template, never the path or query the client sent; a database error never
quotes the values bound to its statement. The logs of a run of the hall's work, with bad
input in it, are scanned for every value used."""
from __future__ import annotations

import logging

import pytest

from tests.e2e.approvals.conftest import hall  # noqa: F401 - the fixture
from tests.e2e.web.pages import signed_in

NAME = "欧阳娜娜"
ID_NUMBER = "11010519491231002X"
PHONE = "13987654321"
PERSONAL = [NAME, ID_NUMBER, PHONE, "欧阳", ID_NUMBER[-8:], PHONE[3:]]


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)  # the access lines too
    return caplog


def test_no_name_id_number_or_phone_reaches_a_log_line(client, hall, people, logged):  # noqa: F811
    applicant = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}
    case = hall.submitted(applicant=applicant)
    # Bad input carrying personal data: refused, and not logged either.
    assert hall.submit(applicant={**applicant, "id_number": ID_NUMBER[:-1] + "7"}).status_code == 422
    assert hall.submit(applicant={**applicant, "name": NAME + "\u202e"}).status_code == 422
    assert hall.submit(applicant={**applicant, "phone": PHONE + "0"}).status_code == 422
    # Personal data where a client should never put it: a path, a query string.
    assert client.get(f"/api/v1/users/{NAME}", headers=hall.admin.headers).status_code == 404
    assert client.get(f"/api/v1/applications?center={PHONE}",
                      headers=hall.clerk.headers).status_code == 422
    client.get(f"/api/v1/nothing/{ID_NUMBER}?name={NAME}")

    # The window's search, as the page sends it.
    token = signed_in(client, hall.clerk)
    found = client.post("/cases", data={"csrf_token": token, "q": NAME[:2]})
    assert found.status_code == 200 and case["number"] in found.text
    assert "欧**" in found.text and NAME not in found.text  # found by name, shown masked
    # A name in the old search link is no search, and no log line has it.
    old = client.get(f"/cases?q={NAME}")
    assert old.status_code == 200 and "没有符合条件的办件" not in old.text

    text = logged.text
    assert "access method=POST route=/cases status=200" in text  # the lines were written
    assert "route=/api/v1/users/<string:username> status=404" in text
    assert [value for value in PERSONAL if value in text] == []


def test_the_search_form_posts_and_its_next_page_too(client, hall, people):  # noqa: F811
    for _ in range(51):
        hall.submitted(applicant={"name": NAME, "id_number": ID_NUMBER, "phone": PHONE})
    token = signed_in(client, hall.clerk)
    first = client.post("/cases", data={"csrf_token": token, "q": NAME})
    page = first.text
    assert 'method="post"' in page and NAME in page  # the query kept in the posted form only
    assert f"q={NAME}" not in page and "q=%E6" not in page
    cursor = page.split('name="cursor" value="')[1].split('"')[0]
    second = client.post("/cases", data={"csrf_token": token, "q": NAME, "cursor": cursor})
    assert second.status_code == 200 and second.text.count("欧***") == 1
    assert client.post("/cases", data={"q": NAME}).status_code == 400  # no CSRF token
