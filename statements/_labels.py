"""Every phrase the statement templates print, as English msgids for the gettext catalogs.

The HTML and the typst templates both read these from the view under the same keys, so a
translator edits one ``.po`` file per language and both outputs follow. Extract with
``pybabel extract -k N_ -o statements/locale/statements.pot statements/_labels.py``.
"""

from __future__ import annotations

from ecocluster.statements._i18n import Formatter
from ecocluster.warehouse.benchmarks import RULE_PREFIX
from ecocluster.warehouse.indicators import CATALOGUE


def N_(message: str) -> str:
    """Marks a msgid for extraction; translation happens when the view is built."""
    return message


LABELS: dict[str, str] = {
    "member_title": N_("Environmental statement"),
    "cluster_title": N_("Joint cluster environmental statement"),
    "kind_full": N_("Full environmental statement (three-year cycle)"),
    "kind_updated": N_("Updated environmental statement (annual cycle)"),
    "reporting_year": N_("Reporting year"),
    "cluster": N_("Cluster"),
    "emas_reg_no": N_("EMAS registration number"),
    "not_registered": N_("not yet registered"),
    "nace": N_("NACE code"),
    "sector": N_("Sector"),
    "employees": N_("Employees"),
    "address": N_("Address"),
    "contact": N_("Contact"),
    "public_body": N_("Public body"),
    "yes": N_("yes"),
    "no": N_("no"),
    "h_organisation": N_("Organisation and activities"),
    "h_sites": N_("Sites"),
    "h_policy": N_("Environmental policy and governance"),
    "h_aspects": N_("Significant environmental aspects"),
    "h_objectives": N_("Objectives and targets"),
    "h_indicators": N_("Core indicators"),
    "h_trends": N_("Trends"),
    "h_compliance": N_("Legal compliance"),
    "h_legal": N_("Applicable legal requirements"),
    "h_verifier": N_("Environmental verifier"),
    "policy": N_("Policy"),
    "governance": N_("Governance"),
    "site": N_("Site"),
    "name": N_("Name"),
    "aspect": N_("Aspect"),
    "impact": N_("Impact"),
    "direct": N_("Direct aspects"),
    "indirect": N_("Indirect aspects"),
    "none": N_("None declared."),
    "objective": N_("Objective"),
    "indicator": N_("Indicator"),
    "baseline": N_("Baseline"),
    "target": N_("Target"),
    "current": N_("Current"),
    "progress": N_("Progress"),
    "status": N_("Status"),
    "planned": N_("planned"),
    "in_progress": N_("in progress"),
    "achieved": N_("achieved"),
    "missed": N_("missed"),
    "indicators_intro": N_("A is the annual total, B the output of the organisation and R = A/B."),
    "a_col": N_("A (annual total)"),
    "b_col": N_("B"),
    "r_col": N_("R = A/B"),
    "excluded": N_("excluded"),
    "missing": N_("not reported"),
    "b_is": N_("B is"),
    "trends_intro": N_("R = A/B (A where there is no B) over up to the last three reporting years."),
    "checks": N_("Compliance checks"),
    "checks_not_run": N_("The compliance checks have not been run for this reporting year."),
    "checks_summary": N_("Blocking findings"),
    "warnings": N_("Warnings"),
    "no_findings": N_("No findings: every check passed."),
    "severity": N_("Severity"),
    "finding": N_("Finding"),
    "blocking": N_("blocking"),
    "warning": N_("warning"),
    "nonconformities": N_("Nonconformities"),
    "opened": N_("Opened"),
    "closed": N_("Closed"),
    "open": N_("open"),
    "major": N_("major"),
    "minor": N_("minor"),
    "corrective_action": N_("Corrective action"),
    "obligation": N_("Obligation"),
    "reference": N_("Reference"),
    "authority": N_("Authority"),
    "limit": N_("Limit"),
    "valid_until": N_("Valid until"),
    "permit": N_("permit"),
    "law": N_("law"),
    "verifier_name": N_("Name of the environmental verifier"),
    "accreditation_no": N_("Accreditation number"),
    "validated_on": N_("Date of validation"),
    "draft": N_("DRAFT"),
    "draft_note": N_("Draft: not yet validated by an environmental verifier."),
    "validated_note": N_("The environmental verifier named below has validated this statement."),
    "document_date": N_("Date"),
    "page": N_("Page"),
    "territory": N_("Territory"),
    "promoting_body": N_("Promoting body"),
    "cluster_kind": N_("Type of cluster"),
    "h_members": N_("Members"),
    "member": N_("Member"),
    "registered": N_("registered"),
    "steps_done": N_("steps completed"),
    "h_shared": N_("Shared indicators by sector"),
    "members_reporting": N_("Members reporting"),
    "total": N_("Total (mean for shares)"),
    "h_benchmark": N_("Peer benchmark"),
    "benchmark_intro": N_(
        "Each member's R against the median of the members of its sector with the same "
        "B; R ÷ median above 1 means more per unit of output than the median (×1.50: 50 "
        "% more). Sectors with a single member are not compared."
    ),
    "median": N_("Sector median"),
    "ratio": N_("R ÷ median"),
    "h_programme": N_("Cluster environmental programme"),
    "target_year": N_("Target year"),
    "h_cluster_trends": N_("Cluster totals"),
    "unit": N_("Unit"),
    "statement_id": N_("Statement data SHA-256"),
    "signature": N_("Electronic signature"),
    "signed_by": N_("Signed by"),
    "signed_where": N_("Place"),
    "signed_when": N_("Time of signing"),
    "signature_note": N_(
        "This PDF carries the verifier's PAdES electronic signature; any PDF reader can check it."
    ),
    "demo": N_("DEMO"),
    "demo_note": N_(
        "DEMO: validated by a DEMO verifier of a DEMO accreditation body to "
        "show how ecocluster works. Not valid for EMAS registration."
    ),
    "no_peers": N_(
        "No sector has three or more members reporting the same indicator: there is nothing to compare yet."
    ),
    "peers": N_("Peers"),
    "esrs_note": N_(
        "Indicators follow EMAS Annex IV; the JSON version names the matching VSME/ESRS datapoints."
    ),
    "h_co2e": N_("Greenhouse gas emissions computed from energy use"),
    "co2e_intro": N_(
        "ecocluster computes scope 1 (fuels burnt on site) and scope 2 (purchased electricity: "
        "location-based with the national grid factor, market-based with the supplier's factor) "
        "from the energy reported by carrier. Each figure names the emission factor it uses and its "
        "source."
    ),
    "scope": N_("Scope"),
    "scope1": N_("Scope 1 (fuels)"),
    "scope2_location": N_("Scope 2, location-based"),
    "scope2_market": N_("Scope 2, market-based"),
    "co2e_intensity": N_("Scope 1 + 2 (location-based) per unit of B"),
    "co2e_reported": N_("Total GHG emissions reported by the organisation"),
    "carrier": N_("Energy carrier"),
    "energy_mwh": N_("Energy (MWh)"),
    "factor": N_("Emission factor"),
    "dataset": N_("Dataset"),
    "sources": N_("Sources of the emission factors"),
    "not_computed": N_("not computed"),
    "gap_no_fuel_factor": N_(
        "{carrier}: ecocluster has no emission factor for this carrier yet, so its scope is not computed."
    ),
    "gap_no_grid_factor": N_(
        "{carrier}: no national grid emission factor for {country} {year} is shipped "
        "with ecocluster yet, so location-based scope 2 is not computed."
    ),
    "gap_no_market_factor": N_(
        "{carrier}: no supplier emission factor was reported "
        "(energy.market_factor), so market-based scope 2 is not computed."
    ),
    "h_benchmarks": N_("How we compare with the EU benchmark of excellence"),
    "benchmarks_intro": N_(
        "EMAS asks every organisation to take into account the sectoral reference "
        "document of its sector: its benchmarks of excellence are what the sector's "
        "frontrunners achieve, not limits. The documents for our sector:"
    ),
    "benchmark_indicator": N_("Indicator per denominator"),
    "benchmark_ours": N_("Our value"),
    "benchmark_value": N_("EU benchmark of excellence"),
    "benchmark_verdict": N_("Compared"),
    "benchmark_reached": N_("reached"),
    "benchmark_not_reached": N_("not reached"),
    "benchmark_not_reported": N_("not compared: the indicator or its denominator is not reported"),
    "benchmarks_none": N_(
        "No benchmark of excellence of these documents is transcribed in ecocluster yet (only "
        "values quoted from the Official Journal are), so none is compared here."
    ),
}

