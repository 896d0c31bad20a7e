"""Production settings: `manage.py check --deploy` is silent only for a real deployment (DEBUG
off, a strong key, https SITE_URL, an SMTP mailer), and our own deploy checks (config/checks.py)
name the variable to fix when one is missing."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from config import checks
from tests.test_env_settings import _manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SITE_URL": "https://trajectory.example",
    "EMAIL_URL": "smtp://mailer:secret@mail.example:587",
}
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def deploy_check(tmp_path, **changes):
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3", **changes}
    return _manage("check", "--deploy", "--fail-level", "WARNING", **env)


def ids(messages) -> list[str]:
    return sorted(message.id for message in messages)


@pytest.mark.parametrize(
    ("email_url", "backend"),
    [("file:var/mail", "filebased"), ("console:", "console"), ("memory:", "locmem")],
)
def test_a_development_mailer_in_production_fails_the_deploy_check_naming_email_url(
    tmp_path, email_url, backend
):
    result = deploy_check(tmp_path, EMAIL_URL=email_url)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"(trajectory.W001) The default mailer is {backend}, not SMTP" in output
    assert "Set EMAIL_URL=smtp://" in output


def test_an_http_site_url_in_production_is_named_as_the_cause(tmp_path):
    result = deploy_check(tmp_path, SITE_URL="http://trajectory.example")
    assert result.returncode != 0
    assert "(trajectory.W003) SITE_URL is http://trajectory.example" in result.stderr


def test_the_full_production_settings_are_still_silent(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_checks_run_with_check_deploy_only(settings):
    settings.DEBUG = False
    settings.SITE_URL = "http://trajectory.example"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    ours = {"trajectory.W001", "trajectory.W003"}
    security = ["security"]  # tags without database checks
    assert ours <= set(ids(run_checks(include_deployment_checks=True, tags=security)))
    assert ours.isdisjoint(ids(run_checks(include_deployment_checks=False, tags=security)))


# --- the checks one by one, with settings overridden -------------------------------------------


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "no.such.Backend",
    ],
)
def test_w001_warns_about_any_mailer_that_is_not_smtp_in_production(settings, backend):
    settings.DEBUG = False
    settings.MAILERS = {"default": {"BACKEND": backend}}
    assert ids(checks.check_production_mailer()) == ["trajectory.W001"]


def test_w001_is_quiet_in_development(settings):
    settings.DEBUG = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    assert checks.check_production_mailer() == []


def test_w001_accepts_smtp_its_subclasses_and_the_default_backend(settings):
    settings.DEBUG = False
    for mailer in (
        {"BACKEND": SMTP, "OPTIONS": {"host": "mail.example", "use_tls": True}},
        {"BACKEND": "tests.test_security_settings.OwnSMTP", "OPTIONS": {"host": "127.0.0.1"}},
        {},  # MAILERS without BACKEND means SMTP
    ):
        settings.MAILERS = {"default": mailer}
        assert checks.check_production_mailer() == [], mailer


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"host": "mail.example", "password": "pw"}, ["trajectory.W002"]),
        ({"host": "mail.example", "password": "pw", "use_tls": True}, []),
        ({"host": "mail.example", "password": "pw", "use_ssl": True}, []),
        ({"host": "127.0.0.1", "password": "pw"}, []),  # a local relay
        ({"host": "mail.example"}, []),  # no login, nothing to leak
    ],
)
def test_w002_warns_when_the_smtp_password_would_cross_the_network_in_clear(
    settings, options, expected
):
    settings.DEBUG = False
    settings.MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": options}}
    assert ids(checks.check_production_mailer()) == expected


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        ("https://trajectory.example", []),
        ("http://trajectory.example", ["trajectory.W003"]),
        ("https://localhost:8443", ["trajectory.W004"]),
        ("http://127.0.0.1:8000", ["trajectory.W003", "trajectory.W004"]),
    ],
)
def test_site_url_checks_in_production(settings, site_url, expected):
    settings.DEBUG = False
    settings.SITE_URL = site_url
    assert ids(checks.check_site_url()) == expected


def test_site_url_checks_are_quiet_in_development(settings):
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert checks.check_site_url() == []


def test_the_session_and_csrf_cookies_are_locked_down(tmp_path):
    """What the deploy check stands for, read back from the production settings themselves."""
    probe = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS, "
        "s.SECURE_CONTENT_TYPE_NOSNIFF, s.SECURE_REFERRER_POLICY, "
        "s.SECURE_CROSS_ORIGIN_OPENER_POLICY)"
    )
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    result = _manage("shell", "-c", probe, **env)
    assert result.stdout.splitlines()[-1].split() == [
        "True", "True", "True", "Lax", "True", "True", "DENY", "True", "same-origin", "same-origin",
    ], result.stderr  # fmt: skip


class OwnSMTP(SMTPBackend):
    """A site's own SMTP backend (to log, say), named in MAILERS: still SMTP."""
