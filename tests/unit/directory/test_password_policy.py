"""The password policy as a pure rule: what the attack found accepted is refused."""
import pytest

from hub.directory.password_policy import DEMO_PASSWORD, common_passwords, problems


def refused(password, **account):
    return problems(password, min_length=10, forbidden=(DEMO_PASSWORD,), **account)


@pytest.mark.parametrize("password", ["12345678", "password", "1234567890123", "Password2026!",
                                      "P@ssw0rd!2026", "qwertyuiop123", "iloveyou1314",
                                      "!!Sunshine2026", "aaaaaaaaaaaa"])
def test_what_a_guesser_tries_first_is_refused(password):
    assert refused(password)


def test_the_account_s_own_name_and_the_demo_password_are_refused():
    assert refused("wang.xiaoming", username="wang.xiaoming")
    assert refused("Wang.Xiaoming-2026", username="wang.xiaoming")
    assert refused("我是王小明的密码呀", display_name="王小明")
    assert "不能使用公开的演示密码" in refused(DEMO_PASSWORD)
    assert "不能使用公开的演示密码" in refused(DEMO_PASSWORD.lower())


@pytest.mark.parametrize("password", ["correct horse battery", "沈河区政务服务中心窗口三号",
                                      "Shenhe#Hall-2026", "a new long password"])
def test_a_long_password_of_ones_own_is_accepted(password):
    assert refused(password, username="wang.xiaoming", display_name="王小明") == []


def test_length_bounds_and_each_reason_is_given():
    assert refused("Ab3$efgh") == ["密码至少 10 位"]
    assert refused("x" * 5 + "yzuvw" * 60)[0] == "密码不能超过 256 位"


def test_the_shipped_list_holds_ten_thousand_common_passwords():
    common = common_passwords()
    assert len(common) == 10_000  # the header is no password; a line starting with # is
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
