from tests.e2e.approvals.conftest import hall as hall  # noqa: F401 - the fixture, reused
