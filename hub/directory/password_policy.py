"""The password policy, pure (no framework, no database): what a new password must not be.

After NIST SP 800-63B (5.1.1.2): a minimum length, no password from a list of common
ones (also in its usual disguises: capitals, digits or symbols added at the end, letters
written as digits), nothing derived from the account itself, and no composition rules
beyond refusing digits alone (a number is quickly counted through). The demo's published
password is refused everywhere: only ``hub seed --demo`` gives it, to the demo's accounts.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

MAX_LENGTH = 256
# The password of the demo's accounts, published in the README: refused for every other.
DEMO_PASSWORD = "Demo@2026"
# Letters as people write them with digits and symbols (p@ssw0rd).
_UNDISGUISE = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e",
                             "$": "s", "5": "s", "7": "t", "+": "t"})
_TRAILING = re.compile(r"[\d\W_]+$")
_LEADING = re.compile(r"^[\d\W_]+")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list (``common-passwords.txt``: its header says where it comes from)."""
    text = resources.files("hub.directory").joinpath("common-passwords.txt").read_text("utf-8")
    _header, _, body = text.partition("\n\n")
    return frozenset(line.strip().lower() for line in body.splitlines() if line.strip())


def _variants(password: str) -> set[str]:
    """The password and what it is underneath its usual disguises."""
    lowered = password.lower()
    stem = _LEADING.sub("", _TRAILING.sub("", lowered))
    found = {lowered, stem, lowered.translate(_UNDISGUISE)}
    if stem:
        found.add(stem.translate(_UNDISGUISE))
    return {v for v in found if v}


def problems(password: str, *, min_length: int, username: str = "", display_name: str = "",
             forbidden: tuple[str, ...] = ()) -> list[str]:
    """Why ``password`` may not be used (in Chinese, for the person choosing it); empty
    when it may. ``forbidden``: passwords refused outright (the demo's)."""
    found: list[str] = []
    if len(password) < min_length:
        found.append(f"密码至少 {min_length} 位")
    if len(password) > MAX_LENGTH:
        found.append(f"密码不能超过 {MAX_LENGTH} 位")
    if password.isdigit():
        found.append("密码不能全是数字")
    elif len(set(password.lower())) < 5:
        found.append("密码中不同的字符太少")
    lowered = password.lower()
    if lowered in {f.lower() for f in forbidden}:
        found.append("不能使用公开的演示密码")
    elif _variants(password) & common_passwords():
        found.append("这是常见密码（或其简单变形），很容易被猜中，请换一个")
    for label, value in (("用户名", username), ("姓名", display_name)):
        value = value.strip().lower()
        if len(value) >= (3 if label == "用户名" else 2) and value in lowered:
            found.append(f"密码不能包含{label}")
    return found
