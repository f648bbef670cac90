"""Property tests: whatever bytes arrive, every parser either loads them or refuses them with a
located reason — it never crashes, and a refused file leaves nothing behind."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocluster.core.store import LocalStore
from ecocluster.warehouse import connect, ingest_paths
from ecocluster.warehouse.sections import BY_NAME
from tests.warehouse.builders import roster, submission, write_json

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_cell = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40))
_json_value = st.recursive(
    _cell,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@cache
def warehouse(kind: str) -> Warehouse:
    return Warehouse()


class Warehouse:
    """One real warehouse with the test roster, shared by the examples of a property."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ecocluster-prop-"))
        self.con = connect(self.dir / "w.duckdb")
        self.store = LocalStore(self.dir / "objects")
        assert ingest_paths(self.con, self.store, [write_json(self.dir / "r" / "cluster.json", roster())]).ok
        self.n = 0

    def ingest_bytes(self, suffix: str, data: bytes) -> None:
        self.n += 1
        path = self.dir / f"f{self.n}{suffix}"
        path.write_bytes(data)
        before = self.con.execute("SELECT count(*) FROM indicator_value").fetchone()[0]  # type: ignore[index]
        report = ingest_paths(self.con, self.store, [path])
        (outcome,) = report.outcomes
        if outcome.status == "rejected":
            assert outcome.errors and all(e.reason and e.file == str(path) for e in outcome.errors)
            assert self.con.execute("SELECT count(*) FROM indicator_value").fetchone()[0] == before  # type: ignore[index]
        else:
            assert outcome.status in ("ingested", "unchanged")


@SETTINGS
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from([f.name for f in BY_NAME["indicators"].fields] + ["junk"]),
            _json_value,
            max_size=6,
        ),
        max_size=4,
    ),
    top=st.dictionaries(
        st.sampled_from(["member_id", "reporting_year", "format", "extra"]), _json_value, max_size=2
    ),
)
def test_json_submissions_never_crash(rows, top):
    doc = submission(indicators=rows)
    doc.update(top)
    warehouse("json").ingest_bytes(".json", json.dumps(doc).encode())


@SETTINGS
@given(
    cells=st.lists(
        st.lists(
            st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12),
            min_size=1,
            max_size=11,
        ),
        max_size=5,
    ),
    delimiter=st.sampled_from([",", ";"]),
)
def test_csv_submissions_never_crash(cells, delimiter):
    header = delimiter.join(BY_NAME["indicators"].columns)
    body = "\n".join(delimiter.join(row) for row in cells)
    warehouse("csv").ingest_bytes(".csv", (header + "\n" + body + "\n").encode("utf-8"))


@SETTINGS
@given(data=st.binary(min_size=1, max_size=2000), suffix=st.sampled_from([".xlsx", ".csv", ".json"]))
def test_arbitrary_bytes_never_crash(data, suffix):
    warehouse("bytes").ingest_bytes(suffix, data)
