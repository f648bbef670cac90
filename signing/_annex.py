"""The Annex VI application and the Annex VII declaration as data, each with its JSON Schema.

Regulation (EC) No 1221/2009 fixes what a registration application (Annex VI) and a verifier's
declaration (Annex VII) must say. ecocluster builds both from signed inputs only: the application
from the statement the verifier signed (``_package.application``), the declaration inside the
approval predicate the verifier signs (``_approval.approval_statement``). The schemas
(``templates/annex-vi-application.schema.json``, ``templates/annex-vii-declaration.schema.json``)
say field by field what each holds; :func:`validate` refuses a document that does not match them by
rule ``annex-vi-schema`` or ``annex-vii-schema``, naming the file and the first bad field. Packages
are checked when they are built (``_package.bag_files``) and when a competent body takes one in
(``_offline``: the delivered application as it is, and the declaration as the verifier signed it).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

from ecocluster.core.errors import ApprovalRefused

if TYPE_CHECKING:
    import jsonschema

SCHEMAS = {"VI": "annex-vi-application.schema.json", "VII": "annex-vii-declaration.schema.json"}
RULES = {"VI": "annex-vi-schema", "VII": "annex-vii-schema"}
FILES = {"VI": "data/annex-vi-application.json", "VII": "data/approval.dsse.json"}


class AnnexInvalid(ApprovalRefused):
    """An Annex VI application or Annex VII declaration that does not match its schema."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, annex: str, file: str, message: str) -> None:
        self.rule, self.file, self.message = RULES[annex], file, message
        super().__init__(f"rule {self.rule} ({file}): {message}")


@functools.cache
def schema(annex: str) -> dict[str, Any]:
    """The published schema of ``annex`` ("VI" or "VII")."""
    text = resources.files("ecocluster.signing").joinpath("templates", SCHEMAS[annex]).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator(annex: str) -> jsonschema.protocols.Validator:
    import jsonschema

    document = schema(annex)
    cls = jsonschema.validators.validator_for(document)
    cls.check_schema(document)
    validator: jsonschema.protocols.Validator = cls(document)
    return validator


def declaration(predicate: dict[str, Any]) -> dict[str, Any]:
    """The Annex VII declaration's data as the approval predicate signs them."""
    verifier, member, cycle = predicate.get("verifier"), predicate.get("member"), predicate.get("cycle")
    return {
        "annex": "VII",
        "verifier": {
            k: verifier.get(k) for k in ("name", "accreditationNo", "naceScope", "certificateSha256")
        }
        if isinstance(verifier, dict)
        else verifier,
        "organisation": {k: member.get(k) for k in ("id", "name", "nace")}
        if isinstance(member, dict)
        else member,
        "cycle": cycle,
        "place": predicate.get("place"),
        "date": str(predicate.get("signedAt", ""))[:10],
        "text": predicate.get("declaration"),
    }


def validate(annex: str, document: Any, file: str | None = None) -> None:
    """Raise :class:`AnnexInvalid` naming the first bad field when ``document`` does not match the schema."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator(annex).iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise AnnexInvalid(annex, file or FILES[annex], f"Annex {annex}, field {where}: {error.message}")
