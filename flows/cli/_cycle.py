"""``run-cycle``, ``rerun``, ``serve`` and ``demo``: the orchestrated cycle from the command line.

Runs are embedded by default (no server to start: Prefect brings up a temporary one with its
state in the home folder); ``serve`` registers the deployments with a running server instead.
Prefect is imported only inside the commands, after :func:`flows._runtime.configure`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from flows import _runtime
from flows.cli._context import console, home_of
from warehouse.home import Home

if TYPE_CHECKING:
    from flows import _tour
    from flows._summary import CycleSummary


def _run_with_progress(home: Home, run: Callable[[Callable[[str], None]], CycleSummary | _tour.Tour]) -> Any:
    """Run ``run(show)`` with one live status line fed by the cycle's progress reports.

    The temporary Prefect server was started first thing (:func:`_runtime.start_temporary_server`),
    so it comes up while ``run`` imports the stage packages and ingests; the first flow waits for it.
    """
    _runtime.quiet()
    from flows import _progress

    with console.status("starting the cycle (Prefect, embedded)…") as status:
        def show(message: str) -> None:
            status.update(message)

        _progress.listen(show)
        try:
            return run(show)
        finally:
            _progress.forget(show)


def _embedded(home: Home) -> None:
    """Prefect's settings for this home, and its temporary server on its way up."""
    _runtime.configure(home)
    _runtime.start_temporary_server(home)


def _ready(show: Callable[[str], None]) -> None:
    show("waiting for the temporary Prefect server…")
    _runtime.wait_for_server()
    _runtime.quiet()  # the stage packages are imported by now; some reset their loggers


def _where(location: str) -> str:
    """A path relative to the working directory when it lies below it (shorter to read and copy)."""
    try:
        return str(Path(location).relative_to(Path.cwd()))
    except ValueError:
        return location


def _print(summary: CycleSummary) -> None:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts().items())) or "no member due"
    console.print(f"\n[bold]{summary.kind} cycle {summary.year}[/]: {len(summary.members)} member(s) in scope — {counts}")
    groups = (("registered", "Validated and registered"), ("approved", "Approved, package not built yet"),
              ("waiting", "Waiting for a verifier's signature"), ("rejected", "Rejected by the verifier"),
              ("blocked", "Blocked before verification"), ("not due", "Not due this year (data checked)"),
              ("not started", "Not started"))
    notes = {n.split(":")[0]: n.split(":", 1)[1].strip() for n in summary.notes if ":" in n}
    for state, title in groups:
        members = summary.in_state(state)
        if not members:
            continue
        console.print(f"\n[bold]{title}[/] ({len(members)})")
        for m in members:
            console.print(f"  [bold]{m.member_id}[/] ({m.cluster_id}, {m.due})", soft_wrap=True)
            for reason in m.reasons:
                console.print(f"    - {reason}", soft_wrap=True)
            if state == "waiting" and m.member_id in notes:
                console.print(f"    - {notes[m.member_id]}", soft_wrap=True)
            shown = ("validated", "registration") if state == "registered" else ("",)
            for a in m.artefacts:
                if a.kind.startswith(shown):
                    console.print(f"    {a.kind}: {_where(a.location)}", soft_wrap=True)
    if summary.joint:
        from flows._summary import JOINT_ROLE

        console.print("\n[bold]Joint statements[/]", soft_wrap=True)
        for j in summary.joint:
            console.print(f"  {escape(str(j))}: {escape(_where(j.location))}", soft_wrap=True)
        console.print(f"  {JOINT_ROLE}", soft_wrap=True)
    others = [n for n in summary.notes if n.split(":")[0] not in {m.member_id for m in summary.members}]
    for note in others:
        console.print(f"• {note}", soft_wrap=True)


