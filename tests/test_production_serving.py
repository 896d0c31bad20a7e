"""Production serving for real: gunicorn with DEBUG=false, whitenoise, hashed static files."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """collectstatic + migrate + gunicorn, configured only through environment variables."""
    folder = tmp_path_factory.mktemp("prod")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789abcdef",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{folder / 'prod.sqlite3'}",
        "EMAIL_URL": "memory:",
        "STATIC_ROOT": str(folder / "static"),
    }
    manage = [sys.executable, str(REPO / "manage.py")]
    static_root = folder / "static"
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=REPO, check=True)
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=REPO, check=True)
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if _get(f"{base}/health/")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode())
    yield base, static_root
    process.terminate()
    process.wait(timeout=10)


def test_pages_link_hashed_static_files_that_whitenoise_serves_for_a_year(server):
    base, static_root = server
    status, _, body = _get(f"{base}/modules/")
    assert status == 200
    stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "the page should link the hashed stylesheet"
    status, headers, css = _get(base + stylesheet.group(1).decode())
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]
    assert b"--accent" in css
    assert (static_root / "staticfiles.json").exists()  # collectstatic's manifest
    assert (static_root / stylesheet.group(1).decode().removeprefix("/static/")).exists()
    htmx = re.search(rb'src="(/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js)"', body)
    assert htmx, "htmx comes from the package's static files, hashed"
    assert _get(base + htmx.group(1).decode())[0] == 200


@pytest.mark.parametrize(("encoding", "decompress"), [("br", "brotli"), ("gzip", "gzip")])
def test_static_files_are_served_compressed_for_a_year(server, encoding, decompress):
    import gzip

    import brotli

    base, static_root = server
    body = _get(f"{base}/")[2]
    for pattern in (
        rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"',
        rb'src="(/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js)"',
    ):
        path = re.search(pattern, body).group(1).decode()
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": encoding})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            headers, sent = dict(response.headers), response.read()
        original = (static_root / path.removeprefix("/static/")).read_bytes()
        assert headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in headers["Vary"]
        assert "max-age=315360000" in headers["Cache-Control"]
        unpacked = brotli.decompress(sent) if decompress == "brotli" else gzip.decompress(sent)
        assert unpacked == original
        assert len(sent) < len(original) / 2


def test_production_responses_carry_the_security_headers(server):
    base, _ = server
    _, headers, _ = _get(f"{base}/modules/")
    assert "script-src 'self' 'nonce-" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_a_missing_page_is_the_friendly_404_not_a_debug_page(server):
    base, _ = server
    status, _, body = _get(f"{base}/no/such/page/")
    assert status == 404
    assert "This page doesn’t exist.".encode() in body
    assert b"Traceback" not in body
    assert b"URLconf" not in body
