"""The staff dashboard (``onep-inbox serve``): server-rendered pages in Thai over the same
queries (:mod:`storage.dashboard`, :mod:`storage.reports`, :mod:`storage.reviews`) and the same
decisions (:mod:`staff.review`, :mod:`outbound.outbox`, :mod:`storage.addresses`) the CLI uses.

Top floor, beside :mod:`app` (docs/ARCHITECTURE.md); only :mod:`app.cli` and :mod:`app.demo`
import it. :mod:`web.app` builds the Starlette application and holds the route table;
:mod:`web.access` says who may do what; :mod:`web.guard` turns that into middleware and route
wrappers (sign-in, CSRF, security headers); one module per page under :mod:`web.pages`.
"""
