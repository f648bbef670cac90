"""``ecocluster --help`` starts fast (issue 15: <= 0.3 s): printing help or refusing a mistyped
option loads none of the heavy libraries. A test of what is imported, not of time (time is measured
by ``benchmarks/bench_cli.py``), in a fresh interpreter, since this one has loaded them all."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "duckdb",
    "prefect",
    "great_expectations",
    "pyhanko",
    "cryptography",
    "pandas",
    "pyarrow",
    "jinja2",
    "typst",
    "boto3",
    "pint",
    "openpyxl",
    "uvicorn",
    "starlette",
    "dask",
    # what typer's rich help (typer.rich_utils) loads: Markdown and Traceback, ~ a quarter of --help
    "markdown_it",
    "pygments",
    "attr",
)

# Every command's and group's --help, and a mistyped option of each command (a usage error, exit 2),
# all in one process; then which of the packages named in argv it has loaded, on stderr's last line.
_PROBE = """
import json, sys
from typer.main import get_command
from ecocluster.flows.cli import app

heavy = set(sys.argv[1:])

def paths(command, path):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, [*path, name])

root = get_command(app)  # once: ``main()`` would build the click commands again for every run
codes = {}
for path in paths(root, []):
    for args in ([*path, "--help"], [*path, "--no-such-option"] if path else ["--help"]):
        try:
            root.main(args, prog_name="ecocluster")
        except SystemExit as e:
            codes[" ".join(args)] = e.code
loaded = sorted({m.split(".")[0] for m in sys.modules} & heavy)
print(json.dumps({"loaded": loaded, "codes": codes}), file=sys.stderr)
"""


def test_help_and_usage_errors_load_no_heavy_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *HEAVY], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stderr.strip().splitlines()[-1])
    assert found["loaded"] == [], f"loaded to print help or parse arguments: {found['loaded']}"
    helps = {k: v for k, v in found["codes"].items() if k.endswith("--help")}
    assert len(helps) > 50 and set(helps.values()) == {0}, helps  # every command was reached
    refused = {k: v for k, v in found["codes"].items() if k.endswith("--no-such-option")}
    assert refused and set(refused.values()) == {2}, refused
