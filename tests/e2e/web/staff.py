"""Helpers for the HTTP tests of staff pages: a workstation (its own test client) signed in
as one person through the login form, and the page read as a tree (lxml, which
python-docx brings; XPath, as cssselect is not installed) so that a test asserts on a
table's cells, not on a substring anywhere in the page."""
from __future__ import annotations

from typing import Any

from lxml import html as lxml_html

from tests.e2e.web.pages import fresh, signed_in


class Workstation:
    """One person's browser without a browser: GET a page, POST its form with the
    session's token (the token any page of the session carries)."""

    def __init__(self, app: Any, person: Any) -> None:
        app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks http
        self.client = app.test_client()
        self.person = person
        self.token = signed_in(self.client, person)

    def get(self, path: str, **kwargs: Any) -> Any:
        return fresh(self.client, "GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return fresh(self.client, "POST", path,
                     data={**(data or {}), "csrf_token": self.token}, **kwargs)


def tree(response: Any) -> Any:
    return lxml_html.fromstring(response.get_data(as_text=True))


def text(element: Any) -> str:
    """An element's text with its whitespace collapsed."""
    return " ".join(element.text_content().split())


def having_class(name: str) -> str:
    """An XPath test for an element carrying the class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def table_rows(response: Any, table: str) -> list[list[str]]:
    """The body rows of the first table matching the XPath ``table``, each as its
    cells' texts."""
    found = tree(response).xpath(table)
    assert found, f"no {table} on the page"
    return [[text(td) for td in tr.xpath("./td")] for tr in found[0].xpath("./tbody/tr")]


def flashes(response: Any) -> list[str]:
    return [text(p) for p in tree(response).xpath(f"//p[{having_class('flash')}]")]


def field_errors(response: Any, name: str) -> list[str]:
    """The messages shown beside the input ``name`` (the pages' ``field`` macro)."""
    return [text(p) for p in tree(response).xpath(
        f"//*[@data-field='{name}']//*[{having_class('field-error')}]")]


def value_of(response: Any, name: str) -> str:
    """What an input or text area of the page holds."""
    found = tree(response).xpath(f"//textarea[@name='{name}'] | //input[@name='{name}']")
    assert found, f"no input {name} on the page"
    element = found[0]
    return (element.text or "") if element.tag == "textarea" else element.get("value", "")
