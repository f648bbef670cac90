"""A benchmark table for tests only: a made-up document and threshold (NOT an Official Journal
value), so the checks and the statements can be tested before any real benchmark is transcribed."""

from __future__ import annotations

import json
from typing import Any

TEST_DOCUMENT = "TEST/1"


def table_json(**overrides: Any) -> str:
    """One benchmark: total energy per m² of floor area, at most 100 kWh/m² (test value)."""
    entry = {
        "id": "test_energy_per_floor_area",
        "document": TEST_DOCUMENT,
        "section": "9.9.9",
        "page": 99,
        "wording": "Test wording, not from the Official Journal: at most 100 kWh/m2 per year",
        "indicator": "energy.total_direct",
        "denominator": "output.floor_area",
        "unit": "kWh/m2",
        "factor": 1000,
        "comparison": "<=",
        "threshold": 100,
    }
    entry.update(overrides)
    return json.dumps(
        {
            "documents": {
                TEST_DOCUMENT: {
                    "title": "Test sectoral reference document (not a Commission Decision)",
                    "oj": "OJ L 0, 1.1.2000, p. 1",
                    "url": "https://example.invalid/test",
                    "nace": ["55", "56", "84"],
                }
            },
            "benchmarks": [entry],
        }
    )
