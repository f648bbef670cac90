"""The portal: members, coordinators, verifiers and competent bodies do their part from a browser.

``create_app(home)`` is the Starlette application ``ecocluster portal`` serves with uvicorn. Its
own state (accounts, sessions, login throttling, the hash-chained audit log) lives in
``<home>/portal.sqlite3`` so the portal never holds the warehouse's single writer lock longer
than one upload. Authorisation is the matrix in ``ecocluster.portal._authz``.
"""

from ecocluster.portal._accounts import (
    Account,
    LoginRefused,
    add_user,
    authenticate,
    disable_user,
    set_password,
)
from ecocluster.portal._app import ROUTES, app_from_environment, create_app
from ecocluster.portal._audit import AuditBroken, AuditEntry, record, verify_audit
from ecocluster.portal._authz import (
    MATRIX,
    Action,
    Forbidden,
    Principal,
    Role,
    ScopeRule,
    Target,
    allowed,
    authorise,
)
from ecocluster.portal._demo import DEMO_PASSWORD, DemoAccount, add_demo_accounts
from ecocluster.portal._invites import (
    INVITE_TTL_S,
    Invitation,
    InviteRefused,
    create_invite,
    open_invite,
    redeem_invite,
)
from ecocluster.portal._store import open_portal_db, portal_db_path

__all__ = [
    "DEMO_PASSWORD",
    "MATRIX",
    "ROUTES",
    "Account",
    "Action",
    "AuditBroken",
    "AuditEntry",
    "DemoAccount",
    "Forbidden",
    "LoginRefused",
    "Principal",
    "Role",
    "ScopeRule",
    "Target",
    "add_demo_accounts",
    "add_user",
    "allowed",
    "app_from_environment",
    "authenticate",
    "authorise",
    "create_app",
    "disable_user",
    "open_portal_db",
    "portal_db_path",
    "record",
    "set_password",
    "verify_audit",
]
__all__ += ["INVITE_TTL_S", "Invitation", "InviteRefused", "create_invite", "open_invite", "redeem_invite"]
