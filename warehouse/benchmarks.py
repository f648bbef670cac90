"""EU benchmarks of excellence of the EMAS sectoral reference documents (issue 19).

EMAS organisations must take the sectoral reference document of their sector into account
(Regulation (EC) No 1221/2009, Art. 46; Annex IV B(e)): the benchmarks of excellence say what
the frontrunners of the sector achieve. The table ships as data (``warehouse/benchmarks.json``)
with, for every benchmark, the decision, section and Official Journal page it is transcribed
from and its wording verbatim: a benchmark without them is refused when the table is read, so a
value never enters ecocluster without its citation. Which decision matches which NACE codes is
ecocluster's own assignment, kept beside the decisions.

A benchmark is a ratio: an indicator (the numerator, a core indicator in its canonical unit)
per a denominator (an output such as ``output.floor_area`` in m² or ``output.overnight_stays``),
times ``factor`` into the benchmark's unit, compared with the threshold. The module lives in
``warehouse`` because the checks (one GX expectation per benchmark) and the statements (the
section "how we compare with the EU benchmark of excellence") both read it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ecocluster.core.errors import EcoclusterError
from ecocluster.warehouse.indicators import BY_CODE, Role

# The checks name one rule per benchmark RULE_PREFIX + id; the statements title them all alike.
RULE_PREFIX = "plausibility.benchmark_"
_ID = re.compile(r"^[a-z0-9_]{1,60}$")
_FIELDS = (
    "id",
    "document",
    "section",
    "page",
    "wording",
    "indicator",
    "denominator",
    "unit",
    "factor",
    "comparison",
    "threshold",
)


class InvalidBenchmark(EcoclusterError):
    """The benchmark table has an entry ecocluster may not use (no citation, unknown indicator …)."""


@dataclass(frozen=True)
class Document:
    """A sectoral reference document (a Commission Decision) and the NACE codes it is matched to."""

    number: str  # "2016/611"
    title: str
    oj: str  # "OJ L 104, 20.4.2016, p. 27-69"
    url: str
    nace: tuple[str, ...]  # NACE Rev. 2 prefixes ("55", "84.11")

    def covers(self, nace: str) -> bool:
        """Whether a member's NACE code falls under a prefix: a division ("55") covers its groups
        and classes ("55.10"), a group ("55.1") its classes."""
        return any(nace == p or nace.startswith(p if "." in p else p + ".") for p in self.nace)

    @property
    def citation(self) -> str:
        return f"Commission Decision (EU) {self.number}, {self.oj}"


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of excellence, transcribed from the Official Journal with its place in it."""

    id: str
    document: Document
    section: str
    page: int
    wording: str
    indicator: str  # numerator: an ecocluster core indicator code
    denominator: str  # an ecocluster output code
    unit: str  # as the OJ writes it
    factor: float  # canonical indicator/denominator -> unit
    comparison: str  # "<=" (at most) or ">=" (at least)
    threshold: float

    @property
    def citation(self) -> str:
        return f"{self.document.citation}, Annex section {self.section}, p. {self.page}"

    def value(self, numerator: float, denominator: float) -> float | None:
        """The member's ratio in the benchmark's unit; None when the denominator is not positive."""
        return None if denominator <= 0 else numerator / denominator * self.factor

    def meets(self, value: float) -> bool:
        return value <= self.threshold if self.comparison == "<=" else value >= self.threshold


@dataclass(frozen=True)
class Table:
    documents: tuple[Document, ...]
    benchmarks: tuple[Benchmark, ...]

    def documents_for(self, nace: str) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.covers(nace))

    def for_nace(self, nace: str) -> tuple[Benchmark, ...]:
        return tuple(b for b in self.benchmarks if b.document.covers(nace))


def _document(number: str, raw: dict[str, Any]) -> Document:
    try:
        nace = tuple(str(p) for p in raw["nace"])
        return Document(number, str(raw["title"]), str(raw["oj"]), str(raw["url"]), nace)
    except (KeyError, TypeError) as e:
        raise InvalidBenchmark(f"benchmark table: document {number} lacks {e}") from e


def _benchmark(raw: Any, documents: dict[str, Document]) -> Benchmark:
    """One entry, refused by name unless it is complete and every code exists."""
    if not isinstance(raw, dict):
        raise InvalidBenchmark(f"benchmark table: an entry is not an object: {raw!r}")
    name = raw.get("id", "?")
    missing = [f for f in _FIELDS if raw.get(f) in (None, "")]
    if missing:
        raise InvalidBenchmark(
            f"benchmark {name}: missing {', '.join(missing)}; a benchmark is added only with its "
            "decision, section, OJ page and verbatim wording"
        )
    problems = []
    if not isinstance(raw["id"], str) or not _ID.match(raw["id"]):
        problems.append("id must be lowercase letters, digits and _")
    if raw["document"] not in documents:
        problems.append(f"document {raw['document']!r} is not one of {sorted(documents)}")
    numerator, denominator = BY_CODE.get(raw["indicator"]), BY_CODE.get(raw["denominator"])
    if numerator is None or numerator.role is not Role.CORE:
        problems.append(f"indicator {raw['indicator']!r} is not a core indicator")
    if denominator is None or denominator.role is not Role.OUTPUT:
        problems.append(f"denominator {raw['denominator']!r} is not an output indicator")
    if raw["comparison"] not in ("<=", ">="):
        problems.append(f"comparison {raw['comparison']!r} is not '<=' or '>='")
    numbers = (raw["page"], raw["factor"], raw["threshold"])
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in numbers):
        problems.append("page, factor and threshold must be numbers")
    elif not (float(raw["page"]).is_integer() and raw["page"] > 0 and raw["factor"] > 0):
        problems.append("page must be a positive whole number and factor positive")
    if problems:
        raise InvalidBenchmark(f"benchmark {name}: " + "; ".join(problems))
    return Benchmark(
        raw["id"],
        documents[raw["document"]],
        str(raw["section"]),
        int(raw["page"]),
        str(raw["wording"]),
        raw["indicator"],
        raw["denominator"],
        str(raw["unit"]),
        float(raw["factor"]),
        raw["comparison"],
        float(raw["threshold"]),
    )


def parse(text: str) -> Table:
    """A benchmark table from its JSON text (the shipped one, or a test's)."""
    try:
        data = json.loads(text)
        documents = {str(k): _document(str(k), v) for k, v in data["documents"].items()}
        entries = data["benchmarks"]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InvalidBenchmark(f"benchmark table: not a table of documents and benchmarks ({e})") from e
    if not isinstance(entries, list):
        raise InvalidBenchmark("benchmark table: 'benchmarks' must be a list")
    benchmarks = tuple(_benchmark(raw, documents) for raw in entries)
    ids = [b.id for b in benchmarks]
    if len(set(ids)) != len(ids):
        raise InvalidBenchmark(f"benchmark table: an id is used twice in {ids}")
    return Table(tuple(documents.values()), benchmarks)


@lru_cache(maxsize=1)
def table() -> Table:
    """The shipped table (``warehouse/benchmarks.json``)."""
    return parse(
        resources.files("ecocluster.warehouse").joinpath("benchmarks.json").read_text(encoding="utf-8")
    )
