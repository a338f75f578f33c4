"""Bearer tokens: absent, malformed, forged, expired, of staff who left, in the query
string instead of the header; each is refused with 401 and nothing else."""
from __future__ import annotations

import datetime as dt
import secrets

from hub import clock, db
from hub.directory.auth import token_digest
from hub.directory.models import ApiToken, User
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "tokens"
TITLE = "访问令牌：缺失、格式错误、伪造、过期、离职人员的令牌、放在查询串中"
ORDER = 60


def expired_token(target: Target, username: str) -> str:
    """A token of ``username`` that expired an hour ago (issued as the server would)."""
    token = secrets.token_urlsafe(32)
    with target.app.app_context():
        with db.get_database(target.app).session_scope() as session:
            user = session.query(User).filter_by(username=username).one()
            now = clock.now()
            session.add(ApiToken(token_hash=token_digest(token), user_id=user.id,
                                 generation=user.token_generation,
                                 issued_at=now - dt.timedelta(hours=9),
                                 expires_at=now - dt.timedelta(hours=1)))
            session.commit()
    return token


def run(target: Target, tally: ClassTally) -> None:
    good = target.person("clerk-dongling").token
    headers = {
        "no header": {}, "empty bearer": {"Authorization": "Bearer "},
        "another scheme": {"Authorization": f"Basic {good}"},
        "forged": {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"},
        "truncated": {"Authorization": f"Bearer {good[:-2]}"},
        "expired": {"Authorization": f"Bearer {expired_token(target, 'clerk-dongling')}"},
        "with a NUL": {"Authorization": f"Bearer {good}\x00"},
        "oversized": {"Authorization": "Bearer " + "a" * 8000},
    }
    for what, header in headers.items():
        for path in ("/api/v1/me", "/api/v1/applications"):
            try:
                answer = target.get(path, headers=header)
            except ValueError:  # the HTTP client refuses to send it: nothing to attack with
                tally.attempt(f"{what} on {path}", True)
                continue
            # 400 from gunicorn itself (a NUL in a header): refused before the hub.
            tally.attempt(f"{what} on {path}", answer.status_code in (400, 401, 431),
                          f"{answer.status_code} {answer.text[:200]}")
    for path in (f"/api/v1/me?access_token={good}", f"/api/v1/me?token={good}"):
        tally.no_server_error(f"token in the query string {path[:20]}", target.get(path),
                              lambda r: r.status_code == 401)
    # Staff who left: their token stops working at once.
    leaver = target.person("clerk-beishichang")
    before = target.get("/api/v1/me", leaver).status_code
    changed = target.request("PATCH", "/api/v1/users/clerk-beishichang", target.person("admin"),
                             json={"status": "left"})
    after = target.get("/api/v1/me", leaver)
    tally.attempt("the token of staff who left", before == 200 and changed.status_code == 200
                  and after.status_code == 401, f"{before} {changed.status_code} {after.status_code}")
