"""The archive-renewal flow (issue 16): registered with `ecocluster serve`'s deployments on a monthly
schedule; on a real local Prefect server it renews what is due once, and a rerun writes nothing. The
logic it calls is tested without Prefect in tests/signing/test_archive_renewal.py."""

from __future__ import annotations

import pytest

from ecocluster import signing
from ecocluster.core.errors import ConfigurationError
from ecocluster.core.home import Home
from ecocluster.core.store import LocalStore
from ecocluster.flows import _deploy
from tests.signing.test_archive_renewal import archive_in


def test_serve_schedules_the_archive_renewal_monthly(home: Home) -> None:
    by_name = {d.name: d for d in _deploy.deployments(home)}
    renewal = by_name["archive-renewal"]
    assert [s.schedule.cron for s in renewal.schedules] == [_deploy.ARCHIVE_CRON] == ["0 5 1 * *"]
    assert renewal.parameters == {"home": str(home.root)}


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("", 365),
        ("[signing]\narchive_renew_days = 730\n", 730),
        ("[signing]\narchive_renew_days = 0\n", None),
    ],
)
def test_the_horizon_comes_from_the_signing_configuration(home: Home, toml: str, expected) -> None:
    home.root.mkdir(parents=True, exist_ok=True)
    home.config_path.write_text(toml, encoding="utf-8")
    if expected is None:
        with pytest.raises(ConfigurationError, match="archive_renew_days"):
            signing.archive_renew_days(home)
    else:
        assert signing.archive_renew_days(home) == expected


@pytest.mark.prefect_server
@pytest.mark.slow
def test_the_flow_renews_what_is_due_once(prefect_api: str, con, home: Home) -> None:
    from ecocluster.flows.archive import archive_renewal

    for archive in archive_in(con, home, LocalStore(home.objects_dir)):
        con.close()  # the flow's task opens the warehouse itself
        first = archive_renewal(str(home.root), within_days=3 * 365, tsa_url=archive.renewing_tsa.url)
        again = archive_renewal(str(home.root), within_days=3 * 365, tsa_url=archive.renewing_tsa.url)
        assert len(first) == 2 and all(k.startswith("archive-renewals/") for k in first)
        assert again == []
