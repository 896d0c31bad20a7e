"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's.

Django's checks see each protection on its own (a secure cookie, HSTS); these name the
setting an operator actually sets (EMAIL_URL, SITE_URL), so the message says what to change.
They only speak in production (DEBUG=false): a development mailer is right in development.
Django 6.1's own mail.E001 also refuses its development backends; trajectory.W001 adds what to
set here, and covers any other backend that is not SMTP.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils.module_loading import import_string

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _default_mailer() -> dict:
    return getattr(settings, "MAILERS", {}).get("default", {})


def _is_smtp(backend_path: str) -> bool:
    if not backend_path:
        return True  # MAILERS' default BACKEND is SMTP
    try:
        backend = import_string(backend_path)
    except ImportError:
        return False
    return isinstance(backend, type) and issubclass(backend, SMTPBackend)


@register(Tags.security, deploy=True)
def check_production_mailer(app_configs=None, **kwargs) -> list[Warning]:
    """The weekly email and password resets need a mailer that delivers: SMTP, with TLS when
    it logs in to a server on another machine."""
    if settings.DEBUG:
        return []
    mailer = _default_mailer()
    backend = mailer.get("BACKEND", "")
    if not _is_smtp(backend):
        return [
            Warning(
                f"The default mailer is {backend.rsplit('.', 2)[-2] or 'unset'}, not SMTP: "
                "weekly emails and password-reset links would never reach anyone.",
                hint="Set EMAIL_URL=smtp://user:password@host:587 or smtps://…:465 "
                "(docs/configuration.md).",
                id="trajectory.W001",
            )
        ]
    options = mailer.get("OPTIONS", {})
    host = options.get("host", "")
    encrypted = options.get("use_tls") or options.get("use_ssl")
    if options.get("password") and not encrypted and host not in LOOPBACK_HOSTS:
        return [
            Warning(
                f"EMAIL_URL logs in to {host} without TLS: the mail password crosses the "
                "network in clear.",
                hint="Use port 587 (STARTTLS), ?tls=true, or smtps:// on port 465.",
                id="trajectory.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs) -> list[Warning]:
    """SITE_URL decides the HTTPS protections (settings.py) and every link in emails."""
    if settings.DEBUG:
        return []
    parts = urlsplit(getattr(settings, "SITE_URL", ""))
    warnings = []
    if parts.scheme != "https":
        warnings.append(
            Warning(
                f"SITE_URL is {settings.SITE_URL}: without https:// the site sets no secure "
                "cookies, no HSTS and no HTTPS redirect, and emails link over plain HTTP.",
                hint="Serve the site over HTTPS and set SITE_URL=https://your.domain.",
                id="trajectory.W003",
            )
        )
    if (parts.hostname or "") in LOOPBACK_HOSTS:
        warnings.append(
            Warning(
                f"SITE_URL points at this machine ({parts.hostname}): links in emails and "
                "password resets would lead nowhere for learners.",
                hint="Set SITE_URL to the address learners use.",
                id="trajectory.W004",
            )
        )
    return warnings
