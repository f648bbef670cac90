"""benchmarks/RESULTS.md: a generated figures part above the stage engineers' hand-written notes.

Figures of every size measured so far are kept in ``benchmarks/figures.json`` (one entry per
population size, replaced when that size is measured again), so a quick default run and a long
``--full`` run combine into one linearity table. Everything from :data:`NOTES` down in RESULTS.md
is hand-written and preserved as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
FIGURES = HERE / "figures.json"
NOTES = "<!-- hand-written notes below: kept by `python -m benchmarks` -->"
RERUN_GOAL_S = 5.0


def show(figures: dict[str, Any]) -> None:
    """One figure per line, names right-aligned, for the terminal and the nohup log."""
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"  {key:>{width}}: {value:,.4g}" if isinstance(value, float) else f"  {key:>{width}}: {value}")


def load() -> dict[str, Any]:
    return json.loads(FIGURES.read_text()) if FIGURES.exists() else {"machine": {}, "sizes": {}}


def record(machine: dict[str, str], figures: dict[str, Any]) -> dict[str, Any]:
    """Add one size's figures (replacing an earlier run of the same size) and save."""
    data = load()
    data["machine"] = machine
    data["sizes"][str(figures["members"])] = figures
    FIGURES.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return data


def _notes() -> str:
    if not RESULTS.exists():
        return ""
    text = RESULTS.read_text()
    return text.split(NOTES, 1)[1].lstrip("\n") if NOTES in text else text


def _f(value: float | None, fmt: str = ",.2f") -> str:
    return "—" if value is None else format(value, fmt)


def _size_table(sizes: list[dict[str, Any]]) -> list[str]:
    rows = [
        (
            "members (clusters × members per cluster)",
            lambda s: f"{s['members']:,} ({s['clusters']:,} × {s['per_cluster']})",
        ),
        (
            "ingest, s (bare DuckDB load, s)",
            lambda s: f"{_f(s['ingest_s'], ',.1f')} ({_f(s['bare_load_s'], ',.1f')})",
        ),
        ("ingest ÷ bare load", lambda s: _f(s["ingest_ratio"])),
        (
            "checks, s: whole run (GX validation; bare SQL of the predicates)",
            lambda s: (
                f"{_f(s['checks_s'], ',.1f')} ({_f(s['gx_s'], ',.1f')}; {_f(s['checks_sql_s'], ',.1f')})"
            ),
        ),
        ("checks ÷ bare SQL", lambda s: _f(s["checks_ratio"])),
        ("statements drafted in the sample (member + joint)", lambda s: f"{s['draft_docs']:,}"),
        (
            "draft documents/s, 2 workers, JSON+HTML+PDF (bare render+PDF/s)",
            lambda s: f"{_f(s['draft_docs_per_s'], ',.1f')} ({_f(s['bare_docs_per_s'], ',.1f')})",
        ),
        (
            "draft ÷ bare render + PDF, whole sample call (apart from the pool's start-up, s)",
            lambda s: (
                f"{_f(s['draft_ratio'])} ({_f(s.get('draft_steady_ratio'))}; "
                f"{_f(s.get('draft_startup_s'), ',.1f')})"
            ),
        ),
        (
            "approvals verified/s, every rule (bare ECDSA verify/s)",
            lambda s: f"{_f(s['verify_per_s'], ',.0f')} ({_f(s['bare_verify_per_s'], ',.0f')})",
        ),
        (
            "pipeline for every member, s (sum of floors, s)",
            lambda s: f"{_f(s['pipeline_s'], ',.0f')} ({_f(s['floors_s'], ',.0f')})",
        ),
        ("pipeline ÷ sum of floors (goal ≤ 2)", lambda s: _f(s["pipeline_ratio"])),
        (
            "review drafts (JSON + HTML, no PDF) of every member and cluster: documents, s (documents/s)",
            lambda s: (
                f"{s['review_docs']:,}, {_f(s['review_s'], ',.1f')} ({_f(s['review_docs_per_s'], ',.0f')})"
            ),
        ),
        (
            "ingest + checks + review drafts for everyone, s, measured (goal ≤ 600 at 120k)",
            lambda s: _f(s["no_pdf_pipeline_s"] if "review_s" in s else None, ",.0f"),
        ),
        (
            "per member, ms: ingest / checks / draft (all parts)",
            lambda s: (
                " / ".join(_f(1000 * s[k] / s["members"], ",.2f") for k in ("ingest_s", "checks_s"))
                + f" / {_f(1000 / s.get('draft_steady_docs_per_s', s['draft_docs_per_s']), ',.1f')}"
            ),
        ),
        (
            "single-member rerun, s: check + draft (goal ≤ 5)",
            lambda s: f"{_f(s['rerun_s'])} ({_f(s['rerun_check_s'])} + {_f(s['rerun_draft_s'])})",
        ),
        (
            "all 121,000 statements with PDF at the steady rate, h",
            lambda s: _f(s.get("hours_for_121000_pdfs"), ",.1f"),
        ),
        (
            "peak RSS while each stage runs, process + workers, MiB: "
            "ingest / checks / review / PDF drafts (goal ≤ 4,096)",
            lambda s: " / ".join(
                _f(s[f"peak_{k}_mib"], ",.0f") for k in ("ingest", "checks", "review", "draft")
            ),
        ),
        ("measured on", lambda s: s["measured_at"]),
    ]
    out = ["| | " + " | ".join(f"{s['members']:,}" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for label, cell in rows:
        out.append(f"| {label} | " + " | ".join(_cell(cell, s) for s in sizes) + " |")
    return out


def _cell(cell: Any, figures: dict[str, Any]) -> str:
    try:
        return str(cell(figures))
    except (KeyError, TypeError, ZeroDivisionError):
        return "—"


def write(data: dict[str, Any]) -> None:
    sizes = sorted(data["sizes"].values(), key=lambda s: s["members"])
    machine = data["machine"]
    lines = [
        "# Benchmarks",
        "",
        (
            "Generated by `make bench` (= `python -m benchmarks`; `--full` for 1,046 × 115 members, "
            "`--help` for sizes). Each column is one population size measured in one run: every ratio "
            "compares a stage with its raw floor measured in that same run (bare DuckDB load; the bare SQL "
            "of the check predicates; bare Jinja2 + typst render of the same views; bare ECDSA verify of the "
            "same signatures). Review drafts (JSON + HTML) are made for every member; drafting with PDF "
            "and verification are timed on a sample and scaled to every member for the pipeline figures "
            "(see the Method section of the notes)."
        ),
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()),
        "",
        *_size_table(sizes),
        "",
        NOTES,
        "",
        _notes(),
    ]
    RESULTS.write_text("\n".join(lines).rstrip() + "\n")
