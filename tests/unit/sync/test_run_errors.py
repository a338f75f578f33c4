"""How a failed run's reason is worded (``runner.describe``, the one place): what the
administrator reads is Chinese; the exception's own text is the technical detail."""
from __future__ import annotations

import re

from adapters.base import AdapterError
from hub.errors import Conflict
from hub.sync import runner

ENGLISH = re.compile(r"[A-Za-z]{3,}")


def test_a_source_error_shows_its_message_and_keeps_its_technical_text() -> None:
    shown, technical = runner.describe(AdapterError("无法连接该中心的业务数据库",
                                                    technical="OperationalError: gone"))
    assert shown == "无法连接该中心的业务数据库" and technical == "OperationalError: gone"


def test_an_unexpected_exception_is_an_internal_error_in_chinese() -> None:
    shown, technical = runner.describe(RuntimeError("division by zero\nsecond line"))
    assert shown == runner.INTERNAL_ERROR and not ENGLISH.search(shown)
    assert technical == "RuntimeError: division by zero"


def test_a_hub_error_is_its_chinese_detail() -> None:
    assert runner.describe(Conflict("只能重试失败的同步")) == ("只能重试失败的同步", None)
