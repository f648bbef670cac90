"""What members of each sector look like: sizes, indicator intensities, obligations, texts.

One table drives both the bundled clusters and the synthetic population, so the sample data that
the checks and statements are tested on has the magnitudes real members report (a 40-room hotel
uses a few hundred MWh a year, a ski-lift company thousands, a rural council a couple of
thousand) rather than uniform noise. Intensities are per unit of the sector's B indicator at the
first history year; texts exist in every bundled language (it, lv, en).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("it", "lv", "en")

# Kinds of indicator series: scaled by B, fixed land areas (scaled by size), percentages, and
# the declared exclusions that a member justifies in writing (Annex IV C.2 allows it).
PER_B, LAND, PERCENT, EXCLUDED = "per_b", "land", "percent", "excluded"
# Energy by carrier (issue 19): a share of the member's energy.total_direct of the same year, so
# the carriers a member reports add up to its total.
ENERGY_SHARE = "energy_share"


def _carriers(**shares: float) -> dict[str, tuple[str, float]]:
    assert abs(sum(shares.values()) - 1) < 1e-9, shares
    return {f"energy.{key}": (ENERGY_SHARE, share) for key, share in shares.items()}


@dataclass(frozen=True)
class Permit:
    """A permit with one limit, and how often the member measures against it."""

    obligation_id: str
    title: dict[str, str]
    legal_reference: dict[str, str]  # by country
    authority: dict[str, str]
    parameter: str
    limit_value: float
    limit_unit: str
    samples_per_year: int
    years_valid: int


@dataclass(frozen=True)
class Sector:
    key: str
    nace: str
    b_indicator: str
    employees: tuple[int, int]  # typical FTE range
    b_per_employee: float  # B at base year per FTE (1.0 when B is the employees)
    public_body: bool
    indicators: dict[str, tuple[str, float]]  # code -> (series kind, intensity or base)
    permits: tuple[Permit, ...] = ()
    aspects: tuple[tuple[str, str, bool], ...] = ()  # (aspect key, direct|indirect, significant)
    objectives: tuple[tuple[str, str, float], ...] = ()  # (objective key, indicator, reduction)
    activities: dict[str, str] = field(default_factory=dict)
    # The coordinator's NACE Rev. 2.1 choice (roster `nace_rev21`) where Eurostat's correspondence
    # gives the sector's NACE Rev. 2 code several candidates (ecocluster.warehouse.nace.rev21_candidates).
    nace_rev21: str | None = None


_NOX_BOILER = Permit(
    "AUA-EM",
    {
        "it": "Autorizzazione alle emissioni in atmosfera della centrale termica",
        "lv": "Atļauja emisijām gaisā no katlumājas",
        "en": "Air emission permit for the boiler plant",
    },
    {
        "IT": "D.Lgs. 152/2006 Parte V, art. 269; D.P.R. 59/2013 (AUA)",
        "LV": 'Likums "Par piesārņojumu", 21. pants; MK noteikumi Nr. 1082 (2010)',
        "EU": "Directive (EU) 2015/2193 (medium combustion plants)",
    },
    {"IT": "Provincia / ARPAE", "LV": "Valsts vides dienests", "EU": "Environmental agency"},
    "NOx",
    350.0,
    "mg/Nm3",
    2,
    15,
)
_COD_DISCHARGE = Permit(
    "AUA-SC",
    {
        "it": "Autorizzazione allo scarico delle acque reflue in acque superficiali",
        "lv": "B kategorijas atļauja notekūdeņu novadīšanai virszemes ūdeņos",
        "en": "Wastewater discharge permit (surface water)",
    },
    {
        "IT": "D.Lgs. 152/2006 Parte III, art. 124 e All. 5 Tab. 3",
        "LV": "Ūdens apsaimniekošanas likums; MK noteikumi Nr. 34 (2002)",
        "EU": "Directive 91/271/EEC (urban waste water)",
    },
    {"IT": "Comune di Ventasso / ARPAE", "LV": "Valsts vides dienests", "EU": "Environmental agency"},
    "COD",
    160.0,
    "mg/l",
    4,
    15,
)
_WATER_ABSTRACTION = Permit(
    "CONC-ID",
    {
        "it": "Concessione di derivazione d'acqua per innevamento programmato",
        "lv": "Ūdens resursu lietošanas atļauja",
        "en": "Water abstraction licence for snowmaking",
    },
    {
        "IT": "R.D. 1775/1933; D.Lgs. 152/2006 art. 96",
        "LV": "Ūdens apsaimniekošanas likums, 13. pants",
        "EU": "Directive 2000/60/EC (water framework)",
    },
    {"IT": "Regione Emilia-Romagna", "LV": "Valsts vides dienests", "EU": "River basin authority"},
    "abstraction_flow",
    40.0,
    "l/s",
    3,
    30,
)

_COMMON_ASPECTS = (
    ("energy", "direct", True),
    ("waste", "direct", True),
    ("water", "direct", False),
    ("purchasing", "indirect", False),
)

SECTORS: dict[str, Sector] = {
    s.key: s
    for s in (
        Sector(
            "hotel",
            "55.10",
            "output.overnight_stays",
            (4, 25),
            950.0,
            False,
            {
                "energy.total_direct": (PER_B, 0.035),
                "energy.renewable_share": (PERCENT, 22.0),
                "energy.renewable_generated": (PER_B, 0.002),
                "materials.total": (PER_B, 0.004),
                "water.total": (PER_B, 0.35),
                "waste.total": (PER_B, 0.0018),
                "waste.hazardous": (PER_B, 0.00001),
                "land.total": (LAND, 3500.0),
                "land.sealed": (LAND, 1800.0),
                "land.nature_on_site": (LAND, 1200.0),
                "land.nature_off_site": (EXCLUDED, 0.0),
                "output.floor_area": (LAND, 2600.0),
                "emissions.ghg": (PER_B, 0.0075),
                "emissions.so2": (PER_B, 0.0006),
                "emissions.nox": (PER_B, 0.012),
                "emissions.pm": (PER_B, 0.002),
                "purchasing.green_share": (PERCENT, 25.0),
                "mobility.sustainable_share": (PERCENT, 8.0),
                **_carriers(
                    natural_gas=0.40,
                    lpg=0.06,
                    diesel=0.02,
                    grid_electricity=0.44,
                    renewable_electricity_go=0.08,
                ),
            },
            (_NOX_BOILER, _COD_DISCHARGE),
            (*_COMMON_ASPECTS, ("guests", "indirect", True)),
            (("energy_saving", "energy.total_direct", 0.08), ("water_saving", "water.total", 0.10)),
            {
                "it": "Struttura ricettiva alberghiera con ristorante e "
                "centro benessere, aperta nella stagione "
                "invernale ed estiva.",
                "lv": "Viesnīca ar restorānu un atpūtas centru, atvērta ziemas un vasaras sezonā.",
                "en": "Hotel with restaurant and wellness area, open in the winter and summer seasons.",
            },
        ),
        Sector(
            "ski_lift",
            "49.39",
            "output.employees",
            (12, 40),
            1.0,
            False,
            {
                "energy.total_direct": (PER_B, 70.0),
                "energy.renewable_share": (PERCENT, 35.0),
                "energy.renewable_generated": (EXCLUDED, 0.0),
                "materials.total": (PER_B, 0.4),
                "water.total": (PER_B, 3000.0),
                "waste.total": (PER_B, 0.6),
                "waste.hazardous": (PER_B, 0.02),
                "land.total": (LAND, 450000.0),
                "land.sealed": (LAND, 6000.0),
                "land.nature_on_site": (LAND, 380000.0),
                "land.nature_off_site": (EXCLUDED, 0.0),
                "emissions.ghg": (PER_B, 17.5),
                "emissions.so2": (PER_B, 0.05),
                "emissions.nox": (PER_B, 3.0),
                "emissions.pm": (PER_B, 0.3),
                "purchasing.green_share": (PERCENT, 15.0),
                "mobility.sustainable_share": (PERCENT, 12.0),
                **_carriers(grid_electricity=0.72, diesel=0.18, renewable_electricity_go=0.10),
            },
            (_WATER_ABSTRACTION,),
            (*_COMMON_ASPECTS, ("landscape", "direct", True), ("noise", "direct", False)),
            (("energy_saving", "energy.total_direct", 0.10), ("water_saving", "water.total", 0.15)),
            {
                "it": "Gestione di impianti di risalita (seggiovie e sciovie), piste da sci e innevamento "
                "programmato.",
                "lv": "Pacēlāju, slēpošanas trašu un mākslīgā sniega iekārtu apsaimniekošana.",
                "en": "Operation of ski lifts, ski runs and snowmaking equipment.",
            },
            nace_rev21="49.34",  # passenger transport by cableways and ski lifts
        ),
        Sector(
            "restaurant",
            "56.10",
            "output.employees",
            (3, 12),
            1.0,
            False,
            {
                "energy.total_direct": (PER_B, 18.0),
                "energy.renewable_share": (PERCENT, 12.0),
                "energy.renewable_generated": (EXCLUDED, 0.0),
                "materials.total": (PER_B, 4.0),
                "water.total": (PER_B, 250.0),
                "waste.total": (PER_B, 3.0),
                "waste.hazardous": (PER_B, 0.002),
                "land.total": (LAND, 600.0),
                "land.sealed": (LAND, 450.0),
                "land.nature_on_site": (LAND, 100.0),
                "land.nature_off_site": (EXCLUDED, 0.0),
                "output.floor_area": (LAND, 320.0),
                "emissions.ghg": (PER_B, 4.0),
                "emissions.so2": (EXCLUDED, 0.0),
                "emissions.nox": (PER_B, 0.6),
                "emissions.pm": (PER_B, 0.1),
                "purchasing.green_share": (PERCENT, 30.0),
                **_carriers(lpg=0.35, natural_gas=0.15, grid_electricity=0.50),
            },
            (),
            (*_COMMON_ASPECTS, ("food_waste", "direct", True)),
            (("waste_reduction", "waste.total", 0.12),),
            {
                "it": "Ristorazione con cucina tradizionale dell'Appennino e prodotti a chilometro zero.",
                "lv": "Ēdināšana ar vietējās virtuves ēdieniem un vietējiem produktiem.",
                "en": "Restaurant serving traditional local cuisine with locally sourced produce.",
            },
            nace_rev21="56.11",  # restaurant activities, not mobile food service
        ),
        Sector(
            "municipality",
            "84.11",
            "output.inhabitants",
            (15, 120),
            40.0,
            True,
            {
                "energy.total_direct": (PER_B, 0.5),
                "energy.renewable_share": (PERCENT, 18.0),
                "energy.renewable_generated": (PER_B, 0.03),
                "materials.total": (PER_B, 0.02),
                "water.total": (PER_B, 6.0),
                "waste.total": (PER_B, 0.012),
                "waste.hazardous": (PER_B, 0.0001),
                "land.total": (LAND, 60000.0),
                "land.sealed": (LAND, 25000.0),
                "land.nature_on_site": (LAND, 20000.0),
                "land.nature_off_site": (LAND, 150000.0),
                "output.floor_area": (LAND, 9000.0),
                "emissions.ghg": (PER_B, 0.13),
                "emissions.so2": (PER_B, 0.01),
                "emissions.nox": (PER_B, 0.2),
                "emissions.pm": (PER_B, 0.03),
                "purchasing.green_share": (PERCENT, 35.0),
                "mobility.sustainable_share": (PERCENT, 20.0),
                **_carriers(
                    natural_gas=0.38,
                    heating_oil=0.06,
                    diesel=0.05,
                    petrol=0.02,
                    grid_electricity=0.42,
                    self_generated_renewable=0.07,
                ),
            },
            (_NOX_BOILER, _COD_DISCHARGE),
            (*_COMMON_ASPECTS, ("planning", "indirect", True)),
            (
                ("energy_saving", "energy.total_direct", 0.10),
                ("green_purchasing", "purchasing.green_share", -0.2),
            ),
            {
                "it": "Amministrazione comunale: edifici pubblici e scuole, "
                "illuminazione pubblica, gestione del "
                "territorio, servizi idrici e raccolta dei rifiuti urbani.",
                "lv": "Pašvaldības pārvalde: sabiedriskās ēkas un skolas, ielu apgaismojums, teritorijas "
                "plānošana, ūdenssaimniecība un sadzīves atkritumu apsaimniekošana.",
                "en": "Municipal administration: public buildings and schools, street lighting, land-use "
                "planning, water services and municipal waste collection.",
            },
        ),
        Sector(
            "park_authority",
            "91.04",
            "output.employees",
            (20, 45),
            1.0,
            True,
            {
                "energy.total_direct": (PER_B, 6.0),
                "energy.renewable_share": (PERCENT, 40.0),
                "energy.renewable_generated": (PER_B, 0.5),
                "materials.total": (PER_B, 0.2),
                "water.total": (PER_B, 25.0),
                "waste.total": (PER_B, 0.4),
                "waste.hazardous": (PER_B, 0.005),
                "land.total": (LAND, 12000.0),
                "land.sealed": (LAND, 3000.0),
                "land.nature_on_site": (LAND, 6000.0),
                "land.nature_off_site": (LAND, 2.6e8),
                "emissions.ghg": (PER_B, 1.2),
                "emissions.so2": (EXCLUDED, 0.0),
                "emissions.nox": (PER_B, 0.5),
                "emissions.pm": (PER_B, 0.05),
                "purchasing.green_share": (PERCENT, 50.0),
                "mobility.sustainable_share": (PERCENT, 30.0),
                **_carriers(
                    heating_oil=0.20,
                    diesel=0.10,
                    petrol=0.05,
                    grid_electricity=0.45,
                    self_generated_renewable=0.20,
                ),
            },
            (),
            (("biodiversity", "direct", True), ("visitors", "indirect", True), *_COMMON_ASPECTS[:2]),
            (("energy_saving", "energy.total_direct", 0.15),),
            {
                "it": "Ente di gestione del Parco nazionale: tutela della "
                "biodiversità, centri visita, sentieristica "
                "ed educazione ambientale.",
                "lv": "Nacionālā parka pārvalde: bioloģiskās daudzveidības aizsardzība, apmeklētāju centri, "
                "takas un vides izglītība.",
                "en": "National park authority: biodiversity protection, visitor centres, trails and "
                "environmental education.",
            },
            nace_rev21="91.42",  # a park authority runs nature reserves
        ),
        Sector(
            "manufacturing",
            "25.62",
            "output.value_added",
            (8, 60),
            75.0,
            False,
            {
                "energy.total_direct": (PER_B, 0.45),
                "energy.renewable_share": (PERCENT, 15.0),
                "energy.renewable_generated": (PER_B, 0.02),
                "materials.total": (PER_B, 0.35),
                "water.total": (PER_B, 1.2),
                "waste.total": (PER_B, 0.06),
                "waste.hazardous": (PER_B, 0.008),
                "land.total": (LAND, 5000.0),
                "land.sealed": (LAND, 4200.0),
                "land.nature_on_site": (LAND, 300.0),
                "land.nature_off_site": (EXCLUDED, 0.0),
                "emissions.ghg": (PER_B, 0.11),
                "emissions.so2": (PER_B, 0.004),
                "emissions.nox": (PER_B, 0.09),
                "emissions.pm": (PER_B, 0.03),
                "purchasing.green_share": (PERCENT, 10.0),
                **_carriers(natural_gas=0.40, grid_electricity=0.55, diesel=0.05),
            },
            (_NOX_BOILER,),
            (*_COMMON_ASPECTS, ("chemicals", "direct", True)),
            (("energy_saving", "energy.total_direct", 0.07),),
            {
                "it": "Lavorazioni meccaniche di precisione per conto terzi.",
                "lv": "Precīzijas metālapstrāde pēc pasūtījuma.",
                "en": "Contract precision machining.",
            },
        ),
    )
}

ASPECT_TEXT: dict[str, dict[str, tuple[str, str]]] = {  # key -> language -> (aspect, impact)
    "energy": {
        "it": ("Consumo di energia per riscaldamento e impianti", "Emissioni di gas serra"),
        "lv": ("Enerģijas patēriņš apkurei un iekārtām", "Siltumnīcefekta gāzu emisijas"),
        "en": ("Energy use for heating and equipment", "Greenhouse gas emissions"),
    },
    "waste": {
        "it": ("Produzione di rifiuti", "Occupazione di discariche, consumo di risorse"),
        "lv": ("Atkritumu rašanās", "Poligonu noslodze, resursu patēriņš"),
        "en": ("Waste generation", "Landfill use, resource depletion"),
    },
    "water": {
        "it": ("Prelievo e consumo di acqua", "Riduzione della risorsa idrica"),
        "lv": ("Ūdens ieguve un patēriņš", "Ūdens resursu samazināšanās"),
        "en": ("Water abstraction and use", "Depletion of water resources"),
    },
    "purchasing": {
        "it": ("Acquisti di beni e servizi", "Impatti ambientali lungo la filiera"),
        "lv": ("Preču un pakalpojumu iepirkums", "Ietekme uz vidi piegādes ķēdē"),
        "en": ("Purchasing of goods and services", "Environmental impacts in the supply chain"),
    },
    "guests": {
        "it": ("Comportamento degli ospiti", "Consumi di acqua ed energia, rifiuti"),
        "lv": ("Viesu uzvedība", "Ūdens un enerģijas patēriņš, atkritumi"),
        "en": ("Guest behaviour", "Water and energy use, waste"),
    },
    "landscape": {
        "it": ("Piste e impianti in area protetta", "Alterazione di habitat e paesaggio"),
        "lv": ("Trases aizsargājamā teritorijā", "Dzīvotņu un ainavas pārveidošana"),
        "en": ("Runs and lifts in a protected area", "Habitat and landscape alteration"),
    },
    "noise": {
        "it": ("Rumore dei mezzi battipista", "Disturbo alla fauna"),
        "lv": ("Sniega tehnikas troksnis", "Dzīvnieku traucēšana"),
        "en": ("Noise from snow groomers", "Disturbance of wildlife"),
    },
    "food_waste": {
        "it": ("Spreco alimentare", "Rifiuti organici, consumo di risorse"),
        "lv": ("Pārtikas atkritumi", "Bioloģiskie atkritumi, resursu patēriņš"),
        "en": ("Food waste", "Organic waste, resource use"),
    },
    "planning": {
        "it": ("Pianificazione urbanistica e appalti", "Uso del suolo, mobilità"),
        "lv": ("Teritorijas plānošana un iepirkumi", "Zemes izmantošana, mobilitāte"),
        "en": ("Land-use planning and procurement", "Land take, mobility"),
    },
    "biodiversity": {
        "it": ("Gestione di habitat e specie protette", "Conservazione della biodiversità"),
        "lv": ("Dzīvotņu un aizsargājamo sugu apsaimniekošana", "Bioloģiskās daudzveidības saglabāšana"),
        "en": ("Management of habitats and protected species", "Biodiversity conservation"),
    },
    "visitors": {
        "it": ("Flussi di visitatori", "Calpestio, rifiuti, traffico"),
        "lv": ("Apmeklētāju plūsmas", "Nomīdīšana, atkritumi, satiksme"),
        "en": ("Visitor flows", "Trampling, litter, traffic"),
    },
    "chemicals": {
        "it": ("Uso di oli e solventi", "Rischio di contaminazione del suolo"),
        "lv": ("Eļļu un šķīdinātāju lietošana", "Augsnes piesārņojuma risks"),
        "en": ("Use of oils and solvents", "Risk of soil contamination"),
    },
}

OBJECTIVE_TEXT: dict[str, dict[str, str]] = {
    "energy_saving": {
        "it": "Ridurre i consumi energetici (illuminazione LED, regolazione impianti)",
        "lv": "Samazināt enerģijas patēriņu (LED apgaismojums, iekārtu regulēšana)",
        "en": "Reduce energy use (LED lighting, plant controls)",
    },
    "water_saving": {
        "it": "Ridurre i consumi idrici (riduttori di flusso, recupero acque)",
        "lv": "Samazināt ūdens patēriņu (plūsmas ierobežotāji, ūdens atkārtota izmantošana)",
        "en": "Reduce water use (flow restrictors, water reuse)",
    },
    "waste_reduction": {
        "it": "Ridurre i rifiuti e lo spreco alimentare",
        "lv": "Samazināt atkritumus un pārtikas izšķērdēšanu",
        "en": "Reduce waste and food waste",
    },
    "green_purchasing": {
        "it": "Aumentare la quota di acquisti verdi (CAM)",
        "lv": "Palielināt zaļā iepirkuma īpatsvaru",
        "en": "Increase the share of green purchasing",
    },
}

TEXT: dict[str, dict[str, str]] = {
    "policy": {
        "it": "La direzione si impegna a rispettare la normativa ambientale, a prevenire l'inquinamento e "
        "a migliorare continuamente le prestazioni ambientali insieme agli altri membri del cluster.",
        "lv": "Vadība apņemas ievērot vides tiesību aktus, novērst piesārņojumu un kopā ar citiem "
        "klastera dalībniekiem nepārtraukti uzlabot vides sniegumu.",
        "en": "Management commits to comply with environmental law, prevent pollution and continually "
        "improve environmental performance together with the other cluster members.",
    },
    "governance": {
        "it": "Il responsabile ambientale riferisce alla direzione; il comitato di gestione del cluster "
        "coordina gli audit incrociati.",
        "lv": "Vides vadības sistēmas vadītājs atskaitās vadībai; klastera komiteja koordinē savstarpējos "
        "auditus.",
        "en": "The environmental manager reports to top management; the cluster committee coordinates "
        "cross-audits.",
    },
    "contact": {"it": "Responsabile ambientale", "lv": "Vides speciālists", "en": "Environmental manager"},
    "excluded": {
        "it": "Non pertinente: non è un aspetto ambientale significativo per l'organizzazione.",
        "lv": "Nav attiecināms: organizācijai tas nav būtisks vides aspekts.",
        "en": "Not relevant: not a significant environmental aspect of the organisation.",
    },
    "internal_audit": {
        "it": "Rapporto di audit interno",
        "lv": "Iekšējā audita ziņojums",
        "en": "Internal audit report",
    },
    "management_review": {
        "it": "Verbale di riesame della direzione",
        "lv": "Vadības pārskata protokols",
        "en": "Management review minutes",
    },
    "step": {
        "it": "Verbale di completamento della fase",
        "lv": "Soļa izpildes protokols",
        "en": "Step completion record",
    },
    "cross_audit": {"it": "Audit incrociato", "lv": "Savstarpējais audits", "en": "Cross-audit"},
}

NONCONFORMITIES: dict[str, tuple[tuple[str, str], ...]] = {  # language -> (description, corrective action)
    "it": (
        ("Registro rifiuti non aggiornato entro i termini", "Aggiornato il registro e formato il personale"),
        ("Schede di sicurezza dei prodotti chimici mancanti", "Richieste ai fornitori e archiviate"),
        ("Taratura del contatore idrico scaduta", "Contatore sostituito e tarato"),
        ("Obiettivo di risparmio energetico non monitorato", "Introdotto il monitoraggio mensile"),
    ),
    "lv": (
        ("Atkritumu uzskaites žurnāls nav atjaunināts", "Žurnāls atjaunināts, darbinieki apmācīti"),
        ("Trūkst ķīmisko vielu drošības datu lapu", "Pieprasītas no piegādātājiem un arhivētas"),
        ("Ūdens skaitītāja verificēšanas termiņš beidzies", "Skaitītājs nomainīts un verificēts"),
        ("Enerģijas taupīšanas mērķis netiek uzraudzīts", "Ieviesta ikmēneša uzraudzība"),
    ),
    "en": (
        ("Waste register not updated in time", "Register updated and staff trained"),
        ("Safety data sheets of chemicals missing", "Obtained from suppliers and filed"),
        ("Water meter calibration overdue", "Meter replaced and calibrated"),
        ("Energy saving objective not monitored", "Monthly monitoring introduced"),
    ),
}

# How members spell units: (spelling, multiplier from the canonical unit, decimals), by language.
UNIT_SPELLINGS: dict[str, dict[str, tuple[tuple[str, float, int], ...]]] = {
    "MWh": {
        "it": (("MWh", 1, 2), ("kWh", 1000, 0)),
        "lv": (("MWh", 1, 2), ("kWh", 1000, 0), ("GJ", 3.6, 1)),
        "en": (("MWh", 1, 2), ("kWh", 1000, 0), ("GJ", 3.6, 1)),
    },
    "m**3": {"it": (("m3", 1, 0), ("mc", 1, 0)), "lv": (("m3", 1, 0), ("m³", 1, 0)), "en": (("m3", 1, 0),)},
    "t": {"it": (("t", 1, 3), ("kg", 1000, 0)), "lv": (("t", 1, 3), ("kg", 1000, 0)), "en": (("t", 1, 3),)},
    "kg": {"it": (("kg", 1, 1),), "lv": (("kg", 1, 1),), "en": (("kg", 1, 1), ("t", 0.001, 4))},
    "m**2": {"it": (("m2", 1, 0), ("m²", 1, 0)), "lv": (("m2", 1, 0),), "en": (("m2", 1, 0),)},
    "percent": {"it": (("%", 1, 1),), "lv": (("%", 1, 1),), "en": (("%", 1, 1),)},
    "person": {"it": (("FTE", 1, 0),), "lv": (("FTE", 1, 0),), "en": (("FTE", 1, 0),)},
    "overnight_stay": {
        "it": (("presenze", 1, 0),),
        "lv": (("overnight_stay", 1, 0),),
        "en": (("overnight_stay", 1, 0),),
    },
    "kEUR": {"it": (("kEUR", 1, 0),), "lv": (("kEUR", 1, 0),), "en": (("kEUR", 1, 0),)},
    "inhabitants": {
        "it": (("abitanti", 1, 0),),
        "lv": (("iedzīvotāji", 1, 0),),
        "en": (("inhabitants", 1, 0),),
    },
    "t/MWh": {"it": (("t/MWh", 1, 4),), "lv": (("kg/kWh", 1, 4),), "en": (("t/MWh", 1, 4),)},
    # fuels in their own units (ecocluster.warehouse.units: 10.5 kWh/Sm3 gas, 9.96 kWh/l diesel, 6.8 kWh/l
    # LPG, 10.0 kWh/l heating oil), as their bills give them; canonical MWh times these
    "fuel:natural_gas": {lang: (("Sm3_gas", 1000 / 10.5, 0), ("MWh", 1, 2)) for lang in LANGUAGES},
    "fuel:diesel": {lang: (("l_diesel", 1000 / 9.96, 0),) for lang in LANGUAGES},
    "fuel:lpg": {lang: (("l_lpg", 1000 / 6.8, 0),) for lang in LANGUAGES},
    "fuel:heating_oil": {lang: (("l_heating_oil", 1000 / 10.0, 0), ("kWh", 1000, 0)) for lang in LANGUAGES},
}

# Laws every member of a country lists in its register (permits come from the sector).
LAWS: dict[str, tuple[tuple[str, str, str], ...]] = {  # country -> (obligation_id, title, reference)
    "IT": (
        ("L-152", "Norme in materia ambientale (Testo unico ambientale)", "D.Lgs. 152/2006"),
        ("L-74", "Esercizio e manutenzione degli impianti termici", "D.P.R. 74/2013"),
    ),
    "LV": (
        ("L-VAL", "Vides aizsardzības likums", "Vides aizsardzības likums (2006)"),
        ("L-AAL", "Atkritumu apsaimniekošanas likums", "Atkritumu apsaimniekošanas likums (2010)"),
    ),
    "EU": (
        ("L-WFD", "Waste Framework Directive as transposed", "Directive 2008/98/EC"),
        ("L-EED", "Energy Efficiency Directive as transposed", "Directive (EU) 2023/1791"),
    ),
}
