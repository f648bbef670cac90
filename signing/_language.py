"""The registration documents in the member's language and English (Annex VI and VII).

A competent body reads them in its own language, while the verifier, a cross-border cluster and
the Commission's register read English: each text is given in the member's language first and in
English after it (English alone for an English-speaking member). Translations are the gettext
catalogs ``signing/locale/<lang>/LC_MESSAGES/signing.po``, compiled like the statements' ones.
"""

from __future__ import annotations

from ecocluster.warehouse.messages import catalog, language_of

DOMAIN = "signing"


def N_(message: str) -> str:
    """Marks a msgid for extraction; translation happens when the document is written."""
    return message


def translate(language: str, message: str, **params: object) -> str:
    text = catalog("ecocluster.signing", DOMAIN, language_of(language)).gettext(message)
    return text.format(**params) if params else text


def bilingual_text(language: str, message: str, **params: object) -> str:
    """A paragraph in the member's language, then in English."""
    english = translate("en", message, **params)
    if language_of(language) == "en":
        return english
    return translate(language, message, **params) + "\n\n" + english


def bilingual_label(language: str, message: str) -> str:
    """A short label as "member's language / English"."""
    own = translate(language, message)
    return message if own == message else f"{own} / {message}"
