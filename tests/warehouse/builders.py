"""Small, valid submission files that each test bends into the one fault it is about."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROSTER: dict[str, Any] = {
    "format": "ecocluster-roster/1",
    "cluster": {
        "cluster_id": "IT-TEST",
        "name": "Test cluster",
        "country": "IT",
        "language": "it",
        "territory": "Appennino",
        "kind": "tourist district",
        "promoting_body": "Parco",
        "description": "A test cluster",
        "programme": [
            {
                "objective_id": "P1",
                "description": "Less energy",
                "indicator": "energy.total_direct",
                "target_value": 100.0,
                "target_year": 2027,
            }
        ],
    },
    "cycles": [
        {"reporting_year": 2024, "kind": "annual", "opened_on": "2025-01-10"},
        {"reporting_year": 2025, "kind": "annual", "opened_on": "2026-01-10"},
    ],
    "members": [
        {
            "member_id": "IT-H01",
            "legal_name": "Hotel Lago Srl",
            "country": "IT",
            "nace": "55.10",
            "sector": "hotel",
            "employees": 12,
            "size_class": "small",
            "public_body": False,
            "language": "it",
            "emas_reg_no": None,
            "registered_on": None,
            "derogation": False,
            "significant_env_risk": False,
            "b_indicator": "output.overnight_stays",
            "address": "Via del Lago 1",
            "sites": [{"site_id": "IT-H01-S1", "name": "Hotel", "address": "Via del Lago 1"}],
        },
        {
            "member_id": "IT-H02",
            "legal_name": "Albergo Monte",
            "country": "IT",
            "nace": "55.10",
            "sector": "hotel",
            "employees": 8,
            "size_class": "micro",
            "public_body": False,
            "language": "it",
            "emas_reg_no": "IT-000123",
            "registered_on": "2020-05-01",
            "derogation": True,
            "significant_env_risk": False,
            "b_indicator": "output.overnight_stays",
            "address": "Via Monte 2",
            "sites": [],
        },
    ],
}

SUBMISSION: dict[str, Any] = {
    "format": "ecocluster-submission/1",
    "member_id": "IT-H01",
    "reporting_year": 2025,
    "profile": [{"activities": "Albergo 40 camere", "policy": "Riduciamo i consumi", "governance": "CdA"}],
    "indicators": [
        {"indicator": "energy.total_direct", "value": 420000, "unit": "kWh"},
        {"indicator": "water.total", "value": 5100.5, "unit": "m3"},
        {"indicator": "emissions.so2", "justification": "no combustion of sulphur-bearing fuels"},
        {"indicator": "output.overnight_stays", "value": 21000, "unit": "nights"},
    ],
    "obligations": [
        {
            "obligation_id": "AUA-1",
            "kind": "permit",
            "title": "Autorizzazione unica ambientale",
            "legal_reference": "DPR 59/2013",
            "parameter": "NOx",
            "limit_value": 200,
            "limit_unit": "mg/Nm3",
            "valid_from": "2021-01-01",
            "valid_until": "2030-12-31",
        }
    ],
    "measurements": [
        {
            "obligation_id": "AUA-1",
            "parameter": "NOx",
            "measured_on": "2025-03-01",
            "value": 150,
            "unit": "mg/Nm3",
        }
    ],
    "nonconformities": [
        {
            "nc_id": "NC1",
            "severity": "minor",
            "description": "Label missing",
            "opened_on": "2025-02-01",
            "closed_on": "2025-03-01",
        }
    ],
    "milestones": [{"milestone": "internal_audit", "completed_on": "2025-10-01", "auditor": "IT-H02"}],
    "aspects": [
        {"aspect_id": "A1", "aspect": "Energy use", "kind": "direct", "impact": "CO2", "significant": True}
    ],
    "objectives": [
        {
            "objective_id": "O1",
            "description": "-10% energy",
            "indicator": "energy.total_direct",
            "baseline_value": 450,
            "target_value": 405,
            "target_year": 2027,
            "status": "in_progress",
        }
    ],
}


def roster(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(ROSTER)
    doc.update(changes)
    return doc


def submission(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(SUBMISSION)
    doc.update(changes)
    return doc


def write_json(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
