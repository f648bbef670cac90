"""Vectorised generation of every section's rows for a whole population of members.

The bundled clusters (two dozen members) and the synthetic population (120,000 members) go
through the same code: member parameters are numpy arrays, each section is built for all members
of a year at once with ``np.repeat`` expansions, and texts are ``take``-n from small pools. No
Python loop runs over members or rows, which is what keeps a 1,046-cluster population in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ecocluster.warehouse.indicators import BY_CODE, FLOOR_AREA, MILESTONES
from ecocluster.warehouse.sample._sectors import (
    ASPECT_TEXT,
    ENERGY_SHARE,
    EXCLUDED,
    LAND,
    LANGUAGES,
    LAWS,
    NONCONFORMITIES,
    OBJECTIVE_TEXT,
    PER_B,
    PERCENT,
    SECTORS,
    TEXT,
    UNIT_SPELLINGS,
)
from ecocluster.warehouse.sections import BY_NAME

SECTOR_KEYS = tuple(SECTORS)
COUNTRIES = tuple(LAWS)
CODES = tuple(BY_CODE)
# Codes that draw no random traits of their own (see _MemberDraws): the catalogue's last ones.
_UNDRAWN = (FLOOR_AREA,)
if CODES[-len(_UNDRAWN) :] != _UNDRAWN:
    raise RuntimeError("codes without draws must come last in the catalogue (warehouse/indicators.py)")
_B, _EMPLOYEES = "b", "employees"
_ENERGY = CODES.index("energy.total_direct")  # carriers are shares of it
_KINDS = (None, PER_B, LAND, PERCENT, EXCLUDED, _B, _EMPLOYEES, ENERGY_SHARE)
# Order in which the step-by-step milestones are reached (seed 002): two steps, then an audit.
_STEP_ORDER = ("step_1", "step_2", "audit_1", "step_3", "step_4", "audit_2", "step_5", "step_6", "audit_3")
STEPS_ALL = len(_STEP_ORDER)


@dataclass(frozen=True)
class Population:
    """Member parameters, one array element per member, ordered by cluster."""

    member_id: np.ndarray  # str
    cluster_id: np.ndarray  # str
    legal_name: np.ndarray  # str
    sector: np.ndarray  # int index into SECTOR_KEYS
    language: np.ndarray  # int index into LANGUAGES
    country: np.ndarray  # int index into COUNTRIES (legal system of the obligations)
    employees: np.ndarray  # int
    b_base: np.ndarray  # float, B in the first history year
    steps_done: np.ndarray  # int, how many step-by-step milestones are done (0 = not step-by-step)
    registered_year: np.ndarray  # int, 0 if not registered

    def __len__(self) -> int:
        return len(self.member_id)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner index, position within owner) for owners with ``counts`` children each."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - np.repeat(starts, counts)


def _strings(pool: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.array(pool, pa.string()).take(pa.array(index, pa.int64()))


def _numbers(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), pa.date32(), mask=missing)


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _round(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    scale = 10.0**decimals
    return np.round(values * scale) / scale


def _day(year: int | np.ndarray, day_of_year: np.ndarray) -> np.ndarray:
    """Days since the epoch of a day in a year (1 = 1 January)."""
    first = (np.asarray(year) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return first + day_of_year - 1


def _table(section: str, columns: dict[str, pa.Array]) -> pa.Table:
    return pa.table({name: columns[name] for name in BY_NAME[section].columns})


def _offsets(counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    n = np.array(counts, np.int64)
    return np.cumsum(n) - n, n


def _by(pool: list[str], key: np.ndarray, sub: np.ndarray, n_sub: int) -> pa.Array:
    """Texts keyed by (entity, language or country): ``pool`` is entity-major."""
    return _strings(pool, key * n_sub + sub)


class _Tables:
    """Per-sector lookup matrices built once from the sector catalogue (tiny loops over sectors)."""

    def __init__(self) -> None:
        s, c = len(SECTOR_KEYS), len(CODES)
        self.kind = np.zeros((s, c), np.int8)
        self.param = np.zeros((s, c))
        for i, key in enumerate(SECTOR_KEYS):
            sector = SECTORS[key]
            for code, (kind, param) in sector.indicators.items():
                self.kind[i, CODES.index(code)] = _KINDS.index(kind)
                self.param[i, CODES.index(code)] = param
            self.kind[i, CODES.index("output.employees")] = _KINDS.index(_EMPLOYEES)
            self.kind[i, CODES.index(sector.b_indicator)] = _KINDS.index(_B)
        # unit spellings: group per code, then (language, group) -> slice of the flat spelling list
        self.group = [_unit_group(code) for code in CODES]
        groups = sorted(set(self.group))
        self.code_group = np.array([groups.index(g) for g in self.group])
        self.spell: list[str] = []
        self.mult: list[float] = []
        self.decimals: list[int] = []
        self.offset = np.zeros((len(LANGUAGES), len(groups)), np.int64)
        self.n_spell = np.zeros((len(LANGUAGES), len(groups)), np.int64)
        for li, lang in enumerate(LANGUAGES):
            for gi, group in enumerate(groups):
                options = UNIT_SPELLINGS[group][lang]
                self.offset[li, gi], self.n_spell[li, gi] = len(self.spell), len(options)
                for spelling, mult, decimals in options:
                    self.spell.append(spelling)
                    self.mult.append(mult)
                    self.decimals.append(decimals)
        self.mult_a, self.decimals_a = np.array(self.mult, float), np.array(self.decimals)
        # permits, aspects and objectives: flat catalogues with a per-sector offset and count
        self.permits = [p for k in SECTOR_KEYS for p in SECTORS[k].permits]
        self.permit_offset, self.n_permits = _offsets([len(SECTORS[k].permits) for k in SECTOR_KEYS])
        self.permit_limit = np.array([p.limit_value for p in self.permits])
        self.permit_years = np.array([p.years_valid for p in self.permits])
        self.permit_samples = np.array([p.samples_per_year for p in self.permits])
        self.aspects = [a for k in SECTOR_KEYS for a in SECTORS[k].aspects]
        self.aspect_offset, self.n_aspects = _offsets([len(SECTORS[k].aspects) for k in SECTOR_KEYS])
        self.objectives = [o for k in SECTOR_KEYS for o in SECTORS[k].objectives]
        self.objective_offset, self.n_objectives = _offsets([len(SECTORS[k].objectives) for k in SECTOR_KEYS])
        self.objective_code = np.array([CODES.index(o[1]) for o in self.objectives])
        self.objective_cut = np.array([o[2] for o in self.objectives])
        self.laws = [law for c in COUNTRIES for law in LAWS[c]]
        self.law_offset, self.n_laws = _offsets([len(LAWS[c]) for c in COUNTRIES])


def _unit_group(code: str) -> str:
    """Which spellings a code's values are written in (UNIT_SPELLINGS): its canonical unit's, but
    inhabitants as such, and fuels in their own units (litres, standard cubic metres)."""
    if code == "output.inhabitants":
        return "inhabitants"
    fuel = f"fuel:{BY_CODE[code].carrier}"
    return fuel if fuel in UNIT_SPELLINGS else BY_CODE[code].unit


TABLES = _Tables()


def generate(
    pop: Population, years: tuple[int, ...], rng: np.random.Generator
) -> dict[int, dict[str, pa.Table]]:
    """Every section's rows for every year: ``{year: {section: table}}``, rows ordered by member."""
    m, n_codes, t = len(pop), len(CODES), len(years)
    draws = _MemberDraws(rng, m, n_codes)
    values = _canonical_values(pop, draws, t)  # (m, codes, years), canonical units
    out: dict[int, dict[str, pa.Table]] = {}
    for ti, year in enumerate(years):
        out[year] = {
            "profile": _profile(pop, year),
            "indicators": _indicators(pop, draws, values[:, :, ti], year),
            "obligations": _obligations(pop, draws, year, years[0]),
            "measurements": _measurements(pop, draws, year, years[0], rng),
            "nonconformities": _nonconformities(pop, year, rng),
            "milestones": _milestones(pop, draws, year, years[0], rng),
            "aspects": _aspects(pop, year),
            "objectives": _objectives(pop, values[:, :, 0], year, years[-1]),
        }
    return out