# Indicator and group names: the catalogue's English labels are the msgids.
GROUPS: dict[str, str] = {
    "energy": N_("Energy"),
    "materials": N_("Materials"),
    "water": N_("Water"),
    "waste": N_("Waste"),
    "land": N_("Land use with regard to biodiversity"),
    "emissions": N_("Emissions"),
    "output": N_("Output"),
    "mobility": N_("Mobility"),
    "purchasing": N_("Green purchasing"),
}
INDICATORS: dict[str, str] = {i.code: i.label for i in CATALOGUE}
UNITS: tuple[str, ...] = (N_("pers."), N_("night"))

# Sector and cluster-kind codes of the roster, as a reader names them; an unknown code prints as given.
SECTORS: dict[str, str] = {
    "hotel": N_("hotel"),
    "ski_lift": N_("ski lifts"),
    "restaurant": N_("restaurant"),
    "municipality": N_("municipality"),
    "park_authority": N_("park authority"),
    "manufacturing": N_("manufacturing"),
}
# (The roster's kinds are free text: these are the ones ecocluster's samples and docs use.)
CLUSTER_KINDS: dict[str, str] = {
    "tourist district": N_("tourist district"),
    "municipalities": N_("municipalities"),
    "park": N_("park"),
    "industrial district": N_("industrial district"),
    "synthetic": N_("synthetic (test data)"),
}
# A published statement names each finding by what is wrong, not by the rule's code: one per checks rule.
CHECK_TITLES: dict[str, str] = {
    "data_quality.negative_quantity": N_("Negative quantity"),
    "data_quality.unit_not_canonical": N_("Unknown indicator or unit"),
    "data_quality.period_outside_year": N_("Reporting period outside the reporting year"),
    "data_quality.measurement_outside_year": N_("Measurement outside the reporting year"),
    "data_quality.duplicate_indicator": N_("Indicator reported twice"),
    "data_quality.unknown_member": N_("Data from an organisation outside the cluster"),
    "data_quality.no_open_cycle": N_("No open cycle for the reporting year"),
    "completeness.core_missing": N_("Core indicator missing"),
    "completeness.exclusion_unjustified": N_("Exclusion without justification"),
    "completeness.b_missing": N_("Output figure B missing"),
    "plausibility.yoy_jump": N_("Unusual change from the previous year"),
    "plausibility.unit_slip": N_("About a thousandfold change from the previous year (unit slip?)"),
    "plausibility.peer_outlier_cluster": N_("Far from peers in the cluster"),
    "plausibility.peer_outlier_all": N_("Far from peers in all clusters"),
    "plausibility.impossible_value": N_("Impossible value"),
    "plausibility.co2e_not_computed": N_("CO₂e not computed: no emission factor for an energy carrier"),
    "plausibility.co2e_differs": N_("Reported GHG total differs from the CO₂e computed from energy use"),
    "compliance.permit_exceeded": N_("Permit limit exceeded"),
    "compliance.permit_expired": N_("Permit expired or expiring"),
    "compliance.obligation_incomplete": N_("Incomplete entry in the obligations register"),
    "compliance.obligations_empty": N_("Obligations register empty"),
    "compliance.open_major_nonconformity": N_("Major nonconformity still open"),
    "compliance.open_minor_nonconformity": N_("Minor nonconformity still open"),
    "compliance.internal_audit_missing": N_("Internal audit missing"),
    "compliance.management_review_missing": N_("Management review missing"),
    "compliance.step_gate": N_("Step-by-step implementation not finished"),
    "compliance.derogation_ineligible": N_("Derogation for small organisations not applicable"),
}


# The rules of the EU benchmarks of excellence (one per benchmark of the shipped table, named
# plausibility.benchmark_<id>) share one title: the finding's indicator says which benchmark.
BENCHMARK_RULE_PREFIX = RULE_PREFIX
BENCHMARK_TITLE = N_("EU benchmark of excellence of the sector not reached")


def check_title(fmt: Formatter, rule: str) -> str:
    """A checks rule as a reader names it, in ``fmt``'s language; a rule without a title (none: the
    catalogue test holds one per rule) is named by its last part in words, never by its code."""
    title = BENCHMARK_TITLE if rule.startswith(BENCHMARK_RULE_PREFIX) else CHECK_TITLES.get(rule)
    return fmt.gettext(title) if title else rule.rsplit(".", 1)[-1].replace("_", " ")
