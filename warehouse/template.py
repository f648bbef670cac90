"""The member's XLSX submission workbook: one sheet per section, dropdowns, instructions.

Members who do not write CSV or JSON fill in this workbook. Its sheets and header rows come from
``ecocluster.warehouse.sections.SECTIONS`` and the dropdowns from the indicator catalogue, so the template
and the ingester read the same contract; the sample generator writes its XLSX submissions with
this same function (with rows), so template and sample data cannot drift. The file is
deterministic (fixed document dates and zip timestamps): same inputs, same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from ecocluster.core.errors import EcoclusterError
from ecocluster.warehouse import units
from ecocluster.warehouse.indicators import CATALOGUE, Indicator, Role
from ecocluster.warehouse.messages import catalog
from ecocluster.warehouse.sections import SECTIONS, Field, Kind

TEMPLATE_VERSION = "1"
SUBMISSION_SHEET = "submission"
LISTS_SHEET = "lists"
INSTRUCTIONS_SHEET = {"it": "Istruzioni", "lv": "Instrukcijas", "en": "Instructions"}
DATA_ROWS = 1000  # rows prepared with dropdowns below each header
_FIXED_TIME = dt.datetime(2026, 1, 1)
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
# Unit spellings offered in the dropdown, exactly what the ingester accepts (ecocluster.warehouse.units);
# others may be typed (the ingester converts or rejects).
UNITS = units.SPELLINGS
_BOOLEANS = ("TRUE", "FALSE")
_DISPLAY = {"m**3": "m³", "m**2": "m²", "percent": "%", "person": "FTE", "overnight_stay": "overnight_stay"}

_TEXT: dict[str, dict[str, str]] = {
    "title": {
        "it": "Modulo di comunicazione dati EMAS del cluster",
        "lv": "EMAS klastera datu iesniegšanas veidlapa",
        "en": "EMAS cluster data submission workbook",
    },
    "intro": {
        "it": "Compilare un foglio per sezione, una riga per voce, a partire dalla riga 2. Non modificare "
        "la riga di intestazione né i nomi dei fogli. Nel foglio 'submission' indicare il codice "
        "membro e l'anno di riferimento. Le date nel formato AAAA-MM-GG; i numeri senza separatore "
        "delle migliaia. Un indicatore non pertinente si lascia senza valore con una giustificazione "
        "scritta. Inviare il file al coordinatore del cluster: un file corretto sostituisce il "
        "precedente.",
        "lv": "Aizpildiet vienu lapu katrai sadaļai, vienu rindu katram ierakstam, sākot no 2. rindas. "
        "Nemainiet virsraksta rindu un lapu nosaukumus. Lapā 'submission' norādiet dalībnieka kodu "
        "un pārskata gadu. Datumi formātā GGGG-MM-DD; skaitļi bez tūkstošu atdalītāja. Neattiecināmu "
        "rādītāju atstājiet bez vērtības ar rakstisku pamatojumu. Nosūtiet failu klastera "
        "koordinatoram: labots fails aizstāj iepriekšējo.",
        "en": "Fill in one sheet per section, one row per entry, from row 2. Do not change the header row or "
        "the sheet names. On the 'submission' sheet enter your member code and the reporting year. "
        "Dates as YYYY-MM-DD; numbers without thousands separators. An indicator that is not relevant "
        "is left without a value and with a written justification. Send the file to your cluster "
        "coordinator: a corrected file replaces the earlier one.",
    },
    "sheet": {"it": "Foglio", "lv": "Lapa", "en": "Sheet"},
    "field": {"it": "Campo", "lv": "Lauks", "en": "Field"},
    "required": {"it": "obbligatorio", "lv": "obligāts", "en": "required"},
    "optional": {"it": "facoltativo", "lv": "neobligāts", "en": "optional"},
    "values": {"it": "Valori ammessi", "lv": "Atļautās vērtības", "en": "Allowed values"},
    "indicators": {
        "it": "Indicatori: codice, unità di riferimento, significato, unità accettate",
        "lv": "Rādītāji: kods, pamata mērvienība, nozīme, pieņemtās mērvienības",
        "en": "Indicators: code, canonical unit, meaning, accepted units",
    },
    "indicators_intro": {
        "it": "Per ogni indicatore A indicare il totale annuo "
        "dell'organizzazione (somma di tutti i siti); B è la "
        "produzione o la dimensione (presenze, addetti, abitanti) con cui il coordinatore calcola R = A/B. "
        "Il valore può essere scritto in una qualsiasi delle unità accettate: viene convertito nell'unità "
        "di riferimento. Se un valore cambia di circa mille volte rispetto all'anno precedente (kWh "
        "scritti come MWh, kg come t) il file è bloccato finché il valore non è corretto o giustificato "
        "nella colonna 'justification'. La superficie degli edifici utilizzati (output.floor_area, m²) è il "
        "denominatore degli esempi di eccellenza UE espressi per m².",
        "lv": "Katram A rādītājam norādiet organizācijas gada kopsummu "
        "(visu objektu summa); B ir produkcija vai "
        "lielums (nakšņošanas, darbinieki, iedzīvotāji), ar ko koordinators aprēķina R = A/B. Vērtību var "
        "rakstīt jebkurā no pieņemtajām mērvienībām: tā tiek pārvērsta pamata mērvienībā. Ja vērtība, "
        "salīdzinot ar iepriekšējo gadu, mainās apmēram tūkstoš reižu (kWh ierakstītas kā MWh, kg kā t), "
        "dalībnieks tiek bloķēts, līdz vērtība ir labota vai pamatota ailē 'justification'. Izmantoto ēku "
        "platība (output.floor_area, m²) ir saucējs ES izcilības kritērijiem, kas izteikti uz m².",
        "en": "For each A indicator give the organisation's annual total "
        "(all sites added up); B is the output or "
        "size (overnight stays, employees, inhabitants) the coordinator divides by to get R = A/B. The "
        "value may be written in any of the accepted units: it is converted to the canonical unit. A value "
        "about a thousand times the previous year's (kWh written as MWh, kg as t) blocks the member until "
        "it is corrected or explained in the 'justification' column. The floor area of the buildings used "
        "(output.floor_area, m²) is the denominator of the EU benchmarks of excellence stated per m².",
    },
    "carriers_intro": {
        "it": "Energia per vettore (codici energy.natural_gas … "
        "energy.biomass): una riga per vettore con la quantità "
        "annua, in MWh, kWh, GJ o nell'unità del combustibile (Sm3_gas per il metano, l_diesel, l_lpg, "
        "l_heating_oil). ecocluster ne calcola le emissioni di CO2e di ambito 1 (combustibili) e 2 (energia "
        "elettrica acquistata), citando il fattore usato. energy.market_factor è il fattore di emissione del "
        "fornitore di energia elettrica (t/MWh o kg/kWh), per il metodo market-based.",
        "lv": "Enerģija pa nesējiem (kodi energy.natural_gas … "
        "energy.biomass): viena rinda katram nesējam ar gada "
        "daudzumu MWh, kWh, GJ vai kurināmā mērvienībā (Sm3_gas dabasgāzei, l_diesel, l_lpg, l_heating_oil). "
        "ecocluster no tiem aprēķina 1. tvēruma (kurināmais) un 2. tvēruma (iepirktā elektroenerģija) CO2e "
        "emisijas, norādot izmantoto koeficientu. energy.market_factor ir elektroenerģijas piegādātāja "
        "emisijas koeficients (t/MWh vai kg/kWh) tirgus metodei.",
        "en": "Energy by carrier (codes energy.natural_gas … "
        "energy.biomass): one row per carrier with the annual "
        "quantity, in MWh, kWh, GJ or the fuel's own unit (Sm3_gas for natural gas, l_diesel, l_lpg, "
        "l_heating_oil). ecocluster computes scope 1 (fuels) and scope 2 (purchased electricity) CO2e from "
        "them and cites the factor it used. energy.market_factor is your electricity supplier's emission "
        "factor (t/MWh or kg/kWh), for the market-based method.",
    },
}
_ROLE_TEXT: dict[Role, dict[str, str]] = {
    Role.CORE: {"it": "A: totale annuo", "lv": "A: gada kopsumma", "en": "A: annual total"},
    Role.OUTPUT: {
        "it": "B: produzione o dimensione",
        "lv": "B: produkcija vai lielums",
        "en": "B: output or size",
    },
    Role.CLUSTER: {
        "it": "indicatore condiviso del cluster",
        "lv": "klastera kopīgais rādītājs",
        "en": "shared cluster indicator",
    },
    Role.CARRIER: {
        "it": "energia per vettore, per il calcolo della CO2e",
        "lv": "enerģija pa nesējiem, CO2e aprēķinam",
        "en": "energy by carrier, for the CO2e computation",
    },
}


def _indicator_name(indicator: Indicator, lang: str) -> str:
    """The indicator's name as the member's statement prints it: the statements' catalog holds
    the one translation of every indicator name (read as data; warehouse does not import statements)."""
    return catalog("ecocluster.statements", "statements", lang).gettext(indicator.label)


def _accepted(indicator: Indicator) -> str:
    """The dropdown spellings the ingester converts into the indicator's canonical unit."""
    accepted = []
    for spelling in UNITS:
        if units.normalise(spelling) == "dimensionless":
            continue  # dB(A), pH: "converts" to a share, but means nothing as one
        try:
            units.factor(spelling, indicator.unit)
            units.check_carrier(spelling, indicator.carrier)
        except units.UnitError:
            continue
        accepted.append(spelling)
    return ", ".join(accepted)


