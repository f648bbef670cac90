"""The portal's own words in English, Italian and Latvian (the ingestion's refusals come from
``warehouse.messages``). A small table rather than a catalog: these are a few dozen labels."""

from __future__ import annotations

from warehouse.messages import LANGUAGES, language_of

_WORDS: dict[str, tuple[str, str, str]] = {  # key: (en, it, lv)
    "title": ("ecocluster portal", "portale ecocluster", "ecocluster portāls"),
    "sign_in": ("Sign in", "Accedi", "Pieteikties"),
    "sign_out": ("Sign out", "Esci", "Iziet"),
    "email": ("E-mail", "E-mail", "E-pasts"),
    "password": ("Password", "Password", "Parole"),
    "code": ("Authenticator code (verifiers, competent bodies, admins)",
             "Codice dell'app di autenticazione (verificatori, organismi competenti, amministratori)",
             "Autentifikatora kods (verificētājiem, kompetentajām iestādēm, administratoriem)"),
    "login_failed": ("E-mail, password or code not accepted.", "E-mail, password o codice non accettati.",
                     "E-pasts, parole vai kods netika pieņemts."),
    "throttled": ("Too many failed sign-ins. Wait 15 minutes and try again.",
                  "Troppi tentativi di accesso falliti. Attenda 15 minuti e riprovi.",
                  "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu. Uzgaidiet 15 minūtes un mēģiniet vēlreiz."),
    "register": ("EMAS register", "Registro EMAS", "EMAS reģistrs"),
    "register_intro": ("Organisations registered through their cluster, with their registration numbers.",
                       "Organizzazioni registrate tramite il loro cluster, con il numero di registrazione.",
                       "Organizācijas, kas reģistrētas ar sava klastera starpniecību, un to reģistrācijas numuri."),
    "reg_no": ("Registration no.", "N. di registrazione", "Reģistrācijas nr."),
    "organisation": ("Organisation", "Organizzazione", "Organizācija"),
    "country": ("Country", "Paese", "Valsts"),
    "cluster": ("Cluster", "Cluster", "Klasteris"),
    "since": ("Registered since", "Registrata dal", "Reģistrēta kopš"),
    "renewed": ("Last renewed", "Ultimo rinnovo", "Pēdējoreiz atjaunota"),
    "none_registered": ("No organisation is registered yet.", "Nessuna organizzazione è ancora registrata.",
                        "Vēl nav reģistrēta neviena organizācija."),
    "previous": ("Previous", "Precedente", "Iepriekšējā"),
    "next": ("Next", "Successiva", "Nākamā"),
    "desk": ("My desk", "La mia scrivania", "Mana darba vieta"),
    "signed_in_as": ("Signed in as", "Accesso come", "Pieteicies kā"),
    "no_desk": ("This desk is not built yet for your role. The member desk and the public register are available.",
                ("La scrivania per il suo ruolo non è ancora disponibile. Sono disponibili la scrivania del membro e "
                "il registro pubblico."),
                "Jūsu lomas darba vieta vēl nav izveidota. Pieejama dalībnieka darba vieta un publiskais reģistrs."),
    "sections": ("Your sections", "Le sue sezioni", "Jūsu sadaļas"),
    "section": ("Section", "Sezione", "Sadaļa"),
    "year": ("Year", "Anno", "Gads"),
    "file": ("File", "File", "Datne"),
    "received": ("Received", "Ricevuto", "Saņemts"),
    "not_submitted": ("not submitted", "non inviata", "nav iesniegta"),
    "upload": ("Submit your data", "Invii i suoi dati", "Iesniedziet savus datus"),
    "upload_help": (("The workbook (XLSX), or CSV or JSON in the ecocluster format. A file with any error is "
                    "refused whole, with every error listed; fix them and submit the file again."),
                    ("La cartella di lavoro (XLSX), oppure CSV o JSON nel formato ecocluster. Un file con errori "
                    "viene rifiutato per intero con l'elenco di tutti gli errori; li corregga e invii di nuovo il file."),
                    ("Darbgrāmata (XLSX) vai CSV vai JSON ecocluster formātā. Datne ar kļūdām tiek noraidīta pilnībā, "
                    "uzskaitot visas kļūdas; izlabojiet tās un iesniedziet datni vēlreiz.")),
    "choose_file": ("File to submit", "File da inviare", "Iesniedzamā datne"),
    "send": ("Submit", "Invia", "Iesniegt"),
    "template": ("Download the submission workbook", "Scarichi la cartella di lavoro per l'invio",
                 "Lejupielādējiet iesniegšanas darbgrāmatu"),
    "accepted": ("Accepted: the file was stored and replaces your earlier data for its sections.",
                 "Accettato: il file è stato archiviato e sostituisce i dati precedenti delle sue sezioni.",
                 "Pieņemts: datne ir saglabāta un aizstāj jūsu iepriekšējos datus tās sadaļās."),
    "unchanged": ("This very file was received before; nothing changed.",
                  "Questo stesso file era già stato ricevuto; nulla è cambiato.",
                  "Tieši šī datne jau tika saņemta; nekas nav mainījies."),
    "rejected": ("Refused: nothing of this file was stored. Fix these errors and submit it again.",
                 "Rifiutato: nulla di questo file è stato archiviato. Corregga questi errori e lo invii di nuovo.",
                 "Noraidīts: nekas no šīs datnes netika saglabāts. Izlabojiet šīs kļūdas un iesniedziet to vēlreiz."),
    "where": ("Where", "Dove", "Kur"),
    "row": ("Row", "Riga", "Rinda"),
    "column": ("Column", "Colonna", "Kolonna"),
    "value": ("Value", "Valore", "Vērtība"),
    "problem": ("What to fix", "Cosa correggere", "Kas jālabo"),
    "findings": ("Check findings", "Esiti dei controlli", "Pārbaužu konstatējumi"),
    "no_findings": ("No finding: your latest checked data passed every rule, or it has not been checked yet.",
                    ("Nessun rilievo: gli ultimi dati controllati superano ogni regola, oppure non sono ancora stati "
                    "controllati."),
                    "Nav konstatējumu: jūsu pēdējie pārbaudītie dati atbilst visiem noteikumiem vai vēl nav pārbaudīti."),
    "rule": ("Rule", "Regola", "Noteikums"),
    "severity": ("Severity", "Gravità", "Nozīmīgums"),
    "what_to_do": ("What is wrong and what to do", "Cosa non va e cosa fare", "Kas nav kārtībā un kas jādara"),
    "no_file": ("Choose a file first.", "Scelga prima un file.", "Vispirms izvēlieties datni."),
    "too_large": ("The file is larger than the portal accepts.", "Il file è più grande di quanto il portale accetti.",
                  "Datne ir lielāka, nekā portāls pieņem."),
    "forbidden": ("You may not open this page.", "Non può aprire questa pagina.", "Jūs nedrīkstat atvērt šo lapu."),
    "not_found": ("There is no such page.", "Questa pagina non esiste.", "Šādas lapas nav."),
    "expired": ("Your session ended or the form was stale. Sign in again.",
                "La sessione è scaduta o il modulo non era più valido. Acceda di nuovo.",
                "Jūsu sesija beidzās vai veidlapa bija novecojusi. Piesakieties vēlreiz."),
    "language": ("Language", "Lingua", "Valoda"),
    "audit": ("Audit log", "Registro di audit", "Audita žurnāls"),
    "skip": ("Skip to content", "Vai al contenuto", "Pāriet uz saturu"),
    "uploading": ("Checking the file…", "Controllo del file…", "Datne tiek pārbaudīta…"),
    "member": ("Member", "Membro", "Dalībnieks"),
}
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "lv": "Latviešu"}


def words(language: str) -> dict[str, str]:
    """Every label in ``language`` (English for an unsupported one)."""
    index = LANGUAGES.index(language_of(language))
    return {key: texts[index] for key, texts in _WORDS.items()}
