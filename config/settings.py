"""Trajectory settings: one module, driven by environment variables (docs/configuration.md).

Development needs no variables at all. Production switches on with DEBUG=false, which then
requires SECRET_KEY and turns on every HTTPS protection when SITE_URL is https://.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import (
    env_bool,
    env_int,
    env_str,
    parse_database_url,
    parse_email_url,
    parse_site_url,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is false.")
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "django-insecure-development-key-not-for-production-use-0123456789"  # noqa: S105

SITE_URL, SITE_SCHEME, SITE_HOST = parse_site_url(env_str("SITE_URL", "http://127.0.0.1:8000"))

ALLOWED_HOSTS = [SITE_HOST]
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "learners.apps.AdminConfig",  # django.contrib.admin, its login behind our throttle
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "curriculum",
    "learners",
    "learners.record",
    "learners.experiments",
    "learners.weekly",
    "learners.papers",
    "learners.review",
    "learners.mentors",
    # Its tables exist everywhere, so switching TASKS_BACKEND needs no extra migration.
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "learners.web.pagecache.RecordVersionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "learners.accounts.middleware.HtmxLoginRequiredMiddleware",
    "learners.accounts.middleware.LearnerTimeZoneMiddleware",
]


ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "learners.web.context.reading",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": (
        parse_database_url(_database_url, base_dir=BASE_DIR)
        if _database_url
        else sqlite_database(VAR_DIR / "trajectory.sqlite3")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "learners.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "dashboard"
# How often an open page of the learner's asks for new mentor comments, and the nav for new
# comments and requests (learners/mentors/sections.py): seconds.
MENTOR_POLL_SECONDS = 20
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# British English, as the site writes dates ("2 December 2026"): the admin follows it too.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Absolute: a relative one would follow the script prefix, which a mentor's read of a learner's
# record moves to its mount (learners/mentors/access.py).
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))  # collectstatic writes here
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names, so browsers may cache static files forever (collectstatic writes them).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

MAILERS = {"default": parse_email_url(env_str("EMAIL_URL", "file:var/mail"), base_dir=BASE_DIR)}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trajectory <trajectory@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# immediate: tasks run in the process that enqueues them (development, small sites).
# database: tasks wait in the database (django-tasks-db) for `manage.py db_worker` processes on
# any number of machines (docs/email.md).
TASK_BACKENDS = {
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
_tasks_backend = env_str("TASKS_BACKEND", "immediate")
if _tasks_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be immediate or database, not {_tasks_backend!r}."
    )
TASKS = {"default": TASK_BACKENDS[_tasks_backend]}

# Content Security Policy: nothing inline runs without this request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG and SITE_SCHEME == "https":
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
# Only behind a reverse proxy that sets X-Forwarded-Proto and appends the client's address to
# X-Forwarded-For itself; otherwise clients could forge both.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CURRICULUM_DIR = BASE_DIR / "curriculum" / "content"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

# Cached page sections of a learner (learners/web/pagecache.py). Their keys carry the version of
# the learner's record, read from the database on every request, so a cache per process is
# correct: no process can serve a section under an old version. About 80 KB an entry at most.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "trajectory-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # Plan shapes, chart SVGs and plan rows, each under a key that names everything it shows
    # (learners/plans/state.py, learners/dashboard/charts.py, {% fragmentcache %}): never stale,
    # so a cache per process is correct. Small entries: 5,000 of them are a few MB.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "trajectory-fragments",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# Django's commonest widget templates written in Python: the same HTML, without a template
# render per <option> (learners/lib/renderer.py, tests/test_form_renderer.py).
FORM_RENDERER = "learners.lib.renderer.FastRenderer"
