"""Tests import private modules of their own package only (issue 15, "small public APIs, kept").

A test that reaches into another package's ``_module`` pins that package's internals: the other package
can no longer change them without breaking tests it does not own, and the public API stops being the
contract. Each test folder (and each shared fixture module at the top of ``tests/``) has one owner
package; anything else is imported through ``ecocluster.<package>`` and its ``__all__``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).parent
PACKAGES = ("core", "warehouse", "checks", "statements", "signing", "flows", "portal")

# The package whose private modules a test folder may import; folders not listed own none.
OWNER_OF_FOLDER = {
    "checks": "checks",
    "commands": "flows",  # the CLI is ecocluster.flows.cli
    "flows": "flows",
    "portal": "portal",
    "sample": "warehouse",  # the sample generator is ecocluster.warehouse.sample
    "signing": "signing",
    "statements": "statements",
    "warehouse": "warehouse",
}
# Files outside such a folder that test one package's internals, with the package.
OWNER_OF_FILE = {
    "fixtures_csc.py": "signing",  # a CSC signing service for the signers
    "fixtures_pki.py": "signing",  # the accreditation PKI
    "fixtures_softhsm.py": "signing",  # a PKCS#11 token for the signers
    "fixtures_tsa.py": "signing",  # the RFC 3161 authority
    "reliability/cycle_driver.py": "flows",  # runs the flow's own stage functions
    "reliability/test_crash.py": "flows",
    "reliability/test_forgery.py": "signing",  # forged approvals against the verifier
}


def owner(path: Path) -> str | None:
    relative = path.relative_to(TESTS).as_posix()
    return OWNER_OF_FILE.get(relative) or OWNER_OF_FOLDER.get(relative.split("/")[0])


def private_imports(source: str) -> list[tuple[int, str, str]]:
    """(line, package, what) for every import of a private module or name under ``ecocluster.<package>``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for what in targets:
            parts = what.split(".")
            if parts[0] != "ecocluster" or len(parts) < 3 or parts[1] not in PACKAGES:
                continue
            if any(p.startswith("_") and not p.startswith("__") for p in parts[2:]):
                found.append((node.lineno, parts[1], what))
                break  # one per import statement
    return found


def offences(root: Path = TESTS, own: Callable[[Path], str | None] = owner) -> list[str]:
    """Every import under ``root`` of a private module of a package other than the file's ``own``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        mine = own(path)
        for line, package, what in private_imports(path.read_text(encoding="utf-8")):
            if package != mine:
                out.append(f"{path.relative_to(root)}:{line}: {what} (private to ecocluster.{package})")
    return sorted(set(out))


def test_tests_import_private_modules_of_their_own_package_only() -> None:
    found = offences()
    assert not found, (
        "tests import another package's private modules; use its public API (ecocluster.<package>, "
        "its __all__) or a fixture of the tests' own:\n" + "\n".join(found)
    )


def production_offences(root: Path = TESTS.parent) -> list[str]:
    """Imports of another package's private module in the packages themselves (the house rule:
    cross-package production code uses public names only); each package folder owns its privates."""
    return [
        f"{package}/{found}" for package in PACKAGES for found in offences(root / package, _owned_by(package))
    ]


def _owned_by(package: str) -> Callable[[Path], str]:
    return lambda _path: package


def test_packages_import_other_packages_through_their_public_api_only() -> None:
    found = production_offences()
    assert not found, "a package imports another package's private module:\n" + "\n".join(found)


def test_the_check_sees_each_form_of_private_import() -> None:
    source = (
        "from ecocluster.signing._pki import load_key\n"
        "from ecocluster.signing import _keys, KeyFiles\n"
        "import ecocluster.flows._runtime\n"
        "from ecocluster.flows.cycles import _BATCH_STAGES\n"
        "from ecocluster.signing import KeyFiles\n"
        "from ecocluster.core.store import LocalStore\n"
        "def f():\n"
        "    from ecocluster.portal._accounts import LoginRefused\n"
    )
    assert [(line, package) for line, package, _ in private_imports(source)] == [
        (1, "signing"),
        (2, "signing"),
        (3, "flows"),
        (4, "flows"),
        (8, "portal"),
    ]
    assert owner(TESTS / "signing" / "test_x.py") == "signing"
    assert owner(TESTS / "reliability" / "test_outage.py") is None
    assert all((TESTS / name).is_file() for name in OWNER_OF_FILE)  # the table names files that exist
