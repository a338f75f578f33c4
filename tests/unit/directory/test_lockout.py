"""The pair's growing delay, as a pure rule."""
from hub.config import Settings
from hub.directory.lockout import Attempt, delay_after


def test_no_delay_before_the_threshold_then_doubling_to_the_cap():
    settings = Settings(login_max_failures=5, login_delay_seconds=5, login_max_delay_seconds=900)
    assert [delay_after(n, settings) for n in range(1, 15)] == \
        [0, 0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900, 900]
    assert delay_after(10_000, settings) == 900  # no overflow however long it goes on


def test_an_attempt_counts_its_name_in_any_case_and_ipv6_per_64():
    a = Attempt(" Wang ", "2001:db8:0:1::5")
    b = Attempt("wang", "2001:db8:0:1:abcd::1")
    assert (a.name, a.key) == (b.name, b.key) == ("wang", "2001:db8:0:1::/64")
    assert a.address != b.address  # the audit trail keeps the exact address
