"""Prefect flows that run the EMAS cycle: collect, check, draft, verification, approvals, register.

Public API: :func:`annual_cycle`, :func:`three_year_cycle`, :func:`rerun` (flows),
:func:`run_cycle` (their shared body), :class:`CycleKind`, :func:`members_due`,
:class:`CycleSummary`. Prefect is imported only when a flow is first used, so the CLI starts
fast and can point Prefect at the home folder (``PREFECT_HOME``, quiet logs) before it loads.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecocluster.flows._summary import CycleSummary, MemberOutcome
    from ecocluster.warehouse.due import CycleKind, DueMember, members_due

_WHERE = {
    **dict.fromkeys(
        ("RERUN_STAGES", "annual_cycle", "approvals_inbox", "rerun", "run_cycle", "three_year_cycle"),
        "ecocluster.flows.cycles",
    ),
    **dict.fromkeys(("CycleSummary", "MemberOutcome"), "ecocluster.flows._summary"),
    **dict.fromkeys(("CycleKind", "DueMember", "members_due"), "ecocluster.warehouse.due"),
}


def __getattr__(name: str) -> Any:
    """Every name on first use: ``ecocluster --help`` must not load duckdb or Prefect."""
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ecocluster.flows' has no attribute {name!r}")


__all__ = [
    "RERUN_STAGES",
    "CycleKind",
    "CycleSummary",
    "DueMember",
    "MemberOutcome",
    "annual_cycle",
    "approvals_inbox",
    "members_due",
    "rerun",
    "run_cycle",
    "three_year_cycle",
]
