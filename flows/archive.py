"""Archive-timestamp renewal as a scheduled Prefect flow.

Thin: one task calls :func:`ecocluster.signing.renew_archive` over the home's warehouse and store
(every stored validated PDF and package whose newest document timestamp's TSA certificate expires
within ``[signing] archive_renew_days`` gets a new one, as a sidecar beside the locked original),
and the flow publishes what was renewed as an artifact. Scheduled monthly by ``ecocluster serve``
(:mod:`ecocluster.flows._deploy`): with a horizon of months, a missed run or two loses nothing, and
a run that finds everything covered writes nothing.
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


@task(
    name="renew archive timestamps",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=_transient,  # a TSA or the store down: the renewals made so far are kept
)
def renew(ws: Workspace, within_days: int, tsa_url: str) -> signing.RenewalRun:
    trust = signing.trust_anchors(ws.home)
    with ws.warehouse() as con:
        return signing.renew_archive(con, ws.store, trust, tsa_url, within=dt.timedelta(days=within_days))


@flow(name="archive-renewal", flow_run_name="archive renewal")
def archive_renewal(
    home: str | None = None, within_days: int | None = None, tsa_url: str | None = None
) -> list[str]:
    """Renew the archive timestamps due within ``within_days`` (default ``[signing]
    archive_renew_days``) at ``tsa_url`` (default ``[signing] tsa_url``); returns the keys written.
    Fails (after renewing the rest) when an original's recorded renewal chain is broken."""
    ws = Workspace.of(Home.resolve(home))
    days = within_days or signing.archive_renew_days(ws.home)
    run = renew(ws, days, tsa_url or signing.tsa_url(ws.home))
    lines = [
        f"- {r.original_key}: renewal {r.generation} ({r.key}), covered until {r.covered_until.date()}"
        for r in run.renewed
    ] + [f"- not renewed: {refused}" for refused in run.refused]
    create_markdown_artifact(
        markdown=f"# Archive timestamps\n\n{chr(10).join(lines) or 'Nothing due.'}\n\n"
        f"{run.covered} object(s) covered beyond {days} days.\n",
        key="archive-renewal",
        description="Document timestamps added to validated PDFs and packages in write-once storage",
    )
    if run.refused:  # the run shows failed until someone looks at the broken chain
        raise run.refused[0]
    return [r.key for r in run.renewed]