def _padded(drawn: np.ndarray, pad: int, neutral: float) -> np.ndarray:
    """``drawn`` with ``pad`` more code columns (axis 1) holding ``neutral``."""
    shape = list(drawn.shape)
    shape[1] = pad
    return np.concatenate([drawn, np.full(shape, neutral, drawn.dtype)], axis=1)


class _MemberDraws:
    """Random member traits drawn once, so a member's three years tell one consistent story."""

    def __init__(self, rng: np.random.Generator, m: int, n_codes: int) -> None:
        # The codes added after the samples were fixed (_UNDRAWN, last in CODES) get neutral traits
        # rather than draws of their own, so every member's other figures stay what they were.
        drawn, pad = n_codes - len(_UNDRAWN), len(_UNDRAWN)
        self.growth = rng.normal(0.01, 0.02, m)
        self.efficiency = _padded(rng.lognormal(0.0, 0.2, (m, drawn)), pad, 1.0)
        self.trend = _padded(rng.normal(-0.02, 0.015, (m, drawn)), pad, 0.0)
        self.pct_step = _padded(rng.uniform(0.5, 2.5, (m, drawn)), pad, 0.0)
        self.unit_pick = _padded(rng.integers(0, 1 << 30, (m, drawn)), pad, 0)
        self.noise = _padded(rng.normal(0.0, 0.025, (m, drawn, 4)), pad, 0.0)
        self.b_noise = rng.normal(0.0, 0.015, (m, 4))
        self.permit_issued = rng.integers(1, 9, m)
        self.permit_day = rng.integers(1, 360, m)
        self.permit_level = rng.uniform(0.3, 0.7, m)
        self.audit_day = rng.integers(60, 280, m)
        self.step_start = rng.integers(0, 200, m)


