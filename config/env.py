"""Strict parsing of settings from environment variables.

A typo in a deployment variable should stop the process with a message that names the
variable, not quietly fall back to a development default.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def parse_database_url(url: str, *, base_dir: Path) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name?opt=…` into DATABASES["default"].

    A relative SQLite path is taken from the project folder, so `sqlite:///var/x.sqlite3`
    and the default both land in `var/`. PostgreSQL over a unix socket: put the socket
    folder in `?host=/path` and leave the host part empty.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        raw = unquote(parts.path)
        if not raw.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL sqlite:/// needs a file path.")
        # sqlite:///var/db.sqlite3 is relative to the project; sqlite:////srv/db.sqlite3 absolute.
        name = Path("/" + raw.lstrip("/")) if raw.startswith("//") else base_dir / raw.lstrip("/")
        return sqlite_database(name)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL needs a database name.")
        host = unquote(parts.hostname or "") or query.pop("host", "")
        options = {key: value for key, value in query.items() if key != "host"}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": host,
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:/// or postgres://, not {scheme or 'nothing'}:."
    )


def sqlite_database(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)  # `var/` on a fresh clone
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the
            # busy timeout instead of failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }


def parse_email_url(url: str, *, base_dir: Path) -> dict:
    """Turn EMAIL_URL into a MAILERS["default"] entry.

    smtp://user:pass@host:587 (STARTTLS when the port is 587 or ?tls=true),
    smtps://user:pass@host:465 (implicit TLS), console:, file:<dir>, memory:.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured("EMAIL_URL needs a host, e.g. smtp://mail.example.com:587.")
        query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"tls", "timeout"}
        if unknown:
            raise ImproperlyConfigured(
                f"EMAIL_URL has unknown options: {', '.join(sorted(unknown))}."
            )
        port = parts.port or (465 if scheme == "smtps" else 25)
        use_ssl = scheme == "smtps"
        tls_value = query.get("tls")
        if tls_value is not None and tls_value not in TRUE | FALSE:
            raise ImproperlyConfigured(f"EMAIL_URL tls must be true or false, not {tls_value!r}.")
        use_tls = (not use_ssl) and (tls_value in TRUE if tls_value is not None else port == 587)
        try:
            timeout = int(query.get("timeout", "20"))
        except ValueError:
            raise ImproperlyConfigured(
                "EMAIL_URL timeout must be a whole number of seconds."
            ) from None
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname,
                "port": port,
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_tls": use_tls,
                "use_ssl": use_ssl,
                "timeout": timeout,
            },
        }
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        folder = unquote(url.split(":", 1)[1]).removeprefix("//")
        if not folder:
            raise ImproperlyConfigured("EMAIL_URL file: needs a folder, e.g. file:var/mail.")
        path = Path(folder)
        if not path.is_absolute():
            path = base_dir / path
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(path)},
        }
    # Name the scheme only: the URL may carry an SMTP password, and this message reaches logs.
    raise ImproperlyConfigured(
        "EMAIL_URL must start with smtp://, smtps://, console:, file: or memory:, "
        f"not {scheme or 'nothing'}:."
    )


def parse_site_url(url: str) -> tuple[str, str, str]:
    """Return (normalized SITE_URL, scheme, host) or fail on anything but http(s)://host[:port]."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"SITE_URL must look like https://example.com, not {url!r}.")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ImproperlyConfigured("SITE_URL must be scheme and host only, with no path.")
    return f"{parts.scheme}://{parts.netloc}", parts.scheme, parts.hostname
