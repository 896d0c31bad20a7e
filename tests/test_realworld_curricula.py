"""Real curricula written by others (../shared/realworld/) load as they are."""

from __future__ import annotations

import pytest

from curriculum.models import Module
from tests.conftest import SHARED
from tests.curriculum_helpers import load

pytestmark = pytest.mark.django_db

OSSU = SHARED / "realworld" / "ossu" / "computer-science"


def test_the_ossu_files_load_with_sensible_slugs_and_titles():
    run = load(OSSU)

    assert run.status == 0, run.stderr
    assert run.stdout.strip() == "2 created, 0 updated, 0 unchanged, 0 retired"
    modules = {module.slug: module for module in Module.objects.all()}
    assert set(modules) == {"computer-science", "intro-cs"}
    # The README's first heading is "Contents": a section name, so the folder names it.
    assert modules["computer-science"].title == "Computer science"
    assert (
        modules["intro-cs"].title == "Introduction to Computer Science and Programming using Python"
    )
    assert modules["intro-cs"].summary.startswith(
        "This course will introduce you to the world of computer science"
    )


def test_the_ossu_readme_renders_its_tables_and_links_safely():
    load(OSSU)
    html = Module.objects.get(slug="computer-science").body_html
    assert "<table>" in html
    assert "<script" not in html
    assert 'href="https://github.com/ossu/computer-science"' in html


def test_loading_the_whole_realworld_folder_twice_is_idempotent():
    assert load(SHARED / "realworld").status == 0
    second = load(SHARED / "realworld")
    assert second.stdout.strip().startswith("0 created, 0 updated,")
    assert second.stdout.strip().endswith("0 retired")