def _canonical_values(pop: Population, d: _MemberDraws, t: int) -> np.ndarray:
    kind = TABLES.kind[pop.sector]  # (m, codes)
    param = TABLES.param[pop.sector]
    yrs = np.arange(t)
    b = pop.b_base[:, None] * (1 + d.growth[:, None]) ** yrs * (1 + d.b_noise[:, :t])  # (m, t)
    per_b = (
        param[:, :, None]
        * b[:, None, :]
        * d.efficiency[:, :, None]
        * (1 + d.trend[:, :, None]) ** yrs
        * (1 + d.noise[:, :, :t])
    )
    # land grows with the organisation like its output does, so land per unit of output (R) is
    # comparable among peers of one sector whatever their size (a city council is not an outlier)
    size = pop.employees / np.array([sum(SECTORS[k].employees) / 2 for k in SECTOR_KEYS])[pop.sector]
    # one land draw per member (not per code), so sealed and nature areas stay within the total
    # as the sector table sets them: a clean member's land is never physically impossible
    land_efficiency = d.efficiency[:, [CODES.index("land.total")]]
    land = np.repeat((param * size[:, None] * land_efficiency)[:, :, None], t, axis=2)
    pct = np.clip(param[:, :, None] * d.efficiency[:, :, None] + yrs * d.pct_step[:, :, None], 0, 100)
    k = kind[:, :, None]
    values = np.full(per_b.shape, np.nan)
    values = np.where(k == _KINDS.index(PER_B), per_b, values)
    values = np.where(k == _KINDS.index(LAND), land, values)
    values = np.where(k == _KINDS.index(PERCENT), pct, values)
    values = np.where(k == _KINDS.index(_B), np.round(b)[:, None, :], values)
    values = np.where(k == _KINDS.index(ENERGY_SHARE), param[:, :, None] * per_b[:, [_ENERGY], :], values)
    return np.where(k == _KINDS.index(_EMPLOYEES), pop.employees[:, None, None].astype(float), values)


