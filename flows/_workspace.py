"""The home folder and object store a cycle works on.

DuckDB allows one writer per file and refuses a second connection with another configuration in
the same process, and the stage packages open the warehouse themselves for as long as they need
it; so a cycle never holds a connection across stages: each step opens one briefly. Prefect
tasks receive the workspace as an argument their cache key ignores (it is not an input; the
warehouse state it reaches is — see :func:`ecocluster.flows._stages.state_digest`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from ecocluster.core.home import Home
from ecocluster.core.store import ObjectStore, open_store
from ecocluster.warehouse.db import connect


@dataclass(frozen=True)
class Workspace:
    home: Home
    store: ObjectStore

    @classmethod
    def of(cls, home: Home) -> Workspace:
        return cls(home, open_store(home))

    @contextmanager
    def warehouse(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.home.warehouse_path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()
