"""The deployments a local Prefect server runs: the cycles on their schedules, the approvals
inbox, the review findings' reminders, the monthly archive-timestamp renewal, and the
coordinator's manual rerun (triggerable from the UI with its parameters).

``serve`` keeps a process polling the server for runs (no work pool to set up); the same
deployments are declared for ``prefect deploy`` in infra/prefect.yaml.
"""

from __future__ import annotations

from typing import Any

from prefect import serve as prefect_serve

from ecocluster.core.home import Home
from ecocluster.flows import _runtime
from ecocluster.flows.archive import archive_renewal
from ecocluster.flows.cycles import annual_cycle, approvals_inbox, rerun, three_year_cycle
from ecocluster.flows.reminders import review_reminders

# Statements are validated in the first months of the year for the year before.
ANNUAL_CRON = "0 6 15 1 *"  # 15 January, 06:00
THREE_YEAR_CRON = "0 6 1 2 *"  # 1 February: picks only members whose full verification is due
INBOX_CRON = "0 * * * *"  # hourly: verifiers' decisions move members on within the hour
REMINDERS_CRON = "0 7 * * *"  # daily, 07:00: owners hear of a deadline on the day it comes within reach
ARCHIVE_CRON = "0 5 1 * *"  # monthly, 1st at 05:00: the horizon ([signing] archive_renew_days) is months


def deployments(home: Home) -> list[Any]:
    params = {"home": str(home.root)}
    return [
        annual_cycle.to_deployment("annual-cycle", cron=ANNUAL_CRON, parameters=params),
        three_year_cycle.to_deployment("three-year-cycle", cron=THREE_YEAR_CRON, parameters=params),
        approvals_inbox.to_deployment("approvals-inbox", cron=INBOX_CRON, parameters=params),
        review_reminders.to_deployment("review-reminders", cron=REMINDERS_CRON, parameters=params),
        archive_renewal.to_deployment("archive-renewal", cron=ARCHIVE_CRON, parameters=params),
        rerun.to_deployment("manual-rerun", parameters=params),
    ]


def serve(home: Home) -> None:
    chosen = deployments(home)
    _runtime.quiet()  # importing the flows resets loggers; keep Prefect's reconnect warnings off the terminal
    prefect_serve(*chosen)