def _indicators(pop: Population, d: _MemberDraws, values: np.ndarray, year: int) -> pa.Table:
    kind = TABLES.kind[pop.sector]
    member, code = np.nonzero(kind)
    lang = pop.language[member]
    group = TABLES.code_group[code]
    pick = TABLES.offset[lang, group] + d.unit_pick[member, code] % TABLES.n_spell[lang, group]
    excluded = kind[member, code] == _KINDS.index(EXCLUDED)
    submitted = _round(values[member, code] * TABLES.mult_a[pick], TABLES.decimals_a[pick])
    start, end = _day(year, np.ones(len(member), np.int64)), _day(year + 1, np.zeros(len(member), np.int64))
    n = len(member)
    return _table(
        "indicators",
        {
            "member_id": pa.array(pop.member_id).take(pa.array(member)),
            "reporting_year": pa.array(np.full(n, year, np.int32)),
            "site_id": pa.nulls(n, pa.string()),
            "indicator": _strings(CODES, code),
            "value": _numbers(np.where(excluded, np.nan, submitted)),
            "unit": _strings(TABLES.spell, pick),
            "period_start": _dates(start),
            "period_end": _dates(end),
            "justification": pc.if_else(
                pa.array(excluded),
                _strings([TEXT["excluded"][x] for x in LANGUAGES], lang),
                pa.nulls(n, pa.string()),
            ),
        },
    )


