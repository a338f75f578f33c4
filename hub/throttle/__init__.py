"""Rate limits kept in the shared database: ``limit`` for views, ``client_address`` for
the one way to read who is asking."""
from hub.throttle.limits import (
    address_key,
    check,
    check_address,
    client_address,
    declare,
    init_app,
    limit,
)

__all__ = ["address_key", "check", "check_address", "client_address", "declare", "init_app",
           "limit"]
