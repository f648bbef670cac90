"""Validation and loading of staged rows, set-wise in DuckDB.

The SQL is generated from ecocluster.warehouse.sections, so every field of every format is checked by the
same rule and explained by the same words. Rows of files with any error never leave staging.
"""

from __future__ import annotations

import duckdb

from ecocluster.warehouse import indicators, units
from ecocluster.warehouse._rows import stage_table
from ecocluster.warehouse.db import insert_rows
from ecocluster.warehouse.messages import LANGUAGES, N_, translate
from ecocluster.warehouse.sections import SECTIONS, Field, Kind, Section
from ecocluster.warehouse.unit_text import shown

# A broken rule's reason: the msgid (warehouse/locale/*/ingest.po) and its fields.
Reason = tuple[str, dict[str, object]]

_MACROS = r"""
CREATE OR REPLACE TEMP MACRO ec_txt(v) AS nullif(trim(v), '');
CREATE OR REPLACE TEMP MACRO ec_num(v, dc) AS TRY_CAST(
    CASE WHEN dc AND regexp_full_match(trim(v), '[-+]?\d{1,3}(\.\d{3})+(,\d+)?')
         THEN replace(replace(trim(v), '.', ''), ',', '.')
         WHEN dc THEN replace(trim(v), ',', '.')
         ELSE trim(v) END AS DOUBLE);
CREATE OR REPLACE TEMP MACRO ec_bool(v) AS CASE
    WHEN lower(trim(v)) IN ('true', 'yes', 'y', '1', 'si', 'sì', 'jā', 'ja', 'x') THEN true
    WHEN lower(trim(v)) IN ('false', 'no', 'n', '0', 'ne', 'nē') THEN false END;
CREATE OR REPLACE TEMP MACRO ec_date(v) AS TRY_CAST(trim(v) AS DATE);
"""
_CATALOGUE_JOIN = " LEFT JOIN ec_indicator k ON k.code = lower(ec_txt(s.indicator))"

# Fields whose submitted value is kept beside a converted one: (value, unit, target) columns.
_CONVERTED = {
    "indicators": (
        "value",
        "unit",
        "stg_ind_unit u ON u.indicator = lower(ec_txt(s.indicator)) AND u.unit_text = ec_txt(s.unit)",
    ),
    "measurements": ("value", "unit", "stg_base_unit u ON u.unit_text = ec_txt(s.unit)"),
    "obligations": ("limit_value", "limit_unit", "stg_base_unit u ON u.unit_text = ec_txt(s.limit_unit)"),
}


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_MACROS)
    con.execute("CREATE OR REPLACE TEMP TABLE ec_indicator (code VARCHAR, unit VARCHAR)")
    insert_rows(con, "ec_indicator", ("code", "unit"), [(i.code, i.unit) for i in indicators.CATALOGUE])