def _permit_rows(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """(member, global permit index) for every permit a member holds."""
    member, pos = _expand(TABLES.n_permits[pop.sector])
    return member, TABLES.permit_offset[pop.sector[member]] + pos


def _permit_dates(d: _MemberDraws, member: np.ndarray, permit: np.ndarray, base_year: int):
    issue_year = base_year - d.permit_issued[member]
    issued = _day(issue_year, d.permit_day[member])
    return issued, _day(issue_year + TABLES.permit_years[permit], d.permit_day[member]) - 1


def _obligations(pop: Population, d: _MemberDraws, year: int, base_year: int) -> pa.Table:
    p_member, permit = _permit_rows(pop)
    l_member, l_pos = _expand(TABLES.n_laws[pop.country])
    law = TABLES.law_offset[pop.country[l_member]] + l_pos
    issued, until = _permit_dates(d, p_member, permit, base_year)
    n_p, n_l = len(p_member), len(l_member)
    member = np.concatenate([p_member, l_member])
    lang, country = pop.language[p_member], pop.country[p_member]
    n_lang, n_country = len(LANGUAGES), len(COUNTRIES)
    P = TABLES.permits
    cat = pa.concat_arrays
    columns = {
        "member_id": pa.array(pop.member_id).take(pa.array(member)),
        "reporting_year": pa.array(np.full(len(member), year, np.int32)),
        "obligation_id": cat(
            [_strings([p.obligation_id for p in P], permit), _strings([x[0] for x in TABLES.laws], law)]
        ),
        "kind": cat(
            [_strings(["permit"], np.zeros(n_p, np.int64)), _strings(["law"], np.zeros(n_l, np.int64))]
        ),
        "title": cat(
            [
                _by([p.title[x] for p in P for x in LANGUAGES], permit, lang, n_lang),
                _strings([x[1] for x in TABLES.laws], law),
            ]
        ),
        "legal_reference": cat(
            [
                _by([p.legal_reference[c] for p in P for c in COUNTRIES], permit, country, n_country),
                _strings([x[2] for x in TABLES.laws], law),
            ]
        ),
        "authority": cat(
            [
                _by([p.authority[c] for p in P for c in COUNTRIES], permit, country, n_country),
                pa.nulls(n_l, pa.string()),
            ]
        ),
        "parameter": cat([_strings([p.parameter for p in P], permit), pa.nulls(n_l, pa.string())]),
        "limit_value": cat([_numbers(TABLES.permit_limit[permit]), pa.nulls(n_l, pa.float64())]),
        "limit_unit": cat([_strings([p.limit_unit for p in P], permit), pa.nulls(n_l, pa.string())]),
        "valid_from": cat([_dates(issued), pa.nulls(n_l, pa.date32())]),
        "valid_until": cat([_dates(until), pa.nulls(n_l, pa.date32())]),
    }
    return _table("obligations", columns).take(pa.array(np.argsort(member, kind="stable")))


def _measurements(
    pop: Population, d: _MemberDraws, year: int, base_year: int, rng: np.random.Generator
) -> pa.Table:
    p_member, permit = _permit_rows(pop)
    row, sample = _expand(TABLES.permit_samples[permit])
    member, permit = p_member[row], permit[row]
    spacing = 330 // TABLES.permit_samples[permit]
    measured = _day(year, 15 + sample * spacing + rng.integers(0, 20, len(row)))
    level = d.permit_level[member] * rng.uniform(0.8, 1.2, len(row))
    P = TABLES.permits
    return _table(
        "measurements",
        {
            "member_id": pa.array(pop.member_id).take(pa.array(member)),
            "reporting_year": pa.array(np.full(len(row), year, np.int32)),
            "obligation_id": _strings([p.obligation_id for p in P], permit),
            "site_id": _join(pa.array(pop.member_id).take(pa.array(member)), "-S1"),
            "parameter": _strings([p.parameter for p in P], permit),
            "measured_on": _dates(measured),
            "value": _numbers(np.round(TABLES.permit_limit[permit] * level, 1)),
            "unit": _strings([p.limit_unit for p in P], permit),
        },
    )


def _nonconformities(pop: Population, year: int, rng: np.random.Generator) -> pa.Table:
    """At least one finding a year: internal audits always find something."""
    member, pos = _expand(np.minimum(1 + rng.poisson(0.5, len(pop)), 3))
    n = len(member)
    pick = rng.integers(0, len(NONCONFORMITIES["en"]), n)
    opened = rng.integers(10, 290, n)
    closed = opened + rng.integers(14, 60, n)
    lang = pop.language[member]
    n_nc = len(NONCONFORMITIES["en"])
    descriptions = [NONCONFORMITIES[x][i][0] for x in LANGUAGES for i in range(n_nc)]
    actions = [NONCONFORMITIES[x][i][1] for x in LANGUAGES for i in range(n_nc)]
    return _table(
        "nonconformities",
        {
            "member_id": pa.array(pop.member_id).take(pa.array(member)),
            "reporting_year": pa.array(np.full(n, year, np.int32)),
            "nc_id": _strings([f"NC-{year}-{k + 1:02d}" for k in range(3)], pos),
            "severity": _strings(["minor", "major"], (rng.random(n) < 0.05).astype(np.int64)),
            "description": _by(descriptions, lang, pick, n_nc),
            "opened_on": _dates(_day(year, opened)),
            "closed_on": _dates(_day(year, closed)),
            "corrective_action": _by(actions, lang, pick, n_nc),
        },
    )


def _milestones(
    pop: Population, d: _MemberDraws, year: int, base_year: int, rng: np.random.Generator
) -> pa.Table:
    """Art. 4 prerequisites for everyone, plus the nine step-by-step milestones where used."""
    stepwise = pop.steps_done > 0
    member, pos = _expand(np.where(stepwise, len(MILESTONES), len(MILESTONES) - STEPS_ALL))
    first = np.where(stepwise[member], 0, STEPS_ALL)
    name = first + pos  # index into MILESTONES (steps and audits first)
    n = len(member)
    order = np.array([_STEP_ORDER.index(x) if x in _STEP_ORDER else -1 for x in MILESTONES])[name]
    reg = np.where(pop.registered_year > 0, pop.registered_year, base_year)[member]
    step_day = _day(reg - 3, 30 + d.step_start[member]) + order * 80
    audit = _day(year, d.audit_day[member])
    label = np.array(MILESTONES)[name]
    completed = np.select(
        [label == "initial_review", label == "internal_audit", label == "management_review"],
        [_day(reg - 3, 20 + d.step_start[member] // 2), audit, audit + 30],
        step_day,
    )
    missing = (order >= 0) & (order >= pop.steps_done[member])
    # cross-auditor: the next member of the same cluster (members of a cluster are contiguous)
    change = np.r_[True, pop.cluster_id[1:] != pop.cluster_id[:-1]]
    first = np.maximum.accumulate(np.where(change, np.arange(len(pop)), 0))
    size = np.bincount(np.cumsum(change) - 1)[np.cumsum(change) - 1]
    neighbour = first + (np.arange(len(pop)) - first + 1) % size
    audited = np.isin(label, [*_STEP_ORDER[2::3], "internal_audit"]) & ~missing
    lang = pop.language[member]
    evidence_key = np.select([label == "internal_audit", label == "management_review"], [0, 1], 2)
    evidence = [
        TEXT[k][x] + ("" if k == "step" else f" {year}")
        for x in LANGUAGES
        for k in ("internal_audit", "management_review", "step")
    ]
    auditor = _join(
        _by([TEXT["cross_audit"][x] for x in LANGUAGES], np.zeros(n, np.int64), lang, len(LANGUAGES)),
        ": ",
        pa.array(pop.legal_name).take(pa.array(neighbour[member])),
    )
    return _table(
        "milestones",
        {
            "member_id": pa.array(pop.member_id).take(pa.array(member)),
            "reporting_year": pa.array(np.full(n, year, np.int32)),
            "milestone": pa.array(label, pa.string()),
            "completed_on": _dates(completed, missing),
            "auditor": pc.if_else(pa.array(audited), auditor, pa.nulls(n, pa.string())),
            "evidence": pc.if_else(
                pa.array(missing), pa.nulls(n, pa.string()), _by(evidence, lang, evidence_key, 3)
            ),
        },
    )


def _aspects(pop: Population, year: int) -> pa.Table:
    member, pos = _expand(TABLES.n_aspects[pop.sector])
    aspect = TABLES.aspect_offset[pop.sector[member]] + pos
    keys = [a[0] for a in TABLES.aspects]
    lang = pop.language[member]
    n = len(member)
    return _table(
        "aspects",
        {
            "member_id": pa.array(pop.member_id).take(pa.array(member)),
            "reporting_year": pa.array(np.full(n, year, np.int32)),
            "aspect_id": _strings([f"A{k + 1:02d}" for k in range(int(TABLES.n_aspects.max()))], pos),
            "aspect": _by(
                [ASPECT_TEXT[k][x][0] for k in keys for x in LANGUAGES], aspect, lang, len(LANGUAGES)
            ),
            "kind": _strings([a[1] for a in TABLES.aspects], aspect),
            "impact": _by(
                [ASPECT_TEXT[k][x][1] for k in keys for x in LANGUAGES], aspect, lang, len(LANGUAGES)
            ),
            "significant": pa.array(np.array([a[2] for a in TABLES.aspects])[aspect]),
        },
    )


def _objectives(pop: Population, baseline: np.ndarray, year: int, last_year: int) -> pa.Table:
    member, pos = _expand(TABLES.n_objectives[pop.sector])
    objective = TABLES.objective_offset[pop.sector[member]] + pos
    code = TABLES.objective_code[objective]
    base = np.round(baseline[member, code], 2)
    n = len(member)
    keys = [o[0] for o in TABLES.objectives]
    return _table(
        "objectives",
        {
            "member_id": pa.array(pop.member_id).take(pa.array(member)),
            "reporting_year": pa.array(np.full(n, year, np.int32)),
            "objective_id": _strings([f"O{k + 1:02d}" for k in range(int(TABLES.n_objectives.max()))], pos),
            "description": _by(
                [OBJECTIVE_TEXT[k][x] for k in keys for x in LANGUAGES],
                objective,
                pop.language[member],
                len(LANGUAGES),
            ),
            "indicator": _strings(CODES, code),
            "baseline_value": _numbers(base),
            "target_value": _numbers(np.round(base * (1 - TABLES.objective_cut[objective]), 2)),
            "target_year": pa.array(np.full(n, last_year + 2, np.int32)),
            "status": _strings(["in_progress"], np.zeros(n, np.int64)),
        },
    )


def _profile(pop: Population, year: int) -> pa.Table:
    n, lang = len(pop), pop.language
    activities = [SECTORS[k].activities[x] for k in SECTOR_KEYS for x in LANGUAGES]
    return _table(
        "profile",
        {
            "member_id": pa.array(pop.member_id),
            "reporting_year": pa.array(np.full(n, year, np.int32)),
            "activities": _by(activities, pop.sector, lang, len(LANGUAGES)),
            "policy": _strings([TEXT["policy"][x] for x in LANGUAGES], lang),
            "governance": _strings([TEXT["governance"][x] for x in LANGUAGES], lang),
            "contact": _join(
                _strings([TEXT["contact"][x] for x in LANGUAGES], lang), ", ", pa.array(pop.legal_name)
            ),
        },
    )
