"""A readable, fully offline index of one check run, beside GX's own Data Docs.

GX 1.x pages link Bootstrap, jQuery, Font Awesome and Vega from public CDNs and ship no copy of
them, so offline they lose their layout and filters. This page is built from the run's own
results (the same rows ``check_result`` stores), in one HTML file with its styles inline: it
names the whole scope (every member id, nothing cut off), every rule with its verdict and the
members that failed it, and every finding with its explanation. GX's pages stay under ``gx/``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape
from pathlib import Path

import pyarrow as pa

from ecocluster.checks._rule import Rule

GX_FOLDER = "gx"

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 75em; color: #1a1a1a; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 2px solid #1b4d3e; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid #ddd; }
th { background: #f2f2f2; } td.num { text-align: right; }
.pass { color: #1b6e3a; font-weight: bold; } .blocking { color: #b22222; font-weight: bold; }
.warning { color: #a05a00; font-weight: bold; } .muted { color: #555; } td.ids { min-width: 16em; }
"""  # noqa: E501  # CSS of the report page: wrapping would change its bytes


def _cell(value: object, css: str = "") -> str:
    shown = "" if value is None else escape(str(value))
    return f'<td class="{css}">{shown}</td>' if css else f"<td>{shown}</td>"


def write_index(
    path: Path, *, year: int, scope: str, members: Sequence[str], rules: Sequence[Rule], findings: pa.Table
) -> Path:
    """Write ``path`` (the run's ``index.html``): deterministic for the same results."""
    rows = sorted(
        findings.to_pylist(),
        key=lambda r: (
            r["member_id"] or "",
            r["expectation"],
            r["indicator"] or "",
            r["source_row"] or 0,
            r["explanation"] or "",
        ),
    )
    failed: dict[str, dict[str, None]] = {}  # rule -> its members in order, each once (a dict: O(1) lookups)
    for r in rows:
        failed.setdefault(r["expectation"], {})[r["member_id"]] = None
    counts = Counter(r["expectation"] for r in rows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Check results {year}: {escape(scope)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Check results, reporting year {year}</h1>",
        f'<p class="scope"><strong>Scope:</strong> {escape(scope)}</p>',
        (
            '<p class="scope"><strong>Members checked '
            f"({len(members)}):</strong> "
            f"{escape(', '.join(members)) or 'none'}</p>"
        ),
        (
            f'<p class="muted">Built from the stored results; readable offline. GX\'s own pages: '
            "<a "
            f'href="{GX_FOLDER}/index.html">{GX_FOLDER}/index.html</a> '
            "(their layout loads libraries from the "
            "internet).</p>"
        ),
    ]
    for suite in dict.fromkeys(r.suite for r in rules):
        parts.append(
            f"<h2>{escape(suite)}</h2><table><tr><th>rule</th><th>severity</th><th>checks that</th>"
            "<th>failing rows</th><th>members</th></tr>"
        )
        for rule in (r for r in rules if r.suite == suite):
            n = counts.get(rule.name, 0)
            verdict = (
                f'<td class="num {rule.severity.value}">{n}</td>' if n else '<td class="num pass">0</td>'
            )
            parts.append(
                f"<tr>{_cell(rule.name)}{_cell(rule.severity.value)}{_cell(rule.description)}{verdict}"
                f"{_cell(', '.join(failed.get(rule.name, ())), 'ids')}</tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Findings</h2>")
    if not rows:
        parts.append('<p class="pass">Every check passed.</p>')
    else:
        parts.append(
            "<table><tr><th>member</th><th>rule</th><th>severity</th><th>indicator</th><th>observed</th>"
            "<th>expected</th><th>explanation</th></tr>"
        )
        parts += [
            f"<tr>{_cell(r['member_id'])}{_cell(r['expectation'])}{_cell(r['severity'], r['severity'])}"
            f"{_cell(r['indicator'])}{_cell(r['observed'])}{_cell(r['expected'])}{_cell(r['explanation'])}</tr>"
            for r in rows
        ]
        parts.append("</table>")
    parts.append("</body></html>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def members_per_rule(findings: pa.Table, limit: int = 50) -> dict[str, str]:
    """Rule -> the member ids that fail it, for GX's validation pages ("F31, F09 and 3 more")."""
    by_rule: dict[str, set[str]] = {}  # a set: a whole-year run has rules failed by 100,000 members
    for rule, member in zip(
        findings.column("expectation").to_pylist(), findings.column("member_id").to_pylist(), strict=False
    ):
        by_rule.setdefault(rule, set()).add(member)
    return {
        rule: ", ".join(sorted(m or "?" for m in members)[:limit])
        + (f" and {len(members) - limit} more" if len(members) > limit else "")
        for rule, members in by_rule.items()
    }
