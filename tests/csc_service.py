"""A CSC (Cloud Signature Consortium API v1) remote signing service on 127.0.0.1 for the tests.

``python -m tests.csc_service CONFIG PORT`` serves certomancer-csc-dummy's CSC app for the
Certomancer configuration CONFIG, with one addition: certomancer-csc-dummy answers every request
without authentication (it says so: "Requests are not authenticated"), while a real qualified
signing service refuses a request without its user's access token (HTTP 401). So a middleware on
the same aiohttp app checks ``Authorization: Bearer <token>`` against ``CSC_TEST_TOKEN`` from the
environment, as such a service does; everything else is the dummy server's own code.
"""

from __future__ import annotations

import hmac
import os
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from certomancer import registry
from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def app(config_path: str, token: str) -> web.Application:
    service = CSCWithCertomancer(
        registry.CertomancerConfig.from_file(config_path),
        service_params=DummyServiceParams(hash_pinning_required=True),
    )
    service.register_routes()

    @web.middleware
    async def bearer_token(request: web.Request, handler: _Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise web.HTTPUnauthorized(text='{"error": "invalid_token"}', content_type="application/json")
        return await handler(request)

    app: web.Application = service.app
    app.middlewares.append(bearer_token)
    return app


if __name__ == "__main__":
    web.run_app(
        app(sys.argv[1], os.environ["CSC_TEST_TOKEN"]),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        print=None,
        access_log=None,
    )