def _quote(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def typed(field: Field, col: str) -> str:
    """SQL turning the staged text of ``col`` into the field's type (NULL where it cannot)."""
    return {
        Kind.TEXT: f"ec_txt({col})",
        Kind.UNIT: f"ec_txt({col})",
        Kind.NUMBER: f"ec_num({col}, f.decimal_comma)",
        Kind.INTEGER: (
            f"CASE WHEN regexp_full_match(trim({col}), "
            f"'[+-]?\\d+(\\.0+)?') THEN TRY_CAST(ec_txt({col}) AS INTEGER) "
            "END"
        ),
        Kind.DATE: f"ec_date({col})",
        Kind.BOOLEAN: f"ec_bool({col})",
        Kind.CHOICE: f"lower(ec_txt({col}))",
    }[field.kind]


def _field_rules(field: Field, col: str) -> list[tuple[str, Reason]]:
    """(condition, reason) pairs; a row breaks the rule when the condition holds."""
    rules: list[tuple[str, Reason]] = []
    present = f"ec_txt({col}) IS NOT NULL"
    if field.required:
        rules.append((f"ec_txt({col}) IS NULL", (N_("is required but empty"), {})))
    rules.append(
        (
            f"length({col}) > {field.max_length}",
            (N_("is longer than {n} characters"), {"n": field.max_length}),
        )
    )
    value = typed(field, col)
    if field.kind is Kind.NUMBER:
        rules.append(
            (
                f"{present} AND {value} IS NULL",
                (
                    N_(
                        "is not a number (use digits, with ',' as decimal separator only in ';'-separated "
                        "files)"
                    ),
                    {},
                ),
            )
        )
        rules.append((f"{present} AND NOT isfinite({value})", (N_("is not a finite number"), {})))
    elif field.kind is Kind.INTEGER:
        rules.append((f"{present} AND {value} IS NULL", (N_("is not a whole number"), {})))
    elif field.kind is Kind.DATE:
        rules.append((f"{present} AND {value} IS NULL", (N_("is not a date written as YYYY-MM-DD"), {})))
        rules.append(
            (f"{present} AND year({value}) NOT BETWEEN 1950 AND 2100", (N_("is not a plausible date"), {}))
        )
        if field.past:
            rules.append(
                (
                    f"{present} AND {value} > current_date",
                    (N_("is in the future; give the date it happened"), {}),
                )
            )
    elif field.kind is Kind.BOOLEAN:
        rules.append((f"{present} AND {value} IS NULL", (N_("must be yes or no (true/false)"), {})))
    elif field.kind is Kind.CHOICE:
        reason: Reason = (
            (N_("is not a code from the template's list"), {})
            if len(field.choices) > 8
            else (N_("is not one of {choices}"), {"choices": ", ".join(field.choices)})
        )
        rules.append((f"{present} AND {value} NOT IN ({_quote(field.choices)})", reason))
    return rules


# The reason a unit column's value was refused: a column of the staged unit tables per language.
_UNIT_ERROR: Reason = ("", {})


def _section_rules(section: Section) -> list[tuple[str, str, Reason]]:
    """(column, condition, reason) for the whole section, fields and cross-field rules."""
    rules: list[tuple[str, str, Reason]] = [
        ("member_id", "ec_txt(s.member_id) IS NULL", (N_("member_id is required"), {})),
        (
            "member_id",
            "ec_txt(s.member_id) IS NOT NULL AND m.member_id IS NULL",
            (
                N_(
                    "unknown member: it is in no cluster roster; ask the "
                    "coordinator to add it, then send the file "
                    "again"
                ),
                {},
            ),
        ),
        (
            "reporting_year",
            "TRY_CAST(ec_txt(s.reporting_year) AS INTEGER) IS NULL",
            (N_("reporting_year must be a year such as 2025"), {}),
        ),
        (
            "reporting_year",
            (
                "m.member_id IS NOT NULL AND TRY_CAST(ec_txt(s.reporting_year) AS INTEGER) IS NOT NULL "
                "AND c.cluster_id IS NULL"
            ),
            (
                N_(
                    "no cycle is open for this reporting year in the "
                    "member's cluster; ask the coordinator to open it"
                ),
                {},
            ),
        ),
    ]
    for field in section.fields:
        rules += [(field.name, cond, reason) for cond, reason in _field_rules(field, f's."{field.name}"')]
    if section.name in _CONVERTED:
        value, unit, _ = _CONVERTED[section.name]
        rules.append((unit, f"ec_txt(s.{unit}) IS NOT NULL AND u.error IS NOT NULL", _UNIT_ERROR))
        rules.append(
            (
                unit,
                f"ec_txt(s.{unit}) IS NULL AND ec_txt(s.{value}) IS NOT NULL",
                (N_("is required when {field} is given"), {"field": value}),
            )
        )
    if section.name == "indicators":
        rules.append(
            (
                "value",
                "ec_txt(s.value) IS NULL AND ec_txt(s.justification) IS NULL",
                (
                    N_(
                        "is empty: report the value, or explain in 'justification' why the indicator is not "
                        "relevant"
                    ),
                    {},
                ),
            )
        )
    return rules


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_language(reason: Reason, language: str) -> str:
    """SQL for the reason worded in the language ``language`` (SQL) gives, English otherwise."""
    if reason is _UNIT_ERROR:
        cases = " ".join(f"WHEN '{lang}' THEN u.error_{lang}" for lang in LANGUAGES if lang != "en")
        return f"CASE {language} {cases} ELSE u.error END"
    message, params = reason
    cases = " ".join(
        f"WHEN '{lang}' THEN {_literal(translate(lang, message, **params))}"
        for lang in LANGUAGES
        if lang != "en"
    )
    return f"CASE {language} {cases} ELSE {_literal(translate('en', message, **params))} END"


MEMBER_LANGUAGE = "member"  # word refusals in the roster's language of each file's member


def file_languages(con: duckdb.DuckDBPyConnection, language: str) -> None:
    """``stg_lang``: the language each staged file's refusals are worded in: ``language`` (en, it,
    lv), or with :data:`MEMBER_LANGUAGE` the roster's language of the member the file is about
    (English for a member the roster does not know)."""
    union = " UNION ALL ".join(
        f"SELECT file_no, ec_txt(member_id) AS member_id FROM stg_{s.name}" for s in SECTIONS
    )
    forced = None if language == MEMBER_LANGUAGE else language
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_lang AS "
        "SELECT f.file_no, coalesce(CAST(? AS VARCHAR), "
        "any_value(m.language), 'en') AS language FROM stg_file f "
        f"LEFT JOIN ({union}) r USING (file_no) "
        "LEFT JOIN member m ON m.member_id = coalesce(ec_txt(f.member_id), r.member_id) GROUP BY f.file_no",
        [forced],
    )


