"""Reminders of review findings near or past their deadline, as a scheduled Prefect flow.

Thin: one task calls :func:`ecocluster.signing.send_reminders` (the package sends each reminder once per
finding, deadline and threshold, and records it in the review trail), and the flow publishes what
was sent as an artifact for the coordinator. Scheduled daily by ``ecocluster serve``
(:mod:`ecocluster.flows._deploy`); a run that comes twice on a day, or after days without one, sends nothing
twice and misses no threshold.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.tasks import exponential_backoff

from ecocluster import signing
from ecocluster.core.home import Home
from ecocluster.flows._tasks import _transient
from ecocluster.flows._workspace import Workspace


def reminder_days(home: Home) -> tuple[int, ...]:
    """``[cycle] reminder_days`` of the home: whole days before a deadline."""
    return home.config().cycle.reminder_days


@task(
    name="send finding reminders",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=_transient,
)
def send(ws: Workspace, today: dt.date) -> list[str]:
    with ws.warehouse() as con:
        return [str(s) for s in signing.send_reminders(con, ws.store, today, reminder_days(ws.home))]


@flow(name="review-reminders", flow_run_name="review reminders {today}")
def review_reminders(home: str | None = None, today: dt.date | None = None) -> list[str]:
    """Remind the owners of open findings due soon or overdue; returns the reminders sent."""
    ws = Workspace.of(Home.resolve(home))
    sent = send(ws, today or dt.date.today())
    lines = "\n".join(f"- {s}" for s in sent) or "No finding reached a reminder threshold."
    create_markdown_artifact(
        markdown=f"# Finding reminders\n\n{lines}\n",
        key="review-reminders",
        description="Reminders sent to the owners of open findings",
    )
    return sent
