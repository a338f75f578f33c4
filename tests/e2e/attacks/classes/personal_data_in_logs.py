"""Personal data out of URLs and logs (issue 20, item 10), run last: the window searches by
an applicant's name (posted), an old link puts a name in the query string, a client puts
one in a path; then the server's whole log of the run is scanned for every name, ID
number and phone the suite sent."""
from __future__ import annotations

from urllib.parse import quote

from tests.e2e.attacks.harness import ClassTally, Target

NAME = "personal_data_in_logs"
TITLE = "日志与 URL 中的个人信息：按姓名查询、查询串与路径中的姓名；扫描整次运行的服务器日志"
ORDER = 1000


def run(target: Target, tally: ClassTally) -> None:
    person = target.applicant(1)  # the first case's applicant
    session, token = target.page_session("clerk-binhe")
    found = session.post(target.base + "/cases", data={"csrf_token": token,
                                                       "q": person["name"]}, timeout=30)
    tally.attempt("the search by name is a POST that finds the case",
                  found.status_code == 200 and target.cases["binhe"]["number"] in found.text
                  and person["name"] not in found.url, str(found.status_code))
    session.get(f"{target.base}/cases?q={quote(person['name'])}", timeout=30)
    target.get(f"/api/v1/users/{quote(person['name'])}", target.person("admin"))
    target.get(f"/api/v1/applications?center={person['phone']}", target.person("clerk-binhe"))

    log = target.log.read_text(encoding="utf-8", errors="replace")
    tally.attempt("the server logged the run", "access method=POST route=/cases status=200" in log)
    for value in sorted(target.personal):
        for form in {value, quote(value)}:
            tally.attempt(f"{value[:2]}… not in the log", form not in log)