_KIND_TEXT: dict[Kind, dict[str, str]] = {
    Kind.TEXT: {"it": "testo", "lv": "teksts", "en": "text"},
    Kind.NUMBER: {"it": "numero", "lv": "skaitlis", "en": "number"},
    Kind.INTEGER: {"it": "numero intero", "lv": "vesels skaitlis", "en": "whole number"},
    Kind.DATE: {"it": "data AAAA-MM-GG", "lv": "datums GGGG-MM-DD", "en": "date YYYY-MM-DD"},
    Kind.BOOLEAN: {"it": "TRUE/FALSE", "lv": "TRUE/FALSE", "en": "TRUE/FALSE"},
    Kind.CHOICE: {"it": "scelta da elenco", "lv": "izvēle no saraksta", "en": "choice from list"},
    Kind.UNIT: {"it": "unità di misura", "lv": "mērvienība", "en": "unit of measure"},
}
SECTION_TEXT: dict[str, dict[str, str]] = {
    "profile": {
        "it": "Descrizione dell'organizzazione, politica ambientale, governance (una riga)",
        "lv": "Organizācijas apraksts, vides politika, pārvaldība (viena rinda)",
        "en": "Description of the organisation, environmental policy, governance (one row)",
    },
    "indicators": {
        "it": "Indicatori chiave EMAS (Allegato IV) e dato B (presenze, addetti, abitanti)",
        "lv": "EMAS pamatrādītāji (IV pielikums) un B rādītājs (nakšņošanas, darbinieki, iedzīvotāji)",
        "en": "EMAS core indicators (Annex IV) and the B figure (overnight stays, employees, inhabitants)",
    },
    "obligations": {
        "it": "Registro delle prescrizioni legali e delle autorizzazioni con limiti e scadenze",
        "lv": "Tiesību aktu un atļauju reģistrs ar robežvērtībām un termiņiem",
        "en": "Register of legal requirements and permits with limits and validity",
    },
    "measurements": {
        "it": "Misure effettuate rispetto ai limiti delle autorizzazioni",
        "lv": "Mērījumi attiecībā pret atļauju robežvērtībām",
        "en": "Measurements against permit limits",
    },
    "nonconformities": {
        "it": "Non conformità (maggiori/minori), apertura, chiusura, azione correttiva",
        "lv": "Neatbilstības (būtiskas/nebūtiskas), atvēršana, slēgšana, korektīvā darbība",
        "en": "Nonconformities (major/minor), opened, closed, corrective action",
    },
    "milestones": {
        "it": "Fasi del sistema di gestione: 6 fasi, 3 audit intermedi, analisi iniziale, audit "
        "interno, riesame della direzione",
        "lv": "Vadības sistēmas posmi: 6 soļi, 3 starpauditi, sākotnējais novērtējums, iekšējais "
        "audits, vadības pārskats",
        "en": "EMS milestones: 6 steps, 3 intermediate audits, initial review, internal audit, "
        "management review",
    },
    "aspects": {
        "it": "Aspetti ambientali diretti e indiretti e loro significatività",
        "lv": "Tiešie un netiešie vides aspekti un to būtiskums",
        "en": "Direct and indirect environmental aspects and their significance",
    },
    "objectives": {
        "it": "Obiettivi e traguardi ambientali",
        "lv": "Vides mērķi un uzdevumi",
        "en": "Environmental objectives and targets",
    },
}


