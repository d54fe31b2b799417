"""Security headers on every response, pages and API alike.

The pages load their CSS and JavaScript from this site only and run no inline script (data
for a script travels in ``<script type="application/json">``, which never runs), so the
policy can say just that; a page that cannot avoid one (the API docs page, a library's
template) marks it with ``csp_nonce()``, and the policy then allows that script alone.
Inline ``style=""`` attributes stay allowed: the calendar places its bars with them, and a
style attribute cannot run code.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'{nonce}",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",  # no other page may frame ours (a click on a hidden approve button)
    )
)
HEADERS = {
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    # feed and display addresses carry their token: never hand a full URL to another site
    "Referrer-Policy": "same-origin",
}
# a year, once the site is known to be served over HTTPS (the signal: cookies marked Secure)
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
NONCE_KEY = "onexp.csp_nonce"  # per request: one app context may serve many (the test client's)


def csp_nonce() -> str:
    """This response's nonce, for an inline ``<script nonce="...">`` the page cannot do without."""
    if NONCE_KEY not in request.environ:
        request.environ[NONCE_KEY] = secrets.token_urlsafe(18)
    return request.environ[NONCE_KEY]


def content_security_policy() -> str:
    nonce = request.environ.get(NONCE_KEY)
    return CONTENT_SECURITY_POLICY.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def init_app(app: Flask) -> None:
    app.add_template_global(csp_nonce)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if request.environ.get("onexp.user") is not None and "Cache-Control" not in response.headers:
            # made for one signed-in person: no shared cache, nor the browser's back button
            # after signing out, may keep a copy
            response.headers["Cache-Control"] = "no-store"
        return response
