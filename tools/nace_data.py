"""Rebuild ``warehouse/nace_rev2.json`` and ``warehouse/nace_rev2_rev21.json`` from their sources.

Neither source can be downloaded from these machines (Eurostat's site is not reachable); both were
taken from public repositories that vendor Eurostat's files, named with their commit in each JSON's
``source``. Run with the two files extracted from those commits::

    python -m tools.nace_data NACE_REV2.csv CORRESPONDENCE.csv

- ``NACE_REV2.csv``: Eurostat's RAMON export of NACE Rev. 2 (``"Order";"Level";"Code";"Parent";
  "Description";...``, semicolon-separated), as shipped in the R package ``validate``
  (data-cleaning/validate ``pkg/data/nace_rev2.csv``);
- ``CORRESPONDENCE.csv``: Eurostat's NACE Rev. 2 -> NACE Rev. 2.1 correspondence table v1.05 at
  class level (``rev2,rev21,partial``, four digits without the dot), as vendored in KristerV/colt
  ``priv/nace/nace_rev2_to_rev21.csv``.

The output is deterministic (same inputs, same bytes). Only codes and English titles are kept.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

WAREHOUSE = Path(__file__).resolve().parents[1] / "warehouse"
LEVELS = {"1": "sections", "2": "divisions", "3": "groups", "4": "classes"}

REV2_SOURCE = (
    "Eurostat, NACE Rev. 2 classification structure (RAMON export 'NACE_REV2', English, hierarchic; "
    "downloaded from Eurostat RAMON on 2020-10-21 by the authors of the R package validate), taken from "
    "the public repository data-cleaning/validate, file pkg/data/nace_rev2.csv at commit "
    "137aeb4e3c5a9c2319ac41a57d7117fc66e24251. Codes and English titles only, titles as Eurostat spells "
    "them (sections in capitals, surrounding spaces removed). The classification itself is Annex I of "
    "Regulation (EC) No 1893/2006 (OJ L 393, 30.12.2006, p. 1)."
)
REV2_CHECKED = (
    "21 sections, 88 divisions, 272 groups, 615 classes; the 21 sections and 88 divisions agree with "
    "ecocluster's earlier hand transcription from Annex I (section titles up to capitals; division 72's "
    "title carried a trailing space in Eurostat's file)."
)
CORRESPONDENCE_SOURCE = (
    "Eurostat, correspondence table NACE Rev. 2 - NACE Rev. 2.1, version 1.05 "
    "('CorresTab_NACE Rev.2-NACE Rev.2.1', published on Eurostat's ShowVoc), class level only: the "
    "extract vendored in the public repository KristerV/colt, file priv/nace/nace_rev2_to_rev21.csv at "
    "commit 3864b42bb1c825cf5e4151a3003596ac4dd778c3 (four-digit codes, dots added here). The extract's "
    "third column 'partial' is carried unchanged; the extract does not document it and ecocluster does "
    "not use it. NACE Rev. 2.1 is Commission Delegated Regulation (EU) 2023/137."
)
CORRESPONDENCE_CHECKED = (
    "968 links; every one of the 615 NACE Rev. 2 classes has at least one; every target is a class of "
    "the NACE Rev. 2.1 list in EFRAG's VSME taxonomy of 2026-05-01 (651 classes; 46.89 is the only one "
    "no Rev. 2 class leads to)."
)
LICENCE = (
    "Eurostat data: reuse is authorised provided the source is acknowledged (Commission Decision "
    "2011/833/EU; Eurostat copyright notice). Source: Eurostat."
)


def _dotted(code: str) -> str:
    return f"{code[:2]}.{code[2:]}"


def rev2(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    nodes: dict[str, dict[str, Any]] = {}
    sections: list[dict[str, Any]] = []
    for row in sorted(rows, key=lambda r: int(r["Order"])):
        level = LEVELS[row["Level"]]
        node: dict[str, Any] = {"code": row["Code"].strip(), "title": row["Description"].strip()}
        child = {"sections": "divisions", "divisions": "groups", "groups": "classes"}.get(level)
        if child:
            node[child] = []
        nodes[node["code"]] = node
        if level == "sections":
            sections.append(node)
        else:
            nodes[row["Parent"].strip()][level].append(node)
    return {
        "classification": "NACE Rev. 2",
        "source": REV2_SOURCE,
        "licence": LICENCE,
        "checked": REV2_CHECKED,
        "sections": sections,
    }


def correspondence(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8", newline="") as f:
        links = [[_dotted(r["rev2"]), _dotted(r["rev21"]), r["partial"]] for r in csv.DictReader(f)]
    return {
        "correspondence": "NACE Rev. 2 -> NACE Rev. 2.1",
        "source": CORRESPONDENCE_SOURCE,
        "licence": LICENCE,
        "checked": CORRESPONDENCE_CHECKED,
        "columns": ["nace_rev2_class", "nace_rev21_class", "partial"],
        "links": links,
    }


def _write(path: Path, doc: dict[str, Any]) -> None:
    """Indented JSON, except that each correspondence link stays on one line (968 of them)."""
    links = doc.pop("links", None)
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    if links is not None:
        rows = ",\n".join("  " + json.dumps(link, ensure_ascii=False) for link in links)
        text = text[: -len("\n}")] + ',\n "links": [\n' + rows + "\n ]\n}"
    path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    _write(WAREHOUSE / "nace_rev2.json", rev2(Path(argv[0])))
    _write(WAREHOUSE / "nace_rev2_rev21.json", correspondence(Path(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