def collect_errors(con: duckdb.DuckDBPyConnection, language: str = "en") -> None:
    """Fill stg_error with every broken rule of every staged row, worded in ``language`` or, with
    :data:`MEMBER_LANGUAGE`, in the language of the row's member (the file's, for a member the
    roster does not know)."""
    row_language = "coalesce(m.language, fl.language)" if language == MEMBER_LANGUAGE else _literal(language)
    for section in SECTIONS:
        joins = (
            f"FROM {stage_table(section)} s JOIN stg_file f USING (file_no) JOIN stg_lang fl USING (file_no) "
            "LEFT JOIN member m ON m.member_id = ec_txt(s.member_id) "
            "LEFT JOIN cycle c ON c.cluster_id = m.cluster_id "
            "AND c.reporting_year = TRY_CAST(ec_txt(s.reporting_year) AS INTEGER)"
        )
        if section.name in _CONVERTED:
            joins += " LEFT JOIN " + _CONVERTED[section.name][2]
        # One scan per section: every rule yields a struct or NULL, the non-NULL ones become error rows.
        checks = []
        for column, condition, reason in _section_rules(section):
            source = (
                "s.member_id"
                if column == "member_id"
                else ("s.reporting_year" if column == "reporting_year" else f's."{column}"')
            )
            checks.append(
                f"CASE WHEN {condition} THEN {{'col': '{column}', 'value': left({source}, 200), "
                f"'reason': {_in_language(reason, row_language)}}} END"
            )
        con.execute(
            "INSERT INTO stg_error SELECT file_no, src_part, src_row, e.col, e.value, e.reason FROM ("
            "SELECT s.file_no, s.src_part, s.src_row, "
            f"unnest(list_filter([{', '.join(checks)}], x -> x IS NOT NULL)) "
            "AS e "
            f"{joins})"
        )
    # One member-year per JSON/XLSX file is given by its header; a CSV file must not mix years.
    one_year = _in_language(
        (N_("a file must hold one reporting year; split it by year"), {}), "any_value(fl.language)"
    )
    for section in SECTIONS:
        con.execute(
            f"INSERT INTO stg_error SELECT file_no, NULL, min(src_row), 'reporting_year', NULL, {one_year} "
            f"FROM {stage_table(section)} JOIN stg_lang fl USING (file_no) GROUP BY file_no "
            "HAVING count(DISTINCT ec_txt(reporting_year)) > 1"
        )
    one_row = _in_language((N_("the profile must be one row per member"), {}), "any_value(fl.language)")
    con.execute(
        "INSERT INTO stg_error SELECT file_no, "
        "any_value(src_part), max(src_row), NULL, member_id, "
        f"{one_row} "
        "FROM stg_profile JOIN stg_lang fl USING (file_no) GROUP BY file_no, member_id HAVING count(*) > 1"
    )


