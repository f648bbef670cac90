"""The annual cycle end to end on a small synthetic population with the DEMO verifier's keys.

(The bundled sample clusters are not committed yet; switch to ``warehouse.sample.write_bundled``
when they land.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.home import Home
from warehouse.sample import write_synthetic


@pytest.mark.prefect_server
def test_annual_cycle_stops_at_hand_off_then_registers_approved_members(
        prefect_api: str, home: Home, tmp_path: Path) -> None:
    from flows import _demo
    from flows._workspace import Workspace
    from flows.cycles import annual_cycle

    write_synthetic(tmp_path / "sample", 2, 6)
    first = annual_cycle(None, str(home.root), [str(tmp_path / "sample")])
    waiting = first.in_state("waiting")
    blocked = first.in_state("blocked")
    assert waiting and blocked
    assert all(m.reasons for m in blocked)  # every stopped member says why
    assert any("must sign statement" in n for n in first.notes)  # who must sign what

    signed = _demo.sign_waiting(Workspace.of(home), first.year, [m.member_id for m in waiting])
    assert signed
    second = annual_cycle(first.year, str(home.root))
    registered = second.in_state("registered")
    assert len(registered) == len(signed)
    for m in registered:
        package = next(a for a in m.artefacts if a.kind == "registration package")
        assert Path(package.location).is_file()
    assert {m.member_id for m in second.in_state("blocked")} == {m.member_id for m in blocked}
