"""From a statement document to what the templates print, in one language.

The document (canonical JSON) holds data; the view holds text: translated labels and numbers
and dates spelled the reader's way. Both templates (HTML via Jinja2, PDF via typst) read the
same view, so the two outputs cannot disagree, and the typst template receives it as JSON data
(``sys.inputs``) rather than as generated markup: member text is never parsed as typst code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ecocluster.statements._charts import bar_chart
from ecocluster.statements._collect import MIN_PEERS
from ecocluster.statements._i18n import Formatter
from ecocluster.statements._labels import CHECK_TITLES, CLUSTER_KINDS, GROUPS, INDICATORS, LABELS, SECTORS
from ecocluster.warehouse.indicators import BY_CODE


@dataclass(frozen=True)
class VerifierBlock:
    """The Annex IV/VII facts a validated statement must show about its verifier."""

    name: str
    accreditation_no: str
    validated_on: date
    # The visible signature block (who, where, when): the PAdES signature itself is invisible
    # in most readers. ``signed_at`` is the signing time the approval states; without it the
    # block shows the day of validation only.
    signed_at: datetime | None = None
    place: str = ""
    demo: bool = False  # a DEMO verifier: every page says DEMO, so it cannot pass for a real validation

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.accreditation_no.strip():
            raise ValueError("a verifier block needs the verifier's name and accreditation number")
        if self.signed_at is not None and self.signed_at.tzinfo is None:
            raise ValueError("the signing time needs its time zone")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _common(
    doc: dict[str, Any], fmt: Formatter, statement_id: str, verifier: VerifierBlock | None
) -> dict[str, Any]:
    _ = fmt.gettext
    labels = {key: _(msgid) for key, msgid in LABELS.items()}
    return {
        "lang": doc["language"],
        "L": labels,
        "draft": verifier is None,
        "kind": labels["kind_full"] if doc["kind"] == "full" else labels["kind_updated"],
        "year": str(doc["reporting_year"]),
        "document_date": fmt.date(doc["document_date"]),
        "statement_id": statement_id,
        "demo": bool(verifier and verifier.demo),
        "verifier": {
            "name": verifier.name if verifier else "",
            "accreditation_no": verifier.accreditation_no if verifier else "",
            "validated_on": fmt.date(verifier.validated_on) if verifier else "",
            "place": verifier.place if verifier else "",
            "signed_at": _signed_at(fmt, verifier),
        },
    }


def _signed_at(fmt: Formatter, verifier: VerifierBlock | None) -> str:
    """When the verifier signed, in UTC and saying so (a reader in another zone must not guess)."""
    if verifier is None:
        return ""
    if verifier.signed_at is None:
        return fmt.date(verifier.validated_on)
    utc = verifier.signed_at.astimezone(UTC)
    return f"{fmt.date(utc.date())}, {utc:%H:%M:%S} UTC"


def _named(fmt: Formatter, names: dict[str, str], code: str | None) -> str:
    """A roster or checks code as the reader names it; a code ecocluster does not know prints as given."""
    if code is None:
        return ""
    return fmt.gettext(names[code]) if code in names else code.replace("_", " ")


def _indicator_label(fmt: Formatter, code: str | None) -> str:
    return fmt.gettext(INDICATORS[code]) if code else ""


def _value_unit(fmt: Formatter, value: float | None, unit: str | None) -> str:
    return "–" if value is None else f"{fmt.exact(value)} {fmt.unit(unit)}".strip()


def _objective_value(fmt: Formatter, value: float | None, code: str | None) -> str:
    """An objective's baseline, target or current value with its indicator's unit: a bare 9,13
    does not say whether the target is tonnes, MWh or a share."""
    known = BY_CODE.get(code) if code else None
    unit = fmt.unit(known.unit) if known else ""
    return "–" if value is None else f"{fmt.number(value)} {unit}".strip()


def _indicator_rows(doc: dict[str, Any], fmt: Formatter) -> list[dict[str, str]]:
    rows = []
    for ind in doc["indicators"]:
        latest = ind["values"][-1] if ind["values"] else {}
        note = {
            "excluded": fmt.gettext(LABELS["excluded"]) + ": " + _text(latest.get("justification")),
            "missing": fmt.gettext(LABELS["missing"]),
        }.get(ind["status"], "")
        rows.append(
            {
                "group": fmt.gettext(GROUPS[ind["group"]]),
                "label": _indicator_label(fmt, ind["code"]),
                "a": fmt.exact(latest["a"]) if "a" in latest else "–",
                "unit": fmt.unit(ind["unit"]),
                "b": fmt.exact(latest["b"]) if "b" in latest else "–",
                "r": fmt.number(latest.get("r")) if "r" in latest else "–",
                "r_unit": fmt.unit(ind["r_unit"]) if "r" in latest else "",
                "note": note,
            }
        )
    return rows


_SCOPES = {"1": "scope1", "2-location": "scope2_location", "2-market": "scope2_market"}


def _co2e(doc: dict[str, Any], fmt: Formatter, labels: dict[str, str]) -> dict[str, Any] | None:
    """The CO2e section: totals per scope (or "not computed"), each carrier's figure with its
    factor and dataset, the sources once, and why a carrier could not be computed."""
    co2e = doc.get("co2e")
    if co2e is None:
        return None
    not_computed = labels["not_computed"]

    def carrier(key: str) -> str:
        return _indicator_label(fmt, f"energy.{key}")

    def tonnes(value: float | None) -> str:
        return not_computed if value is None else f"{fmt.number(value)} t CO₂e"

    totals = [
        [labels[key], tonnes(co2e["totals"][key])] for key in ("scope1", "scope2_location", "scope2_market")
    ]
    if co2e["intensity"] is not None:
        i = co2e["intensity"]
        totals.append(
            [labels["co2e_intensity"], f"{fmt.distinct([i['t_co2e_per_b']])[0]} {fmt.unit(i['unit'])}"]
        )
    if co2e["reported_ghg"] is not None:
        totals.append([labels["co2e_reported"], tonnes(co2e["reported_ghg"])])
    return {
        "totals": totals,
        "figures": [
            [
                labels[_SCOPES[f["scope"]]],
                carrier(f["carrier"]),
                fmt.number(f["energy_mwh"]),
                f"{fmt.distinct([f['factor']['t_per_mwh']], 5)[0]} t/MWh"
                if f["factor"]["t_per_mwh"]
                else "0",
                fmt.number(f["t_co2e"]),
                f"{f['factor']['dataset']} ({f['factor']['year'] or f['factor']['version']})",
            ]
            for f in co2e["figures"]
        ],
        "sources": sorted({f"{f['factor']['dataset']}: {f['factor']['source']}" for f in co2e["figures"]}),
        "gaps": [
            fmt.gettext(LABELS[f"gap_{g['reason']}"]).format(
                carrier=carrier(g["carrier"]), country=g.get("country") or "", year=g.get("year") or ""
            )
            for g in co2e["gaps"]
        ],
    }


_SIGNS = {"<=": "≤", ">=": "≥"}


def _benchmarks(doc: dict[str, Any], fmt: Formatter, labels: dict[str, str]) -> dict[str, Any] | None:
    """The section "how we compare with the EU benchmark of excellence": the sectoral reference
    documents of the member's sector, and per benchmark our value, the benchmark and whether we
    reach it, each cited (decision, Annex section, OJ page) with its wording. None for a sector
    without a shipped document, and for statements drafted before there were benchmarks."""
    found = doc.get("benchmarks")
    if found is None:
        return None

    def verdict(c: dict[str, Any]) -> str:
        if c["meets"] is None:
            return labels["benchmark_not_reported"]
        return labels["benchmark_reached"] if c["meets"] else labels["benchmark_not_reached"]

    rows = [
        [
            f"{_indicator_label(fmt, c['indicator'])} / {_indicator_label(fmt, c['denominator'])}",
            "–" if c["value"] is None else f"{fmt.number(c['value'])} {c['unit']}",
            f"{_SIGNS[c['comparison']]} {fmt.number(c['threshold'])} {c['unit']}",
            verdict(c),
        ]
        for c in found["comparisons"]
    ]
    return {
        "documents": [f"{d['title']} ({d['oj']})" for d in found["documents"]],
        "rows": rows,
        "citations": [f"{c['citation']}: “{c['wording']}”" for c in found["comparisons"]],
        "none": "" if rows else labels["benchmarks_none"],
    }


def _trend_charts(doc: dict[str, Any], fmt: Formatter) -> list[str]:
    """One chart per reported indicator: R where there is one (comparable across years), else A."""
    charts = []
    for ind in doc["indicators"]:
        if ind["status"] != "reported":
            continue
        use_r = all("r" in v for v in ind["values"] if "a" in v) and ind["r_unit"]
        key, unit = ("r", ind["r_unit"]) if use_r else ("a", ind["unit"])
        prefix = "R, " if use_r else "A, "
        charts.append(
            _chart(
                fmt,
                _indicator_label(fmt, ind["code"]),
                prefix + fmt.unit(unit),
                [(str(v["year"]), float(v[key])) for v in ind["values"] if key in v],
            )
        )
    return charts


def _chart(fmt: Formatter, title: str, unit: str, points: list[tuple[str, float]]) -> str:
    """A bar chart whose labels keep as many digits as it takes for different values to read
    differently (a trend of 73.41, 73.38 must not print 73.4 three times)."""
    shown = fmt.distinct([v for _, v in points])
    return bar_chart(
        title, unit, [(label, value, text) for (label, value), text in zip(points, shown, strict=False)]
    )


def build_view(
    doc: dict[str, Any], statement_id: str, verifier: VerifierBlock | None = None
) -> dict[str, Any]:
    """The view of a member or joint cluster statement; without a verifier it is the draft."""
    fmt = Formatter(doc["language"])
    view = _common(doc, fmt, statement_id, verifier)
    fields = _member_fields if doc["subject"] == "member" else _cluster_fields
    view.update(fields(doc, fmt, view["L"]))
    return view


def _member_fields(doc: dict[str, Any], fmt: Formatter, labels: dict[str, str]) -> dict[str, Any]:
    _ = fmt.gettext
    org = doc["organisation"]
    b_code = doc["indicators"][0]["b_indicator"] if doc["indicators"] else None
    checks = doc["compliance"]["checks"]
    return {
        "title": labels["member_title"],
        "name": org["legal_name"],
        "member_id": org["member_id"],
        "cluster": doc["cluster"]["name"],
        "facts": [
            [labels["emas_reg_no"], org["emas_reg_no"] or labels["not_registered"]],
            [labels["cluster"], doc["cluster"]["name"]],
            [labels["nace"], org["nace"]],
            [labels["sector"], _named(fmt, SECTORS, org["sector"])],
            [labels["employees"], fmt.exact(org["employees"])],
            [labels["address"], _text(org["address"])],
            [labels["public_body"], labels["yes"] if org["public_body"] else labels["no"]],
        ]
        + ([[labels["contact"], org["contact"]]] if org["contact"] else []),
        "activities": _text(org["activities"]),
        "policy": _text(doc["policy"]["policy"]),
        "governance": _text(doc["policy"]["governance"]),
        "sites": [[s["site_id"], s["name"], _text(s["address"])] for s in doc["sites"]],
        "aspects": {
            kind: [[a["aspect"], a["impact"]] for a in doc["aspects"] if a["kind"] == kind]
            for kind in ("direct", "indirect")
        },
        "objectives": [
            [
                o["description"],
                _indicator_label(fmt, o["indicator"]),
                _objective_value(fmt, o["baseline_value"], o["indicator"]),
                _objective_value(fmt, o["target_value"], o["indicator"]),
                _text(o["target_year"]),
                _objective_value(fmt, o["current_value"], o["indicator"]),
                fmt.percent(o["progress"]),
                _(LABELS[o["status"]]) if o["status"] else "",
            ]
            for o in doc["objectives"]
        ],
        "b_note": f"{labels['b_is']}: {_indicator_label(fmt, b_code)}" if b_code else "",
        "indicators": _indicator_rows(doc, fmt),
        "co2e": _co2e(doc, fmt, labels),
        "benchmarks": _benchmarks(doc, fmt, labels),
        "charts": _trend_charts(doc, fmt),
        "checks": None
        if checks is None
        else {
            "blocking": fmt.exact(checks["blocking"]),
            "warnings": fmt.exact(checks["warnings"]),
            "findings": [
                [
                    _(LABELS[f["severity"]]),
                    _finding(fmt, f),
                    _indicator_label(fmt, f["indicator"])
                    if f["indicator"] in INDICATORS
                    else _text(f["indicator"]),
                ]
                for f in checks["findings"]
            ],
        },
        "nonconformities": [
            [
                n["nc_id"],
                _(LABELS[n["severity"]]),
                n["description"],
                fmt.date(n["opened_on"]),
                fmt.date(n["closed_on"]) if n["closed_on"] else labels["open"],
                _text(n["corrective_action"]),
            ]
            for n in doc["compliance"]["nonconformities"]
        ],
        "legal": [
            [
                _(LABELS[o["kind"]]),
                o["title"],
                o["legal_reference"],
                _text(o["authority"]),
                " ".join(
                    p
                    for p in (
                        _text(o["parameter"]),
                        _value_unit(fmt, o["limit_value"], o["limit_unit"])
                        if o["limit_value"] is not None
                        else "",
                    )
                    if p
                ),
                fmt.date(o["valid_until"]) if o["valid_until"] else "",
            ]
            for o in doc["legal_requirements"]
        ],
    }


def _finding(fmt: Formatter, finding: dict[str, Any]) -> str:
    """What a check found, as the statement's JSON words it; statements drafted before the JSON
    stopped carrying rule codes name the rule instead, and must still render as they were signed
    (offline verification rebuilds their validated PDF)."""
    return str(finding["finding"]) if "finding" in finding else _named(fmt, CHECK_TITLES, finding["rule"])


def _shared_by_sector(doc: dict[str, Any], fmt: Formatter) -> dict[str, Any]:
    """Indicators down, sectors across: "value (members reporting)" in each cell."""
    sectors = sorted({t["sector"] for t in doc["sector_totals"]})
    cells = {(t["indicator"], t["sector"]): t for t in doc["sector_totals"]}
    indicators = list(
        dict.fromkeys(
            t["indicator"]
            for t in sorted(doc["sector_totals"], key=lambda t: list(INDICATORS).index(t["indicator"]))
        )
    )
    units = {t["indicator"]: t["unit"] for t in doc["sector_totals"]}
    return {
        "sectors": [_named(fmt, SECTORS, s) for s in sectors],
        "shared": [
            [_indicator_label(fmt, code), fmt.unit(units[code])]
            + [
                f"{fmt.number(cells[code, s]['value'])} ({cells[code, s]['members']})"
                if (code, s) in cells
                else "–"
                for s in sectors
            ]
            for code in indicators
        ],
    }


def _benchmark(doc: dict[str, Any], fmt: Formatter, names: dict[str, str]) -> list[list[str]]:
    """Members against their sector's median R, only where the sector has at least ``MIN_PEERS``
    members (a median of one or two members discloses their figures), with R and the median in the same unit
    and the ratio written as a multiple."""
    return [
        [
            names[b["member_id"]],
            _indicator_label(fmt, b["indicator"]),
            f"{fmt.number(b['r'])} {fmt.unit(b['r_unit'])}",
            f"{fmt.number(b['median_r'])} {fmt.unit(b['r_unit'])}",
            "×" + fmt.distinct([float(b["ratio"])])[0],
            fmt.exact(b["peers"]),
        ]
        for b in doc["peer_benchmark"]
        if b["peers"] >= MIN_PEERS
    ]


def _cluster_fields(doc: dict[str, Any], fmt: Formatter, labels: dict[str, str]) -> dict[str, Any]:
    c = doc["cluster"]
    names = {m["member_id"]: m["legal_name"] for m in doc["members"]}
    return {
        "title": labels["cluster_title"],
        "name": c["name"],
        "member_id": c["cluster_id"],
        "facts": [
            [labels["territory"], _text(c["territory"])],
            [labels["cluster_kind"], _named(fmt, CLUSTER_KINDS, c["kind"])],
            [labels["promoting_body"], _text(c["promoting_body"])],
            [labels["h_members"], str(len(names))],
        ],
        "description": _text(c["description"]),
        "members": [
            [
                m["member_id"],
                m["legal_name"],
                _named(fmt, SECTORS, m["sector"]),
                m["nace"],
                f"{labels['registered']} {m['emas_reg_no']}"
                if m["emas_reg_no"]
                else f"{m['steps_done']}/6 {labels['steps_done']}",
            ]
            for m in doc["members"]
        ],
        **_shared_by_sector(doc, fmt),
        "benchmark": _benchmark(doc, fmt, names),
        "programme": [
            [
                p["objective_id"],
                p["description"],
                _indicator_label(fmt, p["indicator"]),
                fmt.number(p["target_value"]),
                _text(p["target_year"]),
            ]
            for p in doc["programme"]
        ],
        "charts": [
            _chart(
                fmt,
                _indicator_label(fmt, t["indicator"]),
                "A, " + fmt.unit(t["unit"]),
                [(str(p["year"]), float(p["value"])) for p in t["series"]],
            )
            for t in doc["trends"]
        ],
    }
