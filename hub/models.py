"""Every model module, imported so that ``Base.metadata`` holds every table
(Alembic's autogenerate and the migration tests read it from here)."""
from hub.approvals import models as approvals_models  # noqa: F401
from hub.audit import models as audit_models  # noqa: F401
from hub.catalog import models as catalog_models  # noqa: F401
from hub.db import Base
from hub.directory import models as directory_models  # noqa: F401
from hub.outbox import models as outbox_models  # noqa: F401
from hub.supervision import models as supervision_models  # noqa: F401
from hub.sync import models as sync_models  # noqa: F401

metadata = Base.metadata
