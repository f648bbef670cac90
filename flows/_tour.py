"""``ecocluster demo``: the bundled sample clusters taken through a whole annual cycle.

The sample is written into the home folder and ingested with the collect stage's plain function
(no Prefect: it runs while the temporary Prefect server starts in its own process); then the
annual cycle runs, the DEMO verifier signs the drafts waiting for it, and the cycle runs again,
picking the approvals up and registering the approved members. The sample's faults manifest
names the file ingestion must refuse, so a refusal it announces is reported as intended and any
other refusal as a problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecocluster.core.home import Home
from ecocluster.flows import _stages
from ecocluster.flows._outcome import Blocked, StageOutcome
from ecocluster.flows._summary import CycleSummary
from ecocluster.flows._workspace import Workspace

if TYPE_CHECKING:
    from ecocluster.flows._demo import BodyRun
    from ecocluster.statements import VsmeExport


@dataclass(frozen=True)
class Rejection:
    path: str
    reasons: tuple[str, ...]
    intended: str | None  # what the sample's faults manifest says about it; None = not intended


@dataclass(frozen=True)
class Ingested:
    sample: Path
    year: int
    collect: StageOutcome
    rejections: tuple[Rejection, ...]

    @property
    def unintended(self) -> list[Rejection]:
        return [r for r in self.rejections if r.intended is None]


@dataclass(frozen=True)
class Showcase:
    """One member's figures beyond its statement (issue 19): the CO2e its statement computed from
    the energy it reported by carrier, and its VSME report written from that statement."""

    member_id: str
    statement_id: str
    co2e: dict[str, Any] | None  # the statement's "co2e" section
    vsme: VsmeExport


@dataclass(frozen=True)
class Tour:
    ingested: Ingested
    summary: CycleSummary
    signed: tuple[str, ...]  # statement ids the DEMO verifier signed
    datadocs: Path | None
    showcase: Showcase | None = None
    bodies: tuple[BodyRun, ...] = ()  # the DEMO competent bodies' intake (IT and LV profiles)


def write_and_ingest(ws: Workspace) -> Ingested:
    """Write the bundled sample into ``<home>/sample`` and ingest it (idempotent: a second demo
    in the same home finds every file unchanged)."""
    from ecocluster.warehouse import sample
    from ecocluster.warehouse.db import connect
    from ecocluster.warehouse.due import latest_reporting_year

    out = ws.home.subdir("sample")
    sample.write_bundled(out)
    collected = _stages.collect(ws, [out])
    intended = _intended_rejections(out)
    rejections = tuple(Rejection(b.member_id, b.reasons, _match(b, intended)) for b in collected.blocked)
    with connect(ws.home.warehouse_path, read_only=True) as con:
        year = latest_reporting_year(con)
    assert year is not None, "the bundled sample holds submissions"
    return Ingested(out, year, collected, rejections)


def _intended_rejections(sample: Path) -> dict[str, str]:
    """Manifest file (relative to the sample folder) -> what the sample meant by it."""
    manifest = json.loads((sample / "faults.json").read_text(encoding="utf-8"))
    return {f["file"]: f"{f['member_id']}: {f['expect']}" for f in manifest["faults"] if f.get("file")}


def _match(blocked: Blocked, intended: dict[str, str]) -> str | None:
    return next(
        (why for rel, why in intended.items() if Path(blocked.member_id).as_posix().endswith(rel)), None
    )


def run(
    home: Home,
    *,
    before_cycle: Callable[[], None] = lambda: None,
    progress: Callable[[str], None] = lambda _m: None,
) -> Tour:
    """The whole demo; ``before_cycle`` runs between ingestion and the first flow (the CLI waits
    for the Prefect server there)."""
    from ecocluster.flows import _demo
    from ecocluster.flows.cycles import annual_cycle

    ws = Workspace.of(home)
    progress("writing and ingesting the sample clusters")
    ingested = write_and_ingest(ws)
    before_cycle()
    first = annual_cycle(ingested.year, str(home.root))
    progress("the DEMO verifier signs the drafts waiting for it")
    signed = _demo.sign_waiting(ws, first.year, [m.member_id for m in first.in_state("waiting")])
    summary = annual_cycle(first.year, str(home.root))
    docs = sorted(
        (p for p in (home.root / "datadocs" / str(first.year)).glob("*/index.html")),
        key=lambda p: p.stat().st_mtime,
    )  # the runs' offline indexes, not GX's pages under gx/
    progress("the DEMO competent bodies (IT and LV profiles) take in the packages")
    bodies = tuple(_demo.competent_bodies(ws))
    progress("exporting a registered member's VSME report")
    return Tour(ingested, summary, tuple(signed), docs[-1] if docs else None, showcase(ws, summary), bodies)


def showcase(ws: Workspace, summary: CycleSummary) -> Showcase | None:
    """The first registered member's (else the first drafted member's) CO2e and VSME report, the
    report written to ``<home>/exports/vsme`` exactly as ``ecocluster export vsme`` writes it (so
    a second demo rewrites the same bytes)."""
    import json

    from ecocluster import statements
    from ecocluster.core.errors import EcoclusterError
    from ecocluster.warehouse import nace

    candidates = [m.member_id for m in summary.in_state("registered")] + [
        m.member_id for m in summary.members
    ]
    with ws.warehouse(read_only=True) as con:
        for member in candidates:
            try:
                version = statements.show(con, statements.member_statement_id(con, member, summary.year))
            except EcoclusterError:
                continue  # no statement drafted for this member
            document = json.loads(statements.load_json(ws.store, version))
            written = statements.export_vsme(
                document, ws.home.subdir("exports") / "vsme", nace.chosen_rev21(con, member)
            )
            return Showcase(member, version.statement_id, document.get("co2e"), written)
    return None
