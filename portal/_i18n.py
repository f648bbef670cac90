"""The portal's own words in English, Italian and Latvian (the ingestion's refusals come from
``ecocluster.warehouse.messages``). A small table rather than a catalog: these are a few dozen labels."""

from __future__ import annotations

from ecocluster.warehouse.messages import LANGUAGES, language_of

_WORDS: dict[str, tuple[str, str, str]] = {  # key: (en, it, lv)
    "title": ("ecocluster portal", "portale ecocluster", "ecocluster portāls"),
    "sign_in": ("Sign in", "Accedi", "Pieteikties"),
    "sign_out": ("Sign out", "Esci", "Iziet"),
    "email": ("E-mail", "E-mail", "E-pasts"),
    "password": ("Password", "Password", "Parole"),
    "code": (
        "Authenticator code (verifiers, competent bodies, admins)",
        "Codice dell'app di autenticazione (verificatori, organismi competenti, amministratori)",
        "Autentifikatora kods (verificētājiem, kompetentajām iestādēm, administratoriem)",
    ),
    "login_failed": (
        "E-mail, password or code not accepted.",
        "E-mail, password o codice non accettati.",
        "E-pasts, parole vai kods netika pieņemts.",
    ),
    "throttled": (
        "Too many failed sign-ins. Wait 15 minutes and try again.",
        "Troppi tentativi di accesso falliti. Attenda 15 minuti e riprovi.",
        "Pārāk daudz neveiksmīgu pieteikšanās mēģinājumu. Uzgaidiet 15 minūtes un mēģiniet vēlreiz.",
    ),
    "register": ("EMAS register", "Registro EMAS", "EMAS reģistrs"),
    "register_intro": (
        "Organisations registered through their cluster, with their registration numbers.",
        "Organizzazioni registrate tramite il loro cluster, con il numero di registrazione.",
        "Organizācijas, kas reģistrētas ar sava klastera starpniecību, un to reģistrācijas numuri.",
    ),
    "reg_no": ("Registration no.", "N. di registrazione", "Reģistrācijas nr."),
    "organisation": ("Organisation", "Organizzazione", "Organizācija"),
    "country": ("Country", "Paese", "Valsts"),
    "cluster": ("Cluster", "Cluster", "Klasteris"),
    "since": ("Registered since", "Registrata dal", "Reģistrēta kopš"),
    "renewed": ("Last renewed", "Ultimo rinnovo", "Pēdējoreiz atjaunota"),
    "none_registered": (
        "No organisation is registered yet.",
        "Nessuna organizzazione è ancora registrata.",
        "Vēl nav reģistrēta neviena organizācija.",
    ),
    "previous": ("Previous", "Precedente", "Iepriekšējā"),
    "next": ("Next", "Successiva", "Nākamā"),
    "desk": ("My desk", "La mia scrivania", "Mana darba vieta"),
    "signed_in_as": ("Signed in as", "Accesso come", "Pieteicies kā"),
    "no_desk": (
        "Administrators: the audit log, and every desk by its address (/cluster/ID, /review/ID, /body/CC).",
        (
            "Amministratori: il registro di audit e ogni scrivania al "
            "suo indirizzo (/cluster/ID, /review/ID, "
            "/body/CC)."
        ),
        "Administratori: audita žurnāls un katra darba vieta pēc tās "
        "adreses (/cluster/ID, /review/ID, /body/CC).",
    ),
    "sections": ("Your sections", "Le sue sezioni", "Jūsu sadaļas"),
    "section": ("Section", "Sezione", "Sadaļa"),
    "year": ("Year", "Anno", "Gads"),
    "file": ("File", "File", "Datne"),
    "received": ("Received", "Ricevuto", "Saņemts"),
    "not_submitted": ("not submitted", "non inviata", "nav iesniegta"),
    "upload": ("Submit your data", "Invii i suoi dati", "Iesniedziet savus datus"),
    "upload_help": (
        (
            "The workbook (XLSX), or CSV or JSON in the ecocluster format. A file with any error is "
            "refused whole, with every error listed; fix them and submit the file again."
        ),
        (
            "La cartella di lavoro (XLSX), oppure CSV o JSON nel formato ecocluster. Un file con errori "
            "viene rifiutato per intero con l'elenco di tutti gli "
            "errori; li corregga e invii di nuovo il file."
        ),
        (
            "Darbgrāmata (XLSX) vai CSV vai JSON ecocluster formātā. Datne ar kļūdām tiek noraidīta pilnībā, "
            "uzskaitot visas kļūdas; izlabojiet tās un iesniedziet datni vēlreiz."
        ),
    ),
    "choose_file": ("File to submit", "File da inviare", "Iesniedzamā datne"),
    "send": ("Submit", "Invia", "Iesniegt"),
    "template": (
        "Download the submission workbook",
        "Scarichi la cartella di lavoro per l'invio",
        "Lejupielādējiet iesniegšanas darbgrāmatu",
    ),
    "accepted": (
        "Accepted: the file was stored and replaces your earlier data for its sections.",
        "Accettato: il file è stato archiviato e sostituisce i dati precedenti delle sue sezioni.",
        "Pieņemts: datne ir saglabāta un aizstāj jūsu iepriekšējos datus tās sadaļās.",
    ),
    "unchanged": (
        "This very file was received before; nothing changed.",
        "Questo stesso file era già stato ricevuto; nulla è cambiato.",
        "Tieši šī datne jau tika saņemta; nekas nav mainījies.",
    ),
    "rejected": (
        "Refused: nothing of this file was stored. Fix these errors and submit it again.",
        "Rifiutato: nulla di questo file è stato archiviato. Corregga questi errori e lo invii di nuovo.",
        "Noraidīts: nekas no šīs datnes netika saglabāts. Izlabojiet šīs kļūdas un iesniedziet to vēlreiz.",
    ),
    "where": ("Where", "Dove", "Kur"),
    "row": ("Row", "Riga", "Rinda"),
    "column": ("Column", "Colonna", "Kolonna"),
    "value": ("Value", "Valore", "Vērtība"),
    "problem": ("What to fix", "Cosa correggere", "Kas jālabo"),
    "findings": ("Check findings", "Esiti dei controlli", "Pārbaužu konstatējumi"),
    "no_findings": (
        "No finding: your latest checked data passed every rule, or it has not been checked yet.",
        (
            "Nessun rilievo: gli ultimi dati controllati superano ogni regola, oppure non sono ancora stati "
            "controllati."
        ),
        "Nav konstatējumu: jūsu pēdējie pārbaudītie dati atbilst visiem noteikumiem vai vēl nav pārbaudīti.",
    ),
    "rule": ("Rule", "Regola", "Noteikums"),
    "severity": ("Severity", "Gravità", "Nozīmīgums"),
    "what_to_do": (
        "What is wrong and what to do",
        "Cosa non va e cosa fare",
        "Kas nav kārtībā un kas jādara",
    ),
    "no_file": ("Choose a file first.", "Scelga prima un file.", "Vispirms izvēlieties datni."),
    "too_large": (
        "The file is larger than the portal accepts.",
        "Il file è più grande di quanto il portale accetti.",
        "Datne ir lielāka, nekā portāls pieņem.",
    ),
    "forbidden": (
        "You may not open this page.",
        "Non può aprire questa pagina.",
        "Jūs nedrīkstat atvērt šo lapu.",
    ),
    "not_found": ("There is no such page.", "Questa pagina non esiste.", "Šādas lapas nav."),
    "expired": (
        "Your session ended or the form was stale. Sign in again.",
        "La sessione è scaduta o il modulo non era più valido. Acceda di nuovo.",
        "Jūsu sesija beidzās vai veidlapa bija novecojusi. Piesakieties vēlreiz.",
    ),
    "language": ("Language", "Lingua", "Valoda"),
    "audit": ("Audit log", "Registro di audit", "Audita žurnāls"),
    "skip": ("Skip to content", "Vai al contenuto", "Pāriet uz saturu"),
    "uploading": ("Checking the file…", "Controllo del file…", "Datne tiek pārbaudīta…"),
    "member": ("Member", "Membro", "Dalībnieks"),
    # --- the coordinator's, verifier's and competent body's desks, first-login links
    "members": ("Members", "Membri", "Dalībnieki"),
    "check_verdict": ("Checks", "Controlli", "Pārbaudes"),
    "statement": ("Statement", "Dichiarazione", "Paziņojums"),
    "statements": ("Statements of the cluster", "Dichiarazioni del cluster", "Klastera paziņojumi"),
    "verification": ("Verification", "Verifica", "Verificēšana"),
    "state_submitted": ("submitted", "inviati", "iesniegti"),
    "state_partial": ("partly submitted", "inviati in parte", "iesniegti daļēji"),
    "state_missing": ("nothing submitted", "nessun invio", "nekas nav iesniegts"),
    "state_rejected": ("file refused", "file rifiutato", "datne noraidīta"),
    "refused_files": ("refused file(s)", "file rifiutati", "noraidītas datnes"),
    "not_checked": ("not checked yet", "non ancora controllato", "vēl nav pārbaudīts"),
    "cleared": ("cleared", "superati", "izturētas"),
    "status_draft": ("draft", "bozza", "melnraksts"),
    "status_submitted": ("sent to verification", "inviata alla verifica", "nosūtīts verificēšanai"),
    "status_validated": ("validated", "convalidata", "apstiprināts"),
    "status_rejected": ("rejected by the verifier", "respinta dal verificatore", "verificētājs noraidīja"),
    "decision_approved": ("approved", "approvata", "apstiprināts"),
    "decision_rejected": ("rejected", "respinta", "noraidīts"),
    "no_members": (
        "The roster names no member for this cluster yet.",
        "L'elenco non indica ancora alcun membro per questo cluster.",
        "Sarakstā šim klasterim vēl nav neviena dalībnieka.",
    ),
    "severity_blocking": ("blocking", "bloccante", "bloķējošs"),
    "severity_warning": ("warning", "avviso", "brīdinājums"),
    "severity_all": ("all", "tutte", "visi"),
    "all_rules": ("all rules", "tutte le regole", "visi noteikumi"),
    "filter": ("Filter", "Filtra", "Atlasīt"),
    "no_cluster_findings": (
        "No check result matches: the members' latest checked data passed, or nothing was checked.",
        (
            "Nessun esito corrisponde: gli ultimi dati controllati dei membri superano i controlli, "
            "oppure nulla è stato controllato."
        ),
        (
            "Neviens rezultāts neatbilst: dalībnieku pēdējie pārbaudītie dati atbilst, vai nekas nav "
            "pārbaudīts."
        ),
    ),
    "no_statements": (
        "No statement is drafted yet: run ecocluster draft.",
        "Nessuna dichiarazione è ancora redatta: esegua ecocluster draft.",
        "Neviens paziņojums vēl nav sagatavots: palaidiet ecocluster draft.",
    ),
    "status": ("Status", "Stato", "Statuss"),
    "documents": ("Documents", "Documenti", "Dokumenti"),
    "joint_statement": (
        "Joint statement of the cluster",
        "Dichiarazione congiunta del cluster",
        "Klastera kopīgais paziņojums",
    ),
    "review": ("Review", "Esamina", "Izskatīt"),
    "verifier_queue": ("Statements to verify", "Dichiarazioni da verificare", "Verificējamie paziņojumi"),
    "assigned_clusters": ("Your clusters", "I suoi cluster", "Jūsu klasteri"),
    "nace_scope": ("NACE scope", "Ambito NACE", "NACE joma"),
    "scope_unknown": (
        "unknown (no certificate of yours is registered yet)",
        "sconosciuto (nessun suo certificato è ancora registrato)",
        "nezināma (neviens jūsu sertifikāts vēl nav reģistrēts)",
    ),
    "to_review": (
        "Sent to you for verification",
        "Inviate a Lei per la verifica",
        "Nosūtīti jums verificēšanai",
    ),
    "sent_on": ("Drafted", "Redatta", "Sagatavots"),
    "out_of_scope": ("outside your NACE scope", "fuori dal suo ambito NACE", "ārpus jūsu NACE jomas"),
    "queue_empty": ("Nothing waits for you.", "Nulla è in attesa.", "Nekas jūs negaida."),
    "body_desk": ("Competent body", "Organismo competente", "Kompetentā iestāde"),
    "body_intro": (
        (
            "Packages delivered to you, each verified offline at intake (ecocluster intake), with the "
            "signed receipt."
        ),
        (
            "Pacchetti consegnati a Lei, ciascuno verificato offline all'acquisizione (ecocluster intake), "
            "con la ricevuta firmata."
        ),
        (
            "Jums piegādātās paketes, katra pārbaudīta bezsaistē pieņemšanā (ecocluster intake), ar "
            "parakstītu kvīti."
        ),
    ),
    "received_packages": ("Received packages", "Pacchetti ricevuti", "Saņemtās paketes"),
    "outcome": ("Outcome", "Esito", "Rezultāts"),
    "why": ("Checks not passed", "Controlli non superati", "Neizturētās pārbaudes"),
    "receipt": ("Receipt", "Ricevuta", "Kvīts"),
    "attempts": ("attempts", "tentativi", "mēģinājumi"),
    "unattributed": ("unattributed", "non attribuito", "nav piesaistīts"),
    "outcome_registered": ("registered", "registrata", "reģistrēta"),
    "outcome_renewed": ("renewed", "rinnovata", "atjaunota"),
    "outcome_refused": ("refused", "rifiutato", "noraidīts"),
    "retriable": ("may be retried", "ripetibile", "var mēģināt vēlreiz"),
    "every_check_passed": ("every check passed", "ogni controllo superato", "visas pārbaudes izturētas"),
    "no_intakes": (
        "No package was taken in yet.",
        "Nessun pacchetto è stato ancora acquisito.",
        "Vēl nav pieņemta neviena pakete.",
    ),
    "welcome": ("Welcome", "Benvenuto", "Laipni lūgti"),
    "welcome_intro": (
        "Choose the password of your account",
        "Scelga la password del suo account",
        "Izvēlieties sava konta paroli",
    ),
    "new_password": (
        "New password (at least 12 characters)",
        "Nuova password (almeno 12 caratteri)",
        "Jaunā parole (vismaz 12 rakstzīmes)",
    ),
    "repeat_password": ("The same password again", "La stessa password di nuovo", "Tā pati parole vēlreiz"),
    "enrol_totp": (
        (
            "Your role signs in with a second factor: add this secret to an authenticator app (TOTP, "
            "30 s), then enter the code it shows."
        ),
        (
            "Il suo ruolo accede con un secondo fattore: aggiunga questo segreto a un'app di autenticazione "
            "(TOTP, 30 s), poi inserisca il codice che mostra."
        ),
        (
            "Jūsu loma piesakās ar otro faktoru: pievienojiet šo noslēpumu autentifikatora lietotnei (TOTP, "
            "30 s), tad ievadiet tās rādīto kodu."
        ),
    ),
    "set_password": (
        "Set password and sign in",
        "Imposta la password e accedi",
        "Iestatīt paroli un pieteikties",
    ),
    "invite_refused": (
        (
            "This first-login link is not valid any more (used, expired or unknown). Ask your "
            "administrator for a new one."
        ),
        (
            "Questo link di primo accesso non è più valido (usato, scaduto o sconosciuto). Ne chieda uno "
            "nuovo all'amministratore."
        ),
        (
            "Šī pirmās pieteikšanās saite vairs nav derīga (izmantota, beigusies vai nezināma). Lūdziet "
            "administratoram jaunu."
        ),
    ),
    "passwords_differ": (
        "The two passwords differ.",
        "Le due password sono diverse.",
        "Abas paroles atšķiras.",
    ),
    "password_short": (
        "Use at least 12 characters.",
        "Usi almeno 12 caratteri.",
        "Izmantojiet vismaz 12 rakstzīmes.",
    ),
    "code_refused": (
        "The authenticator code was not accepted; enter the current one.",
        "Il codice di autenticazione non è stato accettato; inserisca quello attuale.",
        "Autentifikatora kods netika pieņemts; ievadiet pašreizējo.",
    ),
    "decision_result": ("Your signed decision", "La sua decisione firmata", "Jūsu parakstītais lēmums"),
    "recorded_approved": (
        "Approval verified and recorded:",
        "Approvazione verificata e registrata:",
        "Apstiprinājums pārbaudīts un reģistrēts:",
    ),
    "recorded_rejected": (
        "Rejection verified and recorded:",
        "Rifiuto verificato e registrato:",
        "Noraidījums pārbaudīts un reģistrēts:",
    ),
    "upload_refused": (
        "Refused (the coordinator sees the rule)",
        "Rifiutata (il coordinatore vede la regola)",
        "Noraidīts (koordinators redz noteikumu)",
    ),
    "upload_incomplete": (
        "Incomplete: a file the decision needs is missing",
        "Incompleta: manca un file necessario",
        "Nepilnīgs: trūkst nepieciešamās datnes",
    ),
    "sections_col": ("Sections", "Sezioni", "Sadaļas"),
    "your_statements": (
        "Your environmental statement",
        "La sua dichiarazione ambientale",
        "Jūsu vides paziņojums",
    ),
    "no_statements_yet": (
        "Your coordinator has not drafted your statement yet.",
        "Il coordinatore non ha ancora redatto la sua dichiarazione.",
        "Jūsu koordinators vēl nav sagatavojis jūsu paziņojumu.",
    ),
    "detail": ("Detail", "Dettaglio", "Sīkāk"),
    "signing_request": (
        "Signing request (review export, ZIP)",
        "Richiesta di firma (esportazione, ZIP)",
        "Parakstīšanas pieprasījums (eksports, ZIP)",
    ),
    "sign_offline": (
        (
            "Signing happens on your own machine: unzip the request, sign it with your key or token, "
            "and upload the files it writes here."
        ),
        (
            "La firma avviene sul suo computer: decomprima la richiesta, la firmi con la sua chiave o il suo "
            "token e carichi qui i file prodotti."
        ),
        (
            "Parakstīšana notiek jūsu datorā: atarhivējiet pieprasījumu, parakstiet to ar savu atslēgu vai "
            "marķieri un augšupielādējiet šeit izveidotās datnes."
        ),
    ),
    "upload_decision": (
        "Upload the signed decision",
        "Carichi la decisione firmata",
        "Augšupielādējiet parakstīto lēmumu",
    ),
    "decision_envelope": ("Signed decision", "Decisione firmata", "Parakstītais lēmums"),
    "decision_certificate": ("Your certificate", "Il suo certificato", "Jūsu sertifikāts"),
    "decision_timestamp": (
        "Timestamp of the decision",
        "Marca temporale della decisione",
        "Lēmuma laika zīmogs",
    ),
    "decision_pdf": (
        "Signed statement PDF (approvals)",
        "PDF della dichiarazione firmato (approvazioni)",
        "Parakstītā paziņojuma PDF (apstiprinājumiem)",
    ),
    "check_results": ("Check results", "Esiti dei controlli", "Pārbaužu rezultāti"),
    "no_check_results": (
        "No check result: the member's latest checked data passed every rule.",
        "Nessun esito: gli ultimi dati controllati del membro superano ogni regola.",
        "Nav rezultātu: dalībnieka pēdējie pārbaudītie dati atbilst visiem noteikumiem.",
    ),
    "review_findings": ("Review findings", "Rilievi della verifica", "Verificēšanas konstatējumi"),
    "kind_non-conformity": ("non-conformity", "non conformità", "neatbilstība"),
    "kind_misstatement": ("misstatement", "inesattezza", "neprecizitāte"),
    "kind_non-compliance": ("non-compliance", "inosservanza", "neievērošana"),
    "kind_request-for-information": (
        "request for information",
        "richiesta di informazioni",
        "informācijas pieprasījums",
    ),
    "kind_recommended-improvement": (
        "recommended improvement",
        "miglioramento raccomandato",
        "ieteicamais uzlabojums",
    ),
    "fstate_open": ("open", "aperto", "atvērts"),
    "fstate_answered": ("answered", "risposto", "atbildēts"),
    "fstate_accepted": ("accepted", "accettato", "pieņemts"),
    "fstate_closed": ("closed", "chiuso", "slēgts"),
    "owner": ("Who answers", "Chi risponde", "Kas atbild"),
    "owner_member": ("the member", "il membro", "dalībnieks"),
    "owner_coordinator": ("the coordinator", "il coordinatore", "koordinators"),
    "deadline": ("Deadline", "Scadenza", "Termiņš"),
    "deadline_default": ("empty: 20 working days", "vuota: 20 giorni lavorativi", "tukšs: 20 darba dienas"),
    "raised_by": ("raised by", "sollevato da", "izvirzīja"),
    "accept": ("Accept the answer", "Accetta la risposta", "Pieņemt atbildi"),
    "reopen": ("Reopen", "Riapri", "Atvērt atkārtoti"),
    "reopen_why": ("Why the answer is not enough", "Perché la risposta non basta", "Kāpēc atbilde nepietiek"),
    "note": ("Note", "Nota", "Piezīme"),
    "signed_decision": (
        "Signed decision (close, accept or reopen)",
        "Decisione firmata (chiusura, accettazione o riapertura)",
        "Parakstīts lēmums (slēgt, pieņemt vai atvērt atkārtoti)",
    ),
    "upload_signed": (
        "Upload the signed decision",
        "Carica la decisione firmata",
        "Augšupielādēt parakstīto lēmumu",
    ),
    "sign_decision_offline": (
        "A finding is closed only by your signed, timestamped decision: sign it on your own machine from "
        "the signing request, then upload the file here.",
        "Un rilievo si chiude solo con la sua decisione firmata e marcata temporalmente: la firmi sul suo "
        "computer a partire dalla richiesta di firma, poi carichi qui il file.",
        "Konstatējumu slēdz tikai ar Jūsu parakstītu lēmumu ar laika zīmogu: parakstiet to savā datorā, "
        "izmantojot parakstīšanas pieprasījumu, un augšupielādējiet failu šeit.",
    ),
    "decision_recorded": (
        "Signed decision verified and recorded:",
        "Decisione firmata verificata e registrata:",
        "Parakstītais lēmums pārbaudīts un reģistrēts:",
    ),
    "refused_decision_file": (
        "Not accepted: this is not one signed decision written by `ecocluster finding decide` (not JSON, "
        "larger than 4 MB, another format or more than one decision).",
        "Non accettato: non è una singola decisione firmata scritta da `ecocluster finding decide` (non è "
        "JSON, supera 4 MB, ha un altro formato o contiene più di una decisione).",
        "Nav pieņemts: tas nav viens parakstīts lēmums, ko izveidojis `ecocluster finding decide` (nav "
        "JSON, lielāks par 4 MB, cits formāts vai vairāk nekā viens lēmums).",
    ),
    "refused_decision_signature": (
        "Not accepted: the decision's signature or certificate does not hold (unsigned, changed after "
        "signing, or not an accredited verifier's certificate at the time it was signed).",
        "Non accettato: la firma o il certificato della decisione non sono validi (non firmata, modificata "
        "dopo la firma o certificato non di un verificatore accreditato al momento della firma).",
        "Nav pieņemts: lēmuma paraksts vai sertifikāts nav derīgs (nav parakstīts, mainīts pēc "
        "parakstīšanas vai parakstīšanas brīdī nav akreditēta verificētāja sertifikāts).",
    ),
    "refused_decision_timestamp": (
        "Not accepted: the decision's timestamp does not hold (missing, over other bytes, or the decision "
        "is backdated or postdated against it).",
        "Non accettato: la marca temporale della decisione non è valida (assente, su altri dati, o la "
        "decisione è retrodatata o postdatata rispetto ad essa).",
        "Nav pieņemts: lēmuma laika zīmogs nav derīgs (trūkst, attiecas uz citiem datiem, vai lēmums ir "
        "datēts ar agrāku vai vēlāku laiku nekā zīmogs).",
    ),
    "refused_decision_other": (
        "Not accepted: the file holds a decision on another finding; upload the decision on this one.",
        "Non accettato: il file contiene una decisione su un altro rilievo; carichi quella su questo.",
        "Nav pieņemts: failā ir lēmums par citu konstatējumu; augšupielādējiet lēmumu par šo.",
    ),
    "refused_decision_signer": (
        "Not accepted: the decision is signed by another verifier; upload your own signed decision.",
        "Non accettato: la decisione è firmata da un altro verificatore; carichi la sua decisione firmata.",
        "Nav pieņemts: lēmumu parakstījis cits verificētājs; augšupielādējiet savu parakstīto lēmumu.",
    ),
    "refused_decision_stale": (
        "Not accepted: the finding changed since you decided (answered again, or this decision does not "
        "fit its state now); download the signing request again and decide on what is there.",
        "Non accettato: il rilievo è cambiato dopo la sua decisione (nuova risposta, o la decisione non è "
        "ammessa nel suo stato attuale); scarichi di nuovo la richiesta di firma e decida su quanto "
        "contiene.",
        "Nav pieņemts: konstatējums mainījies kopš Jūsu lēmuma (atkal atbildēts vai lēmums neatbilst tā "
        "pašreizējam stāvoklim); lejupielādējiet parakstīšanas pieprasījumu vēlreiz un lemiet par to.",
    ),
    "refused_decision": (
        "Not accepted (rule {rule}).",
        "Non accettato (regola {rule}).",
        "Nav pieņemts (noteikums {rule}).",
    ),
    "no_review_findings": (
        "No finding raised on this member's statement.",
        "Nessun rilievo sulla dichiarazione di questo membro.",
        "Par šī dalībnieka paziņojumu nav izvirzīts neviens konstatējums.",
    ),
    "raise_finding": ("Raise a finding", "Solleva un rilievo", "Izvirzīt konstatējumu"),
    "kind": ("Kind", "Tipo", "Veids"),
    "finding_text": (
        "What you found and what you need",
        "Cosa ha rilevato e cosa le serve",
        "Ko konstatējāt un kas jums nepieciešams",
    ),
    # answering findings (member and coordinator desks)
    "answers": ("Findings to answer", "Rilievi a cui rispondere", "Konstatējumi, uz kuriem jāatbild"),
    "answers_intro": (
        "The verifier's open findings, nearest deadline first. Answer each with text and, if you have it, "
        "one evidence file.",
        "I rilievi aperti del verificatore, dalla scadenza più vicina. Risponda a ciascuno con un testo e, "
        "se lo ha, un file di evidenza.",
        "Verificētāja atvērtie konstatējumi, sākot ar tuvāko termiņu. Atbildiet uz katru ar tekstu un, ja "
        "tāds ir, vienu pierādījuma failu.",
    ),
    "no_open_findings": (
        "No finding is waiting for an answer.",
        "Nessun rilievo attende una risposta.",
        "Neviens konstatējums negaida atbildi.",
    ),
    "your_answer": ("Your answer", "La sua risposta", "Jūsu atbilde"),
    "evidence_file": (
        "Evidence file (optional)",
        "File di evidenza (facoltativo)",
        "Pierādījuma fails (nav obligāts)",
    ),
    "evidence_help": (
        "PDF, PNG, JPEG, XLSX, DOCX, CSV or TXT, at most {mb} MB; its content must be what its name says.",
        "PDF, PNG, JPEG, XLSX, DOCX, CSV o TXT, al massimo {mb} MB; il contenuto deve essere quello "
        "che il nome dichiara.",
        "PDF, PNG, JPEG, XLSX, DOCX, CSV vai TXT, ne vairāk kā {mb} MB; saturam jāatbilst faila nosaukumam.",
    ),
    "send_answer": ("Send the answer", "Invia la risposta", "Nosūtīt atbildi"),
    "answered_ok": (
        "Your answer to {id} is recorded; the verifier decides next.",
        "La sua risposta a {id} è registrata; ora decide il verificatore.",
        "Jūsu atbilde uz {id} ir reģistrēta; tālāk lemj verificētājs.",
    ),
    "refused_evidence_size": (
        "The evidence file {name} is not accepted: it is larger than {mb} MB or empty. Send a smaller file "
        "(for example a PDF of the pages that matter).",
        "Il file di evidenza {name} non è accettato: supera {mb} MB o è vuoto. Invii un file più piccolo "
        "(per esempio un PDF delle sole pagine utili).",
        "Pierādījuma fails {name} netika pieņemts: tas ir lielāks par {mb} MB vai tukšs. Nosūtiet mazāku "
        "failu (piemēram, PDF tikai ar būtiskajām lapām).",
    ),
    "refused_evidence_type": (
        "The evidence file {name} is not accepted: its content is not a PDF, PNG, JPEG, XLSX, DOCX, CSV "
        "or TXT file matching its name. Send the file as it is, with its own extension.",
        "Il file di evidenza {name} non è accettato: il contenuto non è un file PDF, PNG, JPEG, XLSX, "
        "DOCX, CSV o TXT corrispondente al nome. Invii il file così com'è, con la sua estensione.",
        "Pierādījuma fails {name} netika pieņemts: tā saturs nav PDF, PNG, JPEG, XLSX, DOCX, CSV vai TXT "
        "fails, kas atbilst nosaukumam. Nosūtiet failu tādu, kāds tas ir, ar tā paplašinājumu.",
    ),
    "refused_answer_text": (
        "The answer is empty or longer than 4000 characters: write it again, and put the details in an "
        "evidence file.",
        "La risposta è vuota o supera 4000 caratteri: la riscriva e metta i dettagli in un file di evidenza.",
        "Atbilde ir tukša vai garāka par 4000 rakstzīmēm: uzrakstiet to vēlreiz un detaļas ievietojiet "
        "pierādījuma failā.",
    ),
    "refused_not_open": (
        "This finding is no longer open (it was answered or closed); the list shows the ones still open.",
        "Questo rilievo non è più aperto (ha già una risposta o è chiuso); l'elenco mostra quelli "
        "ancora aperti.",
        "Šis konstatējums vairs nav atvērts (uz to jau atbildēts vai tas slēgts); sarakstā ir tie, kas "
        "vēl atvērti.",
    ),
    "refused_answer": (
        "The answer was not accepted (rule {rule}).",
        "La risposta non è stata accettata (regola {rule}).",
        "Atbilde netika pieņemta (noteikums {rule}).",
    ),
    # the coordinator's buttons
    "actions": ("Actions", "Azioni", "Darbības"),
    "rerun_check": ("Rerun check", "Ripeti i controlli", "Atkārtot pārbaudi"),
    "rerun_draft": ("Rerun draft", "Ripeti la bozza", "Atkārtot melnrakstu"),
    "send_verification": ("Send to verification", "Invia alla verifica", "Nosūtīt verifikācijai"),
    "action_ok": ("Done", "Fatto", "Izdarīts"),
    "action_failed": ("Not done", "Non eseguito", "Nav izdarīts"),
    "flow_run": ("the flow run in Prefect", "l'esecuzione in Prefect", "plūsmas izpilde Prefect"),
    "flow_runs": ("Runs started here", "Esecuzioni avviate da qui", "Šeit sāktās izpildes"),
    "stage": ("Stage", "Fase", "Posms"),
    "run_state": ("State", "Stato", "Stāvoklis"),
    "run_scheduled": ("Scheduled for", "Pianificata per", "Ieplānota uz"),
    "run_started": ("Started", "Avviata", "Sākta"),
    "run_ended": ("Ended", "Terminata", "Beigusies"),
    "runstate_scheduled": ("scheduled", "pianificata", "ieplānota"),
    "runstate_pending": ("pending", "in attesa", "gaida"),
    "runstate_running": ("running", "in esecuzione", "notiek"),
    "runstate_completed": ("completed", "completata", "pabeigta"),
    "runstate_failed": ("failed", "fallita", "neizdevās"),
    "runstate_cancelled": ("cancelled", "annullata", "atcelta"),
    "runstate_crashed": ("crashed", "interrotta", "avarējusi"),
    "runstate_paused": ("paused", "in pausa", "apturēta"),
    "runstate_cancelling": ("cancelling", "in annullamento", "tiek atcelta"),
    "run_unreachable": (
        "Prefect did not answer: the last state known is shown.",
        "Prefect non ha risposto: è mostrato l'ultimo stato noto.",
        "Prefect neatbildēja: parādīts pēdējais zināmais stāvoklis.",
    ),
    "run_following": (
        "This list follows the runs until they end.",
        "Questo elenco segue le esecuzioni fino alla loro fine.",
        "Šis saraksts seko izpildēm līdz to beigām.",
    ),
    # scoped audit views
    "audit_of": ("Audit log of {scope}", "Registro di audit di {scope}", "Audita žurnāls: {scope}"),
    "no_audit": ("No entry yet.", "Ancora nessuna voce.", "Vēl nav neviena ieraksta."),
    "audit_who": ("Who", "Chi", "Kas"),
    "audit_role": ("Role", "Ruolo", "Loma"),
    "audit_action": ("Action", "Azione", "Darbība"),
    "audit_object": ("Object", "Oggetto", "Objekts"),
}
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "lv": "Latviešu"}


def words(language: str) -> dict[str, str]:
    """Every label in ``language`` (English for an unsupported one)."""
    index = LANGUAGES.index(language_of(language))
    return {key: texts[index] for key, texts in _WORDS.items()}
