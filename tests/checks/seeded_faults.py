"""Which rule and severity must report each kind of fault the sample generators seed."""

from __future__ import annotations

# fault kind in faults.json -> (rule, severity); kinds not listed are refused by ingestion instead
CAUGHT_BY = {
    "missing_indicator": ("completeness.core_missing", "blocking"),
    "unit_implausible": ("plausibility.unit_slip", "blocking"),
    "yoy_jump": ("plausibility.yoy_jump", "warning"),
    "expired_permit": ("compliance.permit_expired", "blocking"),
    "permit_exceedance": ("compliance.permit_exceeded", "blocking"),
    "open_major_nc": ("compliance.open_major_nonconformity", "blocking"),
    "unfinished_step": ("compliance.step_gate", "blocking"),
    "derogation_risk": ("compliance.derogation_ineligible", "blocking"),
}
REFUSED_BY_INGESTION = ("incompatible_unit",)