class TemplateError(EcoclusterError):
    """The template cannot be written as asked (unknown language, bad rows)."""


def _lists() -> dict[str, tuple[str, ...]]:
    """Dropdown sources by list name: indicator codes, units, booleans and every choice set."""
    lists: dict[str, tuple[str, ...]] = {
        "indicator": tuple(i.code for i in CATALOGUE),
        "unit": UNITS,
        "boolean": _BOOLEANS,
    }
    for section in SECTIONS:
        for f in section.fields:
            if f.kind is Kind.CHOICE and f.choices not in lists.values():
                lists[f"{section.name}.{f.name}"] = f.choices
    return lists


def _list_name(lists: dict[str, tuple[str, ...]], f: Field) -> str | None:
    if f.kind is Kind.UNIT:
        return "unit"
    if f.kind is Kind.BOOLEAN:
        return "boolean"
    if f.kind is Kind.CHOICE:
        return next(name for name, values in lists.items() if values == f.choices)
    return None


def _ranges(lists: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """List name -> absolute range on the lists sheet (one column per list, values from row 2)."""
    return {
        name: f"{quote_sheetname(LISTS_SHEET)}!${get_column_letter(col)}$2:"
        f"${get_column_letter(col)}${len(values) + 1}"
        for col, (name, values) in enumerate(lists.items(), start=1)
    }


def _write_lists(wb: Workbook, lists: dict[str, tuple[str, ...]]) -> None:
    """The hidden sheet of dropdown sources, last in the workbook."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    for col, (name, values) in enumerate(lists.items(), start=1):
        ws.cell(1, col, name)
        for row, value in enumerate(values, start=2):
            ws.cell(row, col, value)


def _validation(f: Field, source: str | None) -> DataValidation | None:
    if source is not None:
        warn = f.kind is Kind.UNIT  # other spellings are allowed; the ingester converts or rejects
        return DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            errorStyle="warning" if warn else "stop",
            showErrorMessage=True,
        )
    bounds = _BOUNDS.get(f.kind)
    if bounds is None:
        return None
    kind, low, high = bounds
    return DataValidation(
        type=kind,
        operator="between",
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
    )


# Excel's own checks on typed cells: (validation type, lowest, highest) as Excel writes them.
_BOUNDS = {
    Kind.NUMBER: ("decimal", "-1E+15", "1E+15"),
    Kind.INTEGER: ("whole", "1900", "2200"),  # years
    Kind.DATE: ("date", "32874", "73051"),  # serial days: 1990-01-01 .. 2099-12-31
}


def _cell_value(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.kind is Kind.DATE and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if f.kind is Kind.BOOLEAN:
        return bool(value)
    return value


def _section_sheet(
    wb: Workbook,
    section_name: str,
    fields: Sequence[Field],
    lists: dict[str, tuple[str, ...]],
    ranges: dict[str, str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    ws = wb.create_sheet(section_name)
    required = PatternFill("solid", fgColor="FFE699")
    for col, f in enumerate(fields, start=1):
        cell = ws.cell(1, col, f.name)
        cell.font = Font(bold=True)
        if f.required:
            cell.fill = required
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = 40 if f.kind is Kind.TEXT and f.max_length > 500 else 18
        name = _list_name(lists, f)
        validation = _validation(f, ranges[name] if name else None)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
            ws.add_data_validation(validation)
        for row_no, row in enumerate(rows, start=2):
            value = ws.cell(row_no, col, _cell_value(f, row.get(f.name)))
            if f.kind is Kind.DATE:
                value.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"


def _instructions(wb: Workbook, lang: str) -> None:
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET[lang]
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 90
    lines: list[tuple[Any, ...]] = [
        (_TEXT["title"][lang],),
        (f"template_version {TEMPLATE_VERSION}",),
        (_TEXT["intro"][lang],),
        (),
    ]
    lines.append((_TEXT["sheet"][lang], _TEXT["field"][lang], _TEXT["values"][lang]))
    for section in SECTIONS:
        lines.append((section.name, "", SECTION_TEXT[section.name][lang]))
        for f in section.fields:
            need = _TEXT["required" if f.required else "optional"][lang]
            allowed = ", ".join(f.choices) if f.kind is Kind.CHOICE and len(f.choices) < 15 else ""
            lines.append(
                ("", f.name, f"{_KIND_TEXT[f.kind][lang]}, {need}" + (f": {allowed}" if allowed else ""))
            )
    lines += [(), (_TEXT["indicators"][lang],), (_TEXT["indicators_intro"][lang],)]
    intro_row = len(lines)
    lines += [
        (
            i.code,
            _DISPLAY.get(i.unit, i.unit),
            f"{_indicator_name(i, lang)} ({_ROLE_TEXT[i.role][lang]}); {_accepted(i)}",
        )
        for i in CATALOGUE
        if i.role is not Role.CARRIER
    ]
    lines += [(), (_TEXT["carriers_intro"][lang],)]
    carriers_row = len(lines)
    lines += [
        (i.code, _DISPLAY.get(i.unit, i.unit), f"{_indicator_name(i, lang)}; {_accepted(i)}")
        for i in CATALOGUE
        if i.role is Role.CARRIER
    ]
    for row in lines:
        ws.append(row)
    for row_no in (intro_row, carriers_row):
        ws.cell(row_no, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(f"A{row_no}:C{row_no}")
        ws.row_dimensions[row_no].height = 75
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A3:C3")
    ws.row_dimensions[3].height = 110


def write_template(
    path: Path | str,
    lang: str,
    member_id: str | None = None,
    reporting_year: int | None = None,
    rows: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Path:
    """Write the workbook; with ``rows`` (section -> row dicts of its fields) it is a filled submission."""
    if lang not in INSTRUCTIONS_SHEET:
        raise TemplateError(f"no template language {lang!r}; choose one of {', '.join(INSTRUCTIONS_SHEET)}")
    rows = rows or {}
    wb = Workbook()
    _instructions(wb, lang)
    meta = wb.create_sheet(SUBMISSION_SHEET)
    for row, (key, value) in enumerate(
        (
            ("member_id", member_id),
            ("reporting_year", reporting_year),
            ("template_version", TEMPLATE_VERSION),
        ),
        start=1,
    ):
        meta.cell(row, 1, key).font = Font(bold=True)
        meta.cell(row, 2, value)
    meta.column_dimensions["A"].width = 20
    meta.column_dimensions["B"].width = 30
    lists = _lists()
    ranges = _ranges(lists)
    for section in SECTIONS:
        _section_sheet(wb, section.name, section.fields, lists, ranges, rows.get(section.name, ()))
    _write_lists(wb, lists)
    for name, ref in ranges.items():
        defined = "list_" + name.replace(".", "_")
        wb.defined_names[defined] = DefinedName(defined, attr_text=ref)
    return _save(wb, Path(path))


def _save(wb: Workbook, path: Path) -> Path:
    """Save with fixed document dates and zip timestamps, so equal inputs give equal bytes."""
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "ecocluster"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
    return path
