"""The module text as its page shows it (learners/study/lesson.py): no repeated title, named
section links, and one truth for the checkpoints — the body's task list shows the learner's
ticks (kept in step after every tick), or for a visitor no boxes at all."""

from __future__ import annotations

import pytest

from curriculum.models import Module
from learners.study.lesson import lesson_html
from learners.study.progress import set_status, set_tick
from tests.curriculum_helpers import load, write
from tests.factories import make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

BODY = """---
slug: tiny-lm
title: A tiny language model
hours: 3
---

# A tiny language model

Count words & predict the next one.

## Deliverable

- [ ] Perplexity below $150$ on the `valid` split {#perplexity}
- [ ] A table of samples {#samples}
- [ ] A note on what failed {#note}

## Steps & checks

Do it.
"""


@pytest.fixture
def module(tmp_path):
    write(tmp_path, "tiny.md", BODY)
    run = load(tmp_path)
    assert run.status == 0, run.stderr
    return Module.objects.get(slug="tiny-lm")


def test_a_visitor_sees_the_text_without_its_repeated_title_or_any_box(client, module):
    text = client.get("/modules/tiny-lm/").text
    article = text[text.index('<article id="lesson"') : text.index("</article>")]
    assert "<h1" not in article  # the page's own H1 is the title
    assert text.count("<h1") == 1
    assert 'type="checkbox"' not in article
    assert article.count('<li class="task-item">') == 3  # a plain list


def test_every_section_link_has_a_name_to_say(client, module):
    text = client.get("/modules/tiny-lm/").text
    assert 'aria-label="Link to “Deliverable”"' in text
    # The heading's text, escaped once: "&" in the heading, not "&amp;amp;".
    assert 'aria-label="Link to “Steps &amp; checks”"' in text
    assert text.count('class="anchor"') == text.count('aria-label="Link to “')


def test_a_learners_task_list_shows_their_ticks(client, alice, module):
    make_plan(alice, [module])
    first, second, third = module.active_checkpoints
    set_tick(alice, second, True)
    client.force_login(alice)
    text = client.get("/modules/tiny-lm/").text
    article = text[text.index('<article id="lesson"') : text.index("</article>")]
    assert 'type="checkbox"' not in article  # no box that can't be used
    assert f'class="task-mark is-open" id="lesson-mark-{first.id}"' in article
    assert f'class="task-mark is-ticked" id="lesson-mark-{second.id}"' in article
    assert f'class="task-mark is-open" id="lesson-mark-{third.id}"' in article
    assert "Ticked: </span>" in article and "Not ticked yet: </span>" in article


def test_a_tick_on_the_module_page_moves_the_mark_in_the_text_too(client, alice, module):
    make_plan(alice, [module])
    checkpoint = module.active_checkpoints[0]
    client.force_login(alice)
    text = client.post(
        f"/modules/tiny-lm/checkpoints/{checkpoint.key}/",
        {"ticked": "on", "page": "module"},
        headers=HTMX,
    ).text
    assert (
        f'<span class="task-mark is-ticked" id="lesson-mark-{checkpoint.id}" '
        'data-hx-swap-oob="true">' in text
    )
    # And the next view of the page (its cached sections included) agrees.
    page = client.get("/modules/tiny-lm/").text
    assert f'class="task-mark is-ticked" id="lesson-mark-{checkpoint.id}"' in page


def test_done_says_what_it_means_when_the_ticks_fall_short(client, alice, module):
    make_plan(alice, [module])
    set_tick(alice, module.active_checkpoints[0], True)
    client.force_login(alice)
    text = client.post(
        "/modules/tiny-lm/status/", {"status": "done", "page": "module"}, headers=HTMX
    ).text
    assert "Done counts all 3 checkpoints as finished; 1 of them is ticked." in text
    # The progress bar no longer says "1 of 3 · 100%" without a word.
    assert "Done: all 3 checkpoints count (1 ticked)" in text
    assert 'id="status-done" class="segment" aria-pressed="true"' in text
    set_status(alice, module, "in_progress")
    page = client.get("/modules/tiny-lm/").text
    assert "1 of 3 checkpoints" in page
    assert "Done counts every checkpoint as finished, ticked or not" in page


def test_a_task_list_that_is_not_the_checkpoints_stays_unmarked():
    # One checkpoint, two task items (an item the loader did not count): no mark rather than
    # a tick against the wrong line.
    html = (
        '<ul><li class="task-list-item"><input type="checkbox" disabled aria-label="checkpoint"> a</li>'
        '<li class="task-list-item"><input type="checkbox" disabled aria-label="checkpoint"> b</li></ul>'
    )

    class Checkpoint:
        id = 7

    shown = lesson_html(html, "Title", [(Checkpoint(), True)])
    assert "task-mark" not in shown
    assert 'type="checkbox"' not in shown
    assert shown.count('<li class="task-item">') == 2


def test_a_first_heading_that_is_not_the_title_stays():
    html = '<h1 id="h-other">Another heading<a class="anchor" href="#h-other" title="Link to this section" rel="noopener noreferrer">#</a></h1><p>x</p>'
    shown = lesson_html(html, "A tiny language model")
    assert shown.startswith('<h1 id="h-other">Another heading')
    assert 'aria-label="Link to “Another heading”"' in shown
