"""The register's monthly change file (issue 18, EMAS Art. 12): every change of a competent body's
register is logged by the function intake calls; the month's file is a documented, versioned JSON;
replaying every monthly file rebuilds the register exactly (hypothesis property over random
register/renew sequences on the real warehouse); a file altered, skipped, reordered or from another
body is refused; a golden file pins the format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocluster import signing
from ecocluster.signing import _feed
from ecocluster.warehouse.db import transaction
from tests.golden import ROOT, assert_golden

GOLDEN_V1 = ROOT / "register-feed" / "IT-2026-03.v1.json"  # written before 022: still replays
START = dt.date(2026, 1, 5)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _months(first: dt.date, last: dt.date) -> list[str]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _enter(con, country: str, member: str, day: dt.date, approval: str = "") -> tuple[str, str]:
    with transaction(con):
        return _feed.enter(con, country, member, _sha(approval or f"{member}{day}"), day)


def _scenario(con) -> None:
    """IT: two registrations in February, a renewal and a registration in March; LV: one in March."""
    _enter(con, "IT", "IT-HOT-1", dt.date(2026, 2, 3))
    _enter(con, "IT", "IT-HOT-2", dt.date(2026, 2, 17))
    _enter(con, "IT", "IT-HOT-1", dt.date(2026, 3, 2))
    _enter(con, "LV", "LV-NOV-1", dt.date(2026, 3, 9))
    _enter(con, "IT", "IT-MUN-1", dt.date(2026, 3, 30))


def test_the_month_file_matches_the_golden_file(con) -> None:
    _scenario(con)
    data = _feed.month_file(con, "IT", "2026-03")
    assert_golden("register-feed/IT-2026-03.json", data)
    feed = json.loads(data)
    assert [(c["action"], c["registrationNo"]) for c in feed["changes"]] == [
        ("renewed", "IT-000001"),
        ("registered", "IT-000003"),
    ]
    assert feed["registerSize"] == 3 and feed["format"] == "ecocluster/emas-register-changes/v2"
    assert _feed.month_file(con, "IT", "2026-03") == data  # the same bytes every time


def test_replaying_every_month_rebuilds_the_register_and_a_bad_sequence_is_refused(con) -> None:
    _scenario(con)
    files = [_feed.month_file(con, "IT", m) for m in ("2026-01", "2026-02", "2026-03", "2026-04")]
    assert _feed.replay(files) == _feed.register(con, "IT")
    assert json.loads(files[0])["changes"] == [] and json.loads(files[3])["changes"] == []
    altered = files[2].replace(_sha("IT-MUN-12026-03-30").encode(), _sha("forged").encode())
    lv = _feed.month_file(con, "LV", "2026-03")
    for name, sequence in {
        "skipped month": [files[0], files[2]],
        "reordered": [files[2], files[1]],
        "started late": files[2:],
        "altered": [files[1], altered],
        "another body": [files[1], lv],
        "not JSON": [b"\xff"],
        "another format": [files[1].replace(b"changes/v2", b"changes/v9")],
        "a v2 file relabelled v1": [files[1].replace(b"changes/v2", b"changes/v1")],
        "size not a number": [files[0].replace(b'"registerSize":0', b'"registerSize":false')],
    }.items():
        try:
            _feed.replay(sequence)
        except signing.FeedRefused:
            continue
        pytest.fail(f"{name}: replayed without a refusal")


def test_a_v1_file_written_before_suspensions_still_replays(con) -> None:
    """The files a body published in format v1 (no status) rebuild the same register as v2 ones."""
    _scenario(con)
    v1 = [_feed.month_file(con, "IT", m) for m in ("2026-01", "2026-02")] + [GOLDEN_V1.read_bytes().strip()]
    assert json.loads(v1[2])["format"] == "ecocluster/emas-register-changes/v1"
    assert _feed.replay(v1) == _feed.register(con, "IT")


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "26-03", "2026-03-01", ""])
def test_a_month_that_is_not_yyyy_mm_is_refused(con, month) -> None:
    with pytest.raises(signing.FeedRefused, match="YYYY-MM"):
        _feed.month_file(con, "IT", month)


def test_a_change_is_never_dated_before_a_published_month(con) -> None:
    _enter(con, "IT", "IT-HOT-1", dt.date(2026, 3, 10))
    _enter(con, "IT", "IT-HOT-2", dt.date(2026, 2, 1))  # a clock set back: dated with the latest change
    assert json.loads(_feed.month_file(con, "IT", "2026-02"))["changes"] == []
    assert _feed.register(con, "IT")["IT-000002"].first_registered == dt.date(2026, 3, 10)


EVENTS = st.lists(
    st.tuples(st.sampled_from(["IT", "LV"]), st.integers(0, 5), st.integers(0, 45)), min_size=1, max_size=25
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=EVENTS)
def test_replaying_the_monthly_files_rebuilds_any_register_exactly(con, events) -> None:
    con.execute("DELETE FROM body_register_change")
    con.execute("DELETE FROM body_register")
    day = START
    for n, (country, member, forward) in enumerate(events):
        day += dt.timedelta(days=forward)
        _enter(con, country, f"{country}-M{member}", day, approval=str(n))
    for country in ("IT", "LV"):
        files = [_feed.month_file(con, country, m) for m in _months(START, day)]
        assert _feed.replay(files) == _feed.register(con, country)


def test_register_feed_command(con, home, tmp_path, capsys, monkeypatch) -> None:
    from tests.cli import run_cli

    _scenario(con)
    con.close()
    out = tmp_path / "feed.json"
    done = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "register",
        "feed",
        "--country",
        "it",
        "--month",
        "2026-03",
        "--out",
        str(out),
    )
    assert done.returncode == 0 and "2 change(s) of the IT register in 2026-03, 3 entries" in done.stdout, (
        done
    )
    assert_golden("register-feed/IT-2026-03.json", out.read_bytes())
    bad = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "register",
        "feed",
        "--country",
        "XX",
        "--month",
        "2026-03",
        "--out",
        str(out),
    )
    assert bad.returncode == 64
    month = run_cli(
        capsys,
        monkeypatch,
        home.root,
        "register",
        "feed",
        "--country",
        "IT",
        "--month",
        "March",
        "--out",
        str(out),
    )
    assert month.returncode == 65 and "YYYY-MM" in month.stdout + month.stderr
