"""A database that can't be reached answers 503 with a calm page, not a 500.

Django turns every uncaught exception into the 500 handler, wherever it was raised: in a
view, in a template, or in a middleware (the session and the user are read from the database
before any view runs). So the choice is made there, in `server_error` (`handler500` in
config/urls.py), from the exception being handled:

- The database is down, restarting, unreachable, out of connections, or (SQLite) busy past
  its timeout: **503** with `Retry-After`, rendered from templates/503.html without touching
  the database. Nothing is wrong with the request; trying again shortly works.
- Anything else, including database errors that are bugs in disguise (SQLite reports "no such
  table" and syntax errors as OperationalError; PostgreSQL's ProgrammingError and
  IntegrityError): the usual **500**.

Both are logged by Django as errors with their traceback ("Service Unavailable: /path"), so an
outage is as visible in the log as a bug is.

Recovery needs nothing from here: with CONN_HEALTH_CHECKS on (config/env.py), each request
checks its worker's persistent connection before the first query and opens a new one if the
old one died, so the first request after the database is back succeeds.
"""

from __future__ import annotations

import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 30

# PostgreSQL SQLSTATE classes that mean "not now" rather than "not like this": 08 connection
# exception, 53 insufficient resources (too many connections, disk full), 57 operator
# intervention (shutting down, starting up, statement timeout).
_PG_UNAVAILABLE_CLASSES = {"08", "53", "57"}
# SQLite primary result codes of the same kind: busy or locked past the timeout, the file
# can't be opened or written, the disk is full.
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
}


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means the database can't serve us right now (and a retry may work)."""
    if isinstance(error, InterfaceError):
        return True  # the connection is closed or broken
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is None:
        # psycopg raises client-side connection failures ("connection refused", "server closed
        # the connection unexpectedly") without a SQLSTATE: the server is not there.
        return cause is not None and type(cause).__module__.startswith("psycopg")
    return sqlstate[:2] in _PG_UNAVAILABLE_CLASSES


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 when the database is unavailable, Django's own 500 page otherwise."""
    if not database_unavailable(sys.exc_info()[1]):
        return django_server_error(request)
    # No request context: context processors could reach for the session or the user,
    # which live in the database that just failed.
    body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
