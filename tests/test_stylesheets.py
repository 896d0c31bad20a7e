"""Which stylesheets each page links: the dashboard only the ones it uses (issue 14, its page
weight), and every page each file with a rule that applies to it."""

from __future__ import annotations

import re
from functools import cache

import pytest

from tests.conftest import REPO
from tests.pages import DEMO, SUBMISSIONS, build_world, client_for, submit_with_client

pytestmark = [pytest.mark.django_db, pytest.mark.engine_independent]

STYLESHEETS = REPO / "static" / "css"


@cache
def selectors(name: str) -> list[frozenset[str]]:
    """The classes of each selector in static/css/<name>.css (`.a .b, .c` → {a, b}, {c})."""
    css = re.sub(r"/\*.*?\*/", "", (STYLESHEETS / f"{name}.css").read_text(), flags=re.S)
    while re.search(r"\{[^{}]*\}", css):  # declarations out, innermost first (@media nests)
        css = re.sub(r"\{[^{}]*\}", "\n", css)
    css = re.sub(r"@media[^\n]*", "", css)
    return [
        frozenset(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selector))
        for selector in re.split(r"[,\n]", css)
    ]


def links(html: str) -> set[str]:
    """The stylesheets the page links (app.0123456789ab.css in production)."""
    return set(re.findall(r'<link rel="stylesheet" href="/static/css/([\w-]+)[.\w]*\.css"', html))


def linked(html: str) -> set[str]:
    """The stylesheets the page links, and those they import."""
    return links(html) | {imported for name in links(html) for imported in imports(name)}


@cache
def imports(name: str) -> set[str]:
    """app.css imports highlight.css (code blocks can be in any learner's markdown)."""
    css = (STYLESHEETS / f"{name}.css").read_text()
    found = set(re.findall(r'@import url\("([\w-]+)\.css"\)', css))
    return found | {deeper for imported in found for deeper in imports(imported)}


def used_classes(html: str) -> set[str]:
    return {name for names in re.findall(r'class="([^"]*)"', html) for name in names.split()}


def rules_left_unlinked(html: str) -> dict[str, list[str]]:
    """{stylesheet the page doesn't link: its selectors whose classes are all on the page}."""
    used = used_classes(html)
    missing = {}
    for path in sorted(STYLESHEETS.glob("*.css")):
        if path.stem in linked(html):
            continue
        applying = [" ".join(sorted(s)) for s in selectors(path.stem) if s and s <= used]
        if applying:
            missing[path.stem] = applying
    return missing


def test_the_dashboard_links_only_the_stylesheets_it_uses():
    world = build_world()
    page = client_for(world, DEMO).get("/").text
    assert links(page) == {"app", "charts", "dashboard"}
    # The demo's dashboard has every section: the record, runs, papers, review, both charts.
    for section in ("record-recent", "experiments-summary", "papers-summary", "review-summary"):
        assert f'id="{section}"' in page
    assert rules_left_unlinked(page) == {}


def test_every_page_links_each_stylesheet_with_a_rule_for_it():
    # Visitors' pages too: base.html links them no feature file, so a page a visitor can see
    # (the catalogue, a paper's ledger, the weekly unsubscribe card) links what it needs itself.
    world = build_world()
    clients = {}
    left: dict[str, dict[str, list[str]]] = {}
    for page in world.pages:
        client = clients.setdefault(page.who, client_for(world, page.who))
        response = client.get(page.path, follow=True)
        assert response.status_code == page.status, page
        if missing := rules_left_unlinked(response.text):
            left[str(page)] = missing
    for sent in SUBMISSIONS:
        client = clients.setdefault(sent.who, client_for(world, sent.who))
        if missing := rules_left_unlinked(submit_with_client(client, sent).text):
            left[str(sent)] = missing
    assert left == {}, "\n".join(f"{k}: {v}" for k, v in left.items())


def test_a_rule_on_a_class_the_page_lacks_is_not_counted():
    # `.metrics-table .verdict-better .delta` needs all three classes on the page.
    page = '<link rel="stylesheet" href="/static/css/app.css"><td class="verdict-better delta">'
    assert "experiments" not in rules_left_unlinked(page)
    page += '<table class="metrics-table">'
    assert "delta metrics-table verdict-better" in rules_left_unlinked(page)["experiments"]
