"""GX Data Docs views that compile GX's page templates once per process, not once per run.

GX's views build a new Jinja environment for every Data Docs build, so every check run compiled
GX's 51 templates again: 2.2 s of the 2.9 s a one-member rerun spent on its Data Docs in the
120,290-member warehouse (benchmarks/RESULTS.md). The views below are GX's own, configured through
the site's ``view`` settings (the extension point GX documents for custom views), with one
in-memory Jinja bytecode cache shared by every environment of the process: the runner that serves
reruns compiles each template on its first run and loads the compiled code afterwards. Jinja checks
each template's source checksum before using cached code, so the pages are what GX renders.
"""

from __future__ import annotations

import threading
from typing import Any

from great_expectations.render.view.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2.bccache import Bucket, BytecodeCache


class _InMemory(BytecodeCache):
    """Compiled templates by Jinja's key (template name and checksum of its source)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code


COMPILED = _InMemory()


class PageView(DefaultJinjaPageView):
    """GX's page view (suite and validation pages), with templates compiled once per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = COMPILED


class IndexPageView(DefaultJinjaIndexPageView):
    """GX's index page view, with templates compiled once per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = COMPILED


_VIEW = {"module_name": __name__, "class_name": PageView.__name__}

# The part of a SiteBuilder's configuration that selects these views (GX's defaults otherwise).
SITE_VIEWS: dict[str, Any] = {
    "site_index_builder": {
        "class_name": "DefaultSiteIndexBuilder",
        "view": {"module_name": __name__, "class_name": IndexPageView.__name__},
    },
    "site_section_builders": {
        "expectations": {"view": _VIEW},
        "validations": {"view": _VIEW},
        "profiling": {"view": _VIEW},
    },
}
