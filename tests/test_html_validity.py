"""Every main page is valid HTML: the Nu HTML Checker (vnu.jar, from the npm registry) finds no
error on any of them, logged in or out, error states of the main forms included.

The checker starts once (a Java program: seconds to start, milliseconds a page) on every page
saved to a file, with one deliberately broken page beside them to show the run can fail. The
id references of every page are checked too (the checker lets a dangling aria-describedby by).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ON_CI, REPO
from tests.pages import (
    ANONYMOUS,
    SUBMISSIONS,
    build_world,
    by_viewer,
    client_for,
    open_in_browser,
    session_cookie,
    submit_with_client,
)

# Validity is the markup's: the SQLite pass is enough (docs/testing.md).
pytestmark = [pytest.mark.django_db, pytest.mark.engine_independent]

VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# Attributes that name other elements by id. The checker lets a dangling aria-describedby
# through, and then a field's error message is never read out with the field.
ID_REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-owns", "for")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in ID_REFERENCES and value:
                self.references += [(tag, name, ref) for ref in value.split()]


def dangling_references(html: str) -> list[str]:
    """Every id reference in `html` that names no element of the page."""
    parser = _References()
    parser.feed(html)
    return [
        f"<{tag} {attribute}=“{ref}”> names no element"
        for tag, attribute, ref in parser.references
        if ref not in parser.ids
    ]


def vnu_errors(folder: Path) -> dict[str, list[str]]:
    """Run the checker once on every .html file in `folder`: {file name: [error, ...]}."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        message = "the Nu HTML Checker needs Java and node_modules/vnu-jar (`make system-deps`)"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    files = sorted(str(path) for path in folder.glob("*.html"))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # The report goes to stderr; exit status 1 only says there were errors.
    report = json.loads(result.stderr)
    errors: dict[str, list[str]] = {}
    for message in report["messages"]:
        name = Path(message.get("url", "file:unknown")).name
        line = message.get("lastLine", "?")
        extract = " ".join(message.get("extract", "").split())[:120]
        text = f"line {line}: {message['message']}  [{extract}]"
        if text not in errors.get(name, []):  # the checker may say the same thing twice
            errors.setdefault(name, []).append(text)
    return errors


# Checked in the same run as the pages, so the run shows it can fail: an hx-* attribute and a
# duplicate id must both be reported.
CONTROL = "control-invalid-page.html"
CONTROL_HTML = (
    '<!doctype html><html lang="en"><title>x</title>'
    '<p id="a" hx-get="/x">one</p><p id="a">two</p></html>'
)


def test_every_main_page_is_valid_html(tmp_path):
    world = build_world()
    clients = {}
    for page in world.pages:
        client = clients.setdefault(page.who, client_for(world, page.who))
        response = client.get(page.path, follow=True)
        assert response.status_code == page.status, page
        assert response["Content-Type"].startswith("text/html"), page
        (tmp_path / f"{page.name}.html").write_text(response.text)
    for sent in SUBMISSIONS:
        client = clients.setdefault(sent.who, client_for(world, sent.who))
        response = submit_with_client(client, sent)
        assert response.status_code == sent.status, sent
        (tmp_path / f"{sent.name}.html").write_text(response.text)
    pages = len(world.pages) + len(SUBMISSIONS)
    assert len(list(tmp_path.glob("*.html"))) == pages  # one file a page, none overwritten
    (tmp_path / CONTROL).write_text(CONTROL_HTML)

    errors = vnu_errors(tmp_path)
    control = errors.pop(CONTROL, [])
    for path in tmp_path.glob("*.html"):
        if path.name != CONTROL and (dangling := dangling_references(path.read_text())):
            errors.setdefault(path.name, []).extend(dangling)

    assert any("hx-get" in error for error in control), control
    assert any("Duplicate ID" in error for error in control), control
    report = "\n".join(
        f"{name}:\n    " + "\n    ".join(messages) for name, messages in sorted(errors.items())
    )
    assert errors == {}, f"{sum(map(len, errors.values()))} HTML errors:\n{report}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_is_valid_html_as_a_phone_has_it(browser, live_server, tmp_path):
    # The document as Chromium holds it on a 390 px screen, after static/js/app.js has run:
    # what the script changes (a box that scrolls becomes a Tab stop, the timer's count) must
    # keep the page valid too.
    from django.conf import settings

    world = build_world()
    for who, items in by_viewer(world).items():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}
        )
        if who != ANONYMOUS:
            cookie = session_cookie(world, who)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            for item in items:
                assert open_in_browser(page, item) == item.status, item
                (tmp_path / f"{item.name}.html").write_text(page.content())
        finally:
            context.close()
    assert len(list(tmp_path.glob("*.html"))) == len(world.pages) + len(SUBMISSIONS)
    (tmp_path / CONTROL).write_text(CONTROL_HTML)

    errors = vnu_errors(tmp_path)
    control = errors.pop(CONTROL, [])
    assert any("Duplicate ID" in error for error in control), control
    report = "\n".join(
        f"{name}:\n    " + "\n    ".join(messages) for name, messages in sorted(errors.items())
    )
    assert errors == {}, f"{sum(map(len, errors.values()))} HTML errors:\n{report}"


def test_a_reference_to_a_missing_id_is_reported():
    html = (
        '<label for="a">A</label><input id="a" aria-describedby="a_help a_error">'
        '<span id="a_help">help</span>'
    )

    assert dangling_references(html) == ["<input aria-describedby=“a_error”> names no element"]
