"""Who may do what, on whose data: the one declared matrix (role × action → scope rule).

Every route names its action; :func:`authorise` is the only place a decision is taken, so a page
never holds an ``if role == …``. A role missing from an action's row is refused. Scope ids are the
ones ``ecocluster user add --scope`` records: a member id, a cluster id, a verifier accreditation
number, a country code, or ``*`` for an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ecocluster.core.errors import EcoclusterError


class Role(str, Enum):
    MEMBER = "member"
    COORDINATOR = "coordinator"
    VERIFIER = "verifier"
    COMPETENT_BODY = "competent-body"
    ADMIN = "admin"


# Roles whose login needs a second factor (TOTP).
SECOND_FACTOR = frozenset({Role.VERIFIER, Role.COMPETENT_BODY, Role.ADMIN})


class Action(str, Enum):
    PUBLIC_REGISTER = "public.register"  # no login
    SIGN_IN = "session.sign_in"  # no login (it is the login)
    SIGN_OUT = "session.sign_out"
    DESK = "desk.home"
    MEMBER_VIEW = "member.view"
    MEMBER_TEMPLATE = "member.template"
    MEMBER_UPLOAD = "member.upload"
    AUDIT_VIEW = "audit.view"
    FIRST_LOGIN = "session.first_login"  # no login: the one-time link is the credential
    CLUSTER_VIEW = "cluster.view"  # the coordinator's dashboard, findings and statements
    STATEMENT_FILE = "statement.file"  # a statement's HTML or PDF
    VERIFIER_QUEUE = "verifier.queue"
    REVIEW_VIEW = "review.view"  # one statement under review: checks, findings, downloads
    REVIEW_REQUEST = "review.request"  # the signing request (review export) to sign offline
    FINDING_RAISE = "finding.raise"
    FINDING_DECIDE = "finding.decide"  # accept, reopen, close
    DECISION_UPLOAD = "decision.upload"  # the signed decision into the approvals inbox
    BODY_INTAKES = "body.intakes"
    BODY_RECEIPT = "body.receipt"
    FINDING_ANSWERS = "finding.answers"  # the open findings a member or a coordinator answers
    FINDING_ANSWER = "finding.answer"  # an answer: text and an evidence file
    STAGE_RERUN = "stage.rerun"  # the coordinator reruns a member's check or draft
    VERIFICATION_SEND = "verification.send"  # the coordinator sends a member's draft to verification


class ScopeRule(str, Enum):
    ANY = "any"  # whatever the target
    OWN_MEMBER = "own member"  # the target member is the user's scope
    OWN_CLUSTER = "own cluster"  # the target member belongs to the user's cluster
    SIGNED_IN = "signed in"  # no target object: any signed-in user of the role
    ASSIGNED_CLUSTER = "assigned cluster"  # the target's cluster is one the verifier is assigned to
    OWN_COUNTRY = "own country"  # the target country is the competent body's


MATRIX: dict[Action, dict[Role, ScopeRule]] = {
    Action.PUBLIC_REGISTER: {},  # public: see PUBLIC
    Action.SIGN_IN: {},  # public: see PUBLIC
    Action.SIGN_OUT: {role: ScopeRule.SIGNED_IN for role in Role},
    Action.DESK: {role: ScopeRule.SIGNED_IN for role in Role},
    Action.MEMBER_VIEW: {
        Role.MEMBER: ScopeRule.OWN_MEMBER,
        Role.COORDINATOR: ScopeRule.OWN_CLUSTER,
        Role.ADMIN: ScopeRule.ANY,
    },
    Action.MEMBER_TEMPLATE: {Role.MEMBER: ScopeRule.OWN_MEMBER, Role.COORDINATOR: ScopeRule.OWN_CLUSTER},
    Action.MEMBER_UPLOAD: {Role.MEMBER: ScopeRule.OWN_MEMBER},
    Action.AUDIT_VIEW: {  # the audit entries about the scope's objects (the admin: all)
        Role.COORDINATOR: ScopeRule.OWN_CLUSTER,
        Role.COMPETENT_BODY: ScopeRule.OWN_COUNTRY,
        Role.ADMIN: ScopeRule.ANY,
    },
    Action.FIRST_LOGIN: {},  # public: see PUBLIC
    Action.CLUSTER_VIEW: {Role.COORDINATOR: ScopeRule.OWN_CLUSTER, Role.ADMIN: ScopeRule.ANY},
    Action.STATEMENT_FILE: {
        Role.MEMBER: ScopeRule.OWN_MEMBER,
        Role.COORDINATOR: ScopeRule.OWN_CLUSTER,
        Role.VERIFIER: ScopeRule.ASSIGNED_CLUSTER,
        Role.ADMIN: ScopeRule.ANY,
    },
    Action.VERIFIER_QUEUE: {Role.VERIFIER: ScopeRule.SIGNED_IN},
    Action.REVIEW_VIEW: {
        Role.VERIFIER: ScopeRule.ASSIGNED_CLUSTER,
        Role.COORDINATOR: ScopeRule.OWN_CLUSTER,
        Role.ADMIN: ScopeRule.ANY,
    },
    Action.REVIEW_REQUEST: {Role.VERIFIER: ScopeRule.ASSIGNED_CLUSTER},
    Action.FINDING_RAISE: {Role.VERIFIER: ScopeRule.ASSIGNED_CLUSTER},
    Action.FINDING_DECIDE: {Role.VERIFIER: ScopeRule.ASSIGNED_CLUSTER},
    Action.DECISION_UPLOAD: {Role.VERIFIER: ScopeRule.ASSIGNED_CLUSTER},
    Action.BODY_INTAKES: {Role.COMPETENT_BODY: ScopeRule.OWN_COUNTRY, Role.ADMIN: ScopeRule.ANY},
    Action.BODY_RECEIPT: {Role.COMPETENT_BODY: ScopeRule.OWN_COUNTRY},
    Action.FINDING_ANSWERS: {
        Role.MEMBER: ScopeRule.OWN_MEMBER,
        Role.COORDINATOR: ScopeRule.OWN_CLUSTER,
        Role.ADMIN: ScopeRule.ANY,
    },
    Action.FINDING_ANSWER: {Role.MEMBER: ScopeRule.OWN_MEMBER, Role.COORDINATOR: ScopeRule.OWN_CLUSTER},
    Action.STAGE_RERUN: {Role.COORDINATOR: ScopeRule.OWN_CLUSTER},
    Action.VERIFICATION_SEND: {Role.COORDINATOR: ScopeRule.OWN_CLUSTER},
}
PUBLIC = frozenset({Action.PUBLIC_REGISTER, Action.SIGN_IN, Action.FIRST_LOGIN})


@dataclass(frozen=True)
class Principal:
    """The signed-in user as the matrix sees it."""

    email: str
    role: Role
    scope: str
    clusters: frozenset[str] = frozenset()  # a verifier's assigned clusters (`ecocluster user add --cluster`)


@dataclass(frozen=True)
class Target:
    """The object an action is about; None fields when the action has none."""

    member_id: str | None = None
    cluster_id: str | None = None
    country: str | None = None


class Forbidden(EcoclusterError):
    """The matrix refuses this action to this user on this object."""

    exit_code = 77  # EX_NOPERM


def allowed(user: Principal | None, action: Action, target: Target = Target()) -> bool:
    """The matrix's answer; ``user`` None is an anonymous visitor."""
    if action in PUBLIC:
        return True
    if user is None:
        return False
    rule = MATRIX[action].get(user.role)
    if rule is None:
        return False
    if rule in (ScopeRule.ANY, ScopeRule.SIGNED_IN):
        return True
    if rule is ScopeRule.OWN_MEMBER:
        return target.member_id is not None and target.member_id == user.scope
    if rule is ScopeRule.ASSIGNED_CLUSTER:
        return target.cluster_id is not None and target.cluster_id in user.clusters
    if rule is ScopeRule.OWN_COUNTRY:
        return target.country is not None and target.country == user.scope
    return target.cluster_id is not None and target.cluster_id == user.scope  # OWN_CLUSTER


def authorise(user: Principal | None, action: Action, target: Target = Target()) -> None:
    """Raise :class:`Forbidden` unless the matrix allows it."""
    if not allowed(user, action, target):
        who = f"{user.email} ({user.role.value})" if user else "an anonymous visitor"
        on = target.member_id or target.cluster_id or target.country or "this page"
        raise Forbidden(f"{who} may not {action.value} on {on}")
