"""Settings from the environment: strict parsing, safe defaults, a clean deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, parse_database_url, parse_email_url, parse_site_url
from tests.conftest import REPO

BASE = Path("/srv/app")


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("FALSE", False), ("1", True), ("off", False)]
)
def test_booleans_accept_only_clear_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=not expected) is expected


def test_a_vague_boolean_fails_loudly_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false, not 'maybe'"):
        env_bool("DEBUG", default=True)


def test_integers_are_checked(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("N", 1, minimum=0)


def test_sqlite_urls_relative_and_absolute(tmp_path):
    relative = parse_database_url("sqlite:///var/x.sqlite3", base_dir=tmp_path)
    assert relative["NAME"] == tmp_path / "var" / "x.sqlite3"
    absolute = parse_database_url(f"sqlite:///{tmp_path}/y.sqlite3", base_dir=BASE)
    assert absolute["NAME"] == tmp_path / "y.sqlite3"
    assert absolute["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in absolute["OPTIONS"]["init_command"]
    assert absolute["OPTIONS"]["timeout"] > 0


def test_postgres_urls_with_host_or_socket():
    tcp = parse_database_url(
        "postgres://u:p%40ss@db.example:5433/traj?sslmode=require", base_dir=BASE
    )
    assert (tcp["NAME"], tcp["USER"], tcp["PASSWORD"], tcp["HOST"], tcp["PORT"]) == (
        "traj",
        "u",
        "p@ss",
        "db.example",
        "5433",
    )
    assert tcp["OPTIONS"] == {"sslmode": "require"}
    socket = parse_database_url("postgresql://postgres@/traj?host=/tmp/pg", base_dir=BASE)
    assert socket["HOST"] == "/tmp/pg"
    assert socket["OPTIONS"] == {}


@pytest.mark.parametrize("url", ["mysql://x/y", "postgres://host/", "sqlite:///", "nonsense"])
def test_bad_database_urls_fail_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url(url, base_dir=BASE)


def test_email_urls():
    smtp = parse_email_url("smtp://me:secret@mail.example:587", base_dir=BASE)
    assert (
        smtp["OPTIONS"]["host"],
        smtp["OPTIONS"]["port"],
        smtp["OPTIONS"]["use_tls"],
        smtp["OPTIONS"]["use_ssl"],
    ) == ("mail.example", 587, True, False)
    smtps = parse_email_url("smtps://mail.example", base_dir=BASE)
    assert (smtps["OPTIONS"]["port"], smtps["OPTIONS"]["use_ssl"], smtps["OPTIONS"]["use_tls"]) == (
        465,
        True,
        False,
    )
    plain = parse_email_url("smtp://127.0.0.1:2525", base_dir=BASE)
    assert (plain["OPTIONS"]["use_tls"], plain["OPTIONS"]["use_ssl"]) == (False, False)
    assert parse_email_url("console:", base_dir=BASE)["BACKEND"].endswith("console.EmailBackend")
    assert (
        parse_email_url("file:var/mail", base_dir=BASE)["OPTIONS"]["file_path"]
        == "/srv/app/var/mail"
    )
    assert parse_email_url("file:///tmp/m", base_dir=BASE)["OPTIONS"]["file_path"] == "/tmp/m"


@pytest.mark.parametrize(
    "url", ["smtp://", "pop3://x", "smtp://h?tls=perhaps", "smtp://h?color=red", "file:"]
)
def test_bad_email_urls_fail_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        parse_email_url(url, base_dir=BASE)


def test_site_url():
    assert parse_site_url("https://trajectory.example/") == (
        "https://trajectory.example",
        "https",
        "trajectory.example",
    )
    with pytest.raises(ImproperlyConfigured):
        parse_site_url("https://trajectory.example/app")
    with pytest.raises(ImproperlyConfigured):
        parse_site_url("ftp://x")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "SITE_URL",
            "EMAIL_URL",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser fixture for this process only
        }
    }
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=REPO,
    )


def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        SITE_URL="https://trajectory.example",
        EMAIL_URL="smtp://mailer:secret@mail.example:587",
        DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _manage(
        "check",
        DEBUG="false",
        SITE_URL="https://trajectory.example",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is false." in result.stderr


def test_a_bad_email_url_never_repeats_its_password():
    with pytest.raises(ImproperlyConfigured) as error:
        parse_email_url("smtp+tls://mailer:S3cretPass@mail.example:587", base_dir=BASE)
    assert "S3cretPass" not in str(error.value)
    with pytest.raises(ImproperlyConfigured) as error:
        parse_database_url("mysql://u:S3cretPass@db/x", base_dir=BASE)
    assert "S3cretPass" not in str(error.value)
