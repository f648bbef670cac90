"""``run-cycle``, ``rerun``, ``serve`` and ``demo``: the orchestrated cycle from the command line.

Runs are embedded by default (no server to start: Prefect brings up a temporary one with its
state in the home folder); ``serve`` registers the deployments with a running server instead.
Prefect is imported only inside the commands, after :func:`flows._runtime.configure`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from flows import _runtime
from flows.cli._context import console, home_of
from warehouse.home import Home

if TYPE_CHECKING:
    from flows._summary import CycleSummary


def _run_with_progress(home: Home, run: Callable[[], CycleSummary]) -> CycleSummary:
    """Run ``run()`` with one live status line fed by the cycle's progress reports."""
    _runtime.configure(home)
    _runtime.quiet()
    from flows import _progress

    with console.status("starting the cycle (Prefect, embedded)…") as status:
        def show(message: str) -> None:
            status.update(message)

        _progress.listen(show)
        try:
            return run()
        finally:
            _progress.forget(show)


def _print(summary: CycleSummary) -> None:
    from rich.table import Table

    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts().items())) or "no member due"
    console.print(f"[bold]{summary.kind} cycle {summary.year}[/]: {len(summary.members)} member(s) due — {counts}")
    table = Table("member", "cluster", "due", "state", "reasons / artefacts", show_lines=False)
    for m in summary.members:
        detail = "\n".join(m.reasons) if m.reasons else "\n".join(f"{a.kind}: {a.location}" for a in m.artefacts)
        table.add_row(m.member_id, m.cluster_id, m.due, m.state, detail)
    console.print(table)
    for note in summary.notes:
        console.print(f"• {note}")


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

        def run() -> CycleSummary:
            from flows.cycles import annual_cycle, three_year_cycle

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

        def run() -> CycleSummary:
            from flows.cycles import rerun

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
        from warehouse import sample

        out = home.subdir("sample")
        sample.write_bundled(out)  # type: ignore[attr-defined]
        console.print(f"sample clusters written to {out}")

        def run() -> CycleSummary:
            from flows import _demo
            from flows._workspace import Workspace
            from flows.cycles import annual_cycle

            first = annual_cycle(None, str(home.root), [str(out)])
            waiting = [m.member_id for m in first.in_state("waiting")]
            _demo.sign_waiting(Workspace.of(home), first.year, waiting)
            return annual_cycle(first.year, str(home.root))

        summary = _run_with_progress(home, run)
        _print(summary)
        console.print("[bold yellow]DEMO[/]: signed by the DEMO Verifier (DEMO-V-0001) of a DEMO accreditation "
                      f"body, keys in {home.root / 'verifiers'}; not valid for a real registration.")