def _print_tour(tour: _tour.Tour, home: Home) -> None:
    ingested = tour.ingested
    console.print(f"sample clusters written to {_where(str(ingested.sample))}; "
                  f"{ingested.collect.notes[0] if ingested.collect.notes else ''}", soft_wrap=True)
    intended = [r for r in ingested.rejections if r.intended]
    if intended:
        files = "1 file" if len(intended) == 1 else f"{len(intended)} files"
        console.print(f"{files} rejected, as intended by the sample:", soft_wrap=True)
        for r in intended:
            console.print(f"  {_where(r.path)} — {r.intended}", soft_wrap=True)
    for r in ingested.unintended:
        console.print(f"[bold red]unexpected rejection[/] {_where(r.path)}: {'; '.join(r.reasons)}", soft_wrap=True)
    _print(tour.summary)
    from signing import DEMO_NACE

    console.print(f"\n[bold yellow]DEMO[/]: {len(tour.signed)} statement(s) signed by the DEMO Verifier (DEMO-V-0001) "
                  f"of a DEMO accreditation body, accredited for NACE {', '.join(DEMO_NACE)}; keys in "
                  f"{_where(str(home.root / 'verifiers'))}. Every signature and package names them: not valid "
                  "for a real registration.", soft_wrap=True)
    if tour.datadocs:
        console.print(f"Data Docs (check results, open in a browser): {_where(str(tour.datadocs))}", soft_wrap=True)
    registered = tour.summary.in_state("registered")
    blocked = tour.summary.in_state("blocked")
    prog = "ecocluster" if shutil.which("ecocluster") else _where(sys.argv[0])  # make demo: .venv/bin/ecocluster
    home_opt = "" if home.root == Path(".ecocluster").resolve() else f" --home {home.root}"
    package = next((a.location for m in registered for a in m.artefacts if a.kind == "registration package"), None)
    console.print("\n[bold]Try next[/]")
    tries = [f"{prog}{home_opt} status", f"{prog}{home_opt} check report --member MEMBER"]
    if package:
        tries.append(f"{prog}{home_opt} verify {_where(package)}   # as the competent body does, offline")
    if blocked:
        tries.append(f"{prog}{home_opt} rerun --member {blocked[0].member_id} --stage collect "
                     "--submissions CORRECTED_FILE")
    tries.append(f"{prog}{home_opt} run-cycle --kind three-year")
    for t in tries:
        console.print(f"  {t}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("run-cycle")
    def run_cycle_cmd(
        ctx: typer.Context,
        kind: Annotated[str, typer.Option(help="annual or three-year")] = "annual",
        year: Annotated[int | None, typer.Option(help="Reporting year (default: latest in the warehouse).")] = None,
        submissions: Annotated[list[Path] | None, typer.Option(
            "--submissions", help="Files or folders to ingest first (the collect stage).")] = None,
    ) -> None:
        """Run a whole cycle in-process; without approvals it stops at the verifier hand-off."""
        home = home_of(ctx)
        if kind not in ("annual", "three-year"):
            raise typer.BadParameter("--kind must be annual or three-year")
        _embedded(home)

        def run(show: Callable[[str], None]) -> CycleSummary:
            from flows.cycles import annual_cycle, three_year_cycle

            _ready(show)
            flow = annual_cycle if kind == "annual" else three_year_cycle
            return flow(year, str(home.root), [str(p) for p in submissions or ()])

        _print(_run_with_progress(home, run))

    @app.command("rerun")
    def rerun_cmd(
        ctx: typer.Context,
        member: Annotated[str, typer.Option("--member", help="The member to rerun.")],
        stage: Annotated[str, typer.Option(help="collect, check, draft or register: this stage and the next.")]
        = "check",
        year: Annotated[int | None, typer.Option(help="Reporting year (default: latest).")] = None,
        submissions: Annotated[list[Path] | None, typer.Option("--submissions")] = None,
    ) -> None:
        """Rerun one member from one stage on (idempotent: finished work is not redone)."""
        home = home_of(ctx)
        _embedded(home)

        def run(show: Callable[[str], None]) -> CycleSummary:
            from flows.cycles import rerun

            _ready(show)
            return rerun(member, stage, year, str(home.root), [str(p) for p in submissions or ()])

        _print(_run_with_progress(home, run))

    @app.command("serve")
    def serve_cmd(ctx: typer.Context) -> None:
        """Serve the deployments (annual, three-year, approvals inbox, rerun) to $PREFECT_API_URL."""
        home = home_of(ctx)
        _runtime.configure(home)
        from flows._deploy import serve

        serve(home)

    @app.command("demo")
    def demo_cmd(ctx: typer.Context) -> None:
        """Sample clusters → ingest → full annual cycle, with a DEMO verifier signing the clean drafts."""
        home = home_of(ctx)
        _embedded(home)
        from flows import _tour

        tour = _run_with_progress(home, lambda show: _tour.run(home, before_cycle=lambda: _ready(show), progress=show))
        _print_tour(tour, home)
        if tour.ingested.unintended:
            raise typer.Exit(1)
