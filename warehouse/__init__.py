"""The DuckDB warehouse: schema, ingestion of submissions and rosters, and shared queries.

Later stages read the ``current_*`` views (the newest submission per member, year and section)
together with ``cluster``, ``member``, ``site`` and ``cycle``.
"""

from warehouse._raw import Limits
from warehouse.db import connect, transaction
from warehouse.home import Home
from warehouse.ingest import FileOutcome, IngestReport, ingest_paths

__all__ = ["FileOutcome", "Home", "IngestReport", "Limits", "connect", "ingest_paths", "transaction"]