def _unit_errors(error: units.UnitError, expected: str | None = None, code: str | None = None) -> list[str]:
    """The refusal of a unit in every language, English first (the column rules test)."""
    worded = []
    for lang in LANGUAGES:
        text = translate(lang, error.message, **error.params)
        if expected is not None:
            text = translate(
                lang,
                N_("{error} (expected a unit of {unit} for {code})"),
                error=text,
                unit=shown(expected),
                code=code,
            )
        worded.append(text)
    return worded


_ERROR_COLUMNS = (
    " VARCHAR, ".join(f"error{'' if lang == 'en' else '_' + lang}" for lang in LANGUAGES) + " VARCHAR"
)


def resolve_units(con: duckdb.DuckDBPyConnection) -> None:
    """Factors for every distinct unit in the batch, asked of pint once each; a refused unit's
    reason in every language (``error`` in English, ``error_it``, ``error_lv``)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_ind_unit (indicator VARCHAR, unit_text VARCHAR, factor DOUBLE,"
        f" canonical VARCHAR, {_ERROR_COLUMNS})"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stg_base_unit (unit_text VARCHAR, factor DOUBLE, base_unit VARCHAR,"
        f" {_ERROR_COLUMNS})"
    )
    fine = [None] * len(LANGUAGES)
    pairs = con.execute(
        "SELECT DISTINCT lower(ec_txt(indicator)), ec_txt(unit) FROM stg_indicators "
        "WHERE ec_txt(unit) IS NOT NULL"
    ).fetchall()
    ind_rows: list[tuple[object, ...]] = []
    for code, unit in pairs:
        known = indicators.BY_CODE.get(code)
        if known is None:
            continue  # the indicator code itself is reported as an error
        try:
            converted = units.factor(unit, known.unit)
            units.check_carrier(unit, known.carrier)
            ind_rows.append((code, unit, converted, known.unit, *fine))
        except units.UnitError as e:
            ind_rows.append((code, unit, None, known.unit, *_unit_errors(e, known.unit, code)))
    names = tuple(c.split()[0] for c in _ERROR_COLUMNS.split(", "))
    insert_rows(con, "stg_ind_unit", ("indicator", "unit_text", "factor", "canonical", *names), ind_rows)
    texts = con.execute(
        "SELECT DISTINCT ec_txt(unit) FROM stg_measurements WHERE ec_txt(unit) IS NOT NULL UNION "
        "SELECT DISTINCT ec_txt(limit_unit) FROM stg_obligations WHERE ec_txt(limit_unit) IS NOT NULL"
    ).fetchall()
    base_rows: list[tuple[object, ...]] = []
    for (unit,) in texts:
        try:
            base_rows.append((unit, *units.to_base(unit), *fine))
        except units.UnitError as e:
            base_rows.append((unit, None, None, *_unit_errors(e)))
    insert_rows(con, "stg_base_unit", ("unit_text", "factor", "base_unit", *names), base_rows)


def load_clean(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the rows of error-free files into the warehouse tables (inside the caller's transaction)."""
    for section in SECTIONS:
        converted = _CONVERTED.get(section.name)
        select = [
            "f.sha256 AS submission_id",
            "ec_txt(s.member_id) AS member_id",
            "CAST(ec_txt(s.reporting_year) AS INTEGER) AS reporting_year",
            "s.src_row AS source_row",
        ]
        join = ""
        for field in section.fields:
            expr = typed(field, f's."{field.name}"')
            if converted and field.name == converted[0]:
                select += [f"{expr} AS {field.name}_submitted", f"{expr} * u.factor AS {field.name}"]
            elif converted and field.name == converted[1]:
                # An excluded indicator has no submitted unit but still its canonical one.
                target = "k.unit" if section.name == "indicators" else "u.base_unit"
                select += [f"{expr} AS {field.name}_submitted", f"{target} AS {field.name}"]
            else:
                select.append(f"{expr} AS {field.name}")
        if converted:
            join = " LEFT JOIN " + converted[2]
        if section.name == "indicators":
            join += _CATALOGUE_JOIN
        con.execute(
            f"INSERT INTO {section.table} BY NAME SELECT {', '.join(select)} "
            f"FROM {stage_table(section)} s JOIN stg_file f USING (file_no){join} "
            "WHERE s.file_no NOT IN (SELECT file_no FROM stg_error)"
        )
