"""Every model module, imported so that ``Base.metadata`` holds every table
(Alembic's autogenerate and the migration tests read it from here)."""
from hub.appointments import models as appointments_models  # noqa: F401
from hub.approvals import models as approvals_models  # noqa: F401
from hub.audit import models as audit_models  # noqa: F401
from hub.catalog import models as catalog_models  # noqa: F401
from hub.db import Base
from hub.delivery import models as delivery_models  # noqa: F401
from hub.directory import models as directory_models  # noqa: F401
from hub.disclosure import models as disclosure_models  # noqa: F401
from hub.hall import models as hall_models  # noqa: F401
from hub.materials import models as materials_models  # noqa: F401
from hub.outbox import models as outbox_models  # noqa: F401
from hub.prereviews import models as prereviews_models  # noqa: F401
from hub.ratings import models as ratings_models  # noqa: F401
from hub.supervision import models as supervision_models  # noqa: F401
from hub.sync import models as sync_models  # noqa: F401
from hub.tickets import models as tickets_models  # noqa: F401
from hub.throttle import models as throttle_models  # noqa: F401

metadata = Base.metadata
