"""Rendering is bounded by the text's shape (curriculum/bounds.py): what Python-Markdown would
take minutes over, or recurse on until it raises, is shown as plain text saying why, and the
loader refuses it with the file and line. These are structural checks; the timings that set
the prices are in bench/markdown_worst.py and bench/RESULTS.md, never here."""

from __future__ import annotations

import glob
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curriculum import body, bounds, frontmatter
from curriculum.rendering import new_markdown, render_inline, render_markdown, sanitize
from learners.experiments.models import Run
from learners.experiments.tokens import create_token
from learners.models import Note
from learners.record import export, importer
from learners.record.models import Failure
from tests.conftest import REPO
from tests.curriculum_helpers import load, module_file, write
from tests.factories import make_modules, make_plan

HTMX = {"HX-Request": "true"}
PLAIN = "Shown as plain text"


@pytest.fixture
def setup(client, alice):
    modules = make_modules(2)
    make_plan(alice, modules)
    client.force_login(alice)
    return modules


# --- the shapes of the issue ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 20_000, "20,000 '[' that are never closed"),
        ("![" * 4_000, "4,000 '[' that are never closed"),
        ("[](" * 6_000, "'](' that is never closed"),
        ("<a " * 6_000, "'<' without a closing '>'"),
        ("- " * 3_000 + "a", "nested 3000 levels deep (at most 16)"),
        ("> " * 3_000 + "a", "nested 3000 levels deep"),
        ("# a\n" * 5_000, "5,000 lines without a blank line between them"),
        ("```\na\n```\n" * 2_000, "2,000 code blocks"),
    ],
)
def test_a_pathological_shape_is_named_and_shown_as_plain_text(text, words):
    _, why = bounds.measure(text).problem
    assert words in why
    html = render_markdown(text, anchors=False)
    assert html.startswith(f'<p class="markdown-plain">{PLAIN}')
    assert "<a " not in html and "<li>" not in html  # escaped, not rendered


def test_lists_nested_too_deep_for_python_markdown_render_without_raising():
    # Python-Markdown raised RecursionError on this (a 500 wherever a note was shown).
    html = render_markdown("- " * 3_000 + "a", anchors=False)
    assert "nested 3000 levels deep" in html


def test_sixteen_levels_of_nesting_render_and_seventeen_are_shown_plain():
    def nested(levels: int) -> str:
        return "".join("    " * level + "- item\n" for level in range(levels))

    assert bounds.measure(nested(bounds.MAX_DEPTH)).problem is None
    assert render_markdown(nested(bounds.MAX_DEPTH)).count("<ul>") == bounds.MAX_DEPTH
    line, why = bounds.measure(nested(bounds.MAX_DEPTH + 1)).problem
    assert line == bounds.MAX_DEPTH + 1
    assert "nested 17 levels deep" in why


def test_the_plain_text_keeps_paragraphs_and_lines_and_escapes_everything():
    text = "[" * 20_000 + "\n<script>x</script>\n\nsecond & last"
    html = render_markdown(text)
    assert "<script>" not in html
    assert "<br>\n&lt;script&gt;x&lt;/script&gt;</p>" in html
    assert "<p>second &amp; last</p>" in html


PIECES = [
    "[", "]", "(", ")", "![", "<a ", ">", "*", "_", "`", "$", "\\", "- ", "> ", "\n", "\n\n",
    "    ", "#", "|", "```", "a", " ", "&", "<div>",
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=400))
def test_no_mix_of_markup_raises(pieces):
    text = "".join(pieces)
    bounds.measure(text)
    render_markdown(text)
    render_inline(text)


# --- ordinary text is untouched --------------------------------------------------------------


def test_the_default_curriculum_renders_exactly_as_python_markdown_alone_would():
    paths = sorted(glob.glob(str(REPO / "curriculum/content/**/*.md"), recursive=True))
    assert len(paths) > 20
    for path in paths:
        with open(path, encoding="utf-8") as file:
            text = file.read()
        front, _ = frontmatter.parse(text, path)
        facts, _ = body.analyse(front.body, path, front.body_start)
        alone = sanitize(new_markdown(anchors=True).convert(facts.body))
        assert render_markdown(facts.body) == alone, path


def test_a_short_python_block_is_highlighted_and_an_unlisted_language_is_plain():
    assert '<span class="k">def</span>' in render_markdown("```python\ndef f(): pass\n```")
    perl = render_markdown("```perl\nmy $x = <STDIN>;\n```")
    assert '<div class="highlight">' in perl and "<span class=" not in perl


def test_fence_attributes_other_than_one_language_are_dropped_so_the_fence_is_what_was_priced():
    # Python-Markdown skips a fence whose braces don't parse, which would leave 20,000 '['
    # for its inline patterns; and {.perl} would reach a lexer we don't allow.
    shape = bounds.measure("```{}}\n" + "[" * 20_000 + "\n```\n")
    assert shape.problem is None and shape.fences[0].lang == ""
    html = render_markdown("```{}}\n" + "[" * 20_000 + "\n```\n")
    assert html.startswith('<div class="highlight">') and "[" * 100 in html
    assert "<span class=" not in render_markdown("```{.perl}\nmy $x = <STDIN>;\n```")
    assert '<span class="kn">import</span>' in render_markdown("```{.python}\nimport os\n```")


def test_code_with_a_line_wider_than_the_limit_is_shown_plain():
    wide = "x = 1  # " + "a" * bounds.HIGHLIGHT_WIDTH
    html = render_markdown(f"```python\nimport os\n{wide}\n```")
    assert "import os" in html and "<span class=" not in html


def test_code_past_the_budget_is_shown_plain_and_the_code_before_it_highlighted():
    text = "```python\nimport os\n```\n\n```python\n" + "x = 1\n" * 3_000 + "```\n"
    html = render_markdown(text, anchors=False)
    first, second = html.split('<div class="highlight">')[1:]
    assert '<span class="kn">import</span>' in first
    assert "<span class=" not in second


def test_formulas_past_the_budget_are_shown_as_code():
    html = render_markdown(("$x$ " * 20 + "\n\n") * 200, anchors=False)
    assert "<math" in html
    assert '<code class="math-source">x</code>' in html


# --- every entry point -----------------------------------------------------------------------


def test_the_preview_of_twenty_thousand_brackets_answers_with_plain_text(client, setup):
    response = client.post("/notes/preview/", {"body": "[" * 20_000}, headers=HTMX)
    assert response.status_code == 200
    assert PLAIN in response.text


def test_a_note_of_unclosed_brackets_is_saved_and_shown_as_plain_text(client, alice, setup):
    module = setup[0]
    client.post(f"/modules/{module.slug}/notes/", {"body": "[" * 20_000})
    note = Note.objects.get(learner=alice)
    assert PLAIN in note.body_html
    assert client.get(f"/modules/{module.slug}/").status_code == 200


def test_a_failure_lesson_of_image_openers_is_shown_as_plain_text(client, alice, setup):
    module = setup[0]
    response = client.post(
        "/failures/new/",
        {
            "module": module.slug,
            "title": "t",
            "what_happened": "x",
            "lesson": "![" * 4_000,
            "category": "bug",
            "happened_on": "2026-01-01",
        },
    )
    assert response.status_code in (200, 302), response.text[:500]
    failure = Failure.objects.get(learner=alice)
    assert PLAIN in failure.lesson_html


def test_a_run_logged_through_the_api_with_bracket_notes_is_shown_as_plain_text(client, alice):
    module = make_modules(1, prefix="api")[0]
    _, token = create_token(alice, "script")
    response = client.post(
        "/api/v1/runs",
        data=json.dumps({"module": module.slug, "notes": "[" * 8_000}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert PLAIN in Run.objects.get(learner=alice).notes_html


def test_an_imported_note_of_brackets_is_shown_as_plain_text(alice, bob):
    module = make_modules(1, prefix="imp")[0]
    Note.objects.create(learner=alice, module=module, body="[" * 20_000)
    document = json.loads(json.dumps(export.export_document(alice), default=str))
    importer.import_document(bob, document)
    assert PLAIN in Note.objects.get(learner=bob).body_html


def test_a_module_file_with_unclosed_brackets_is_refused_with_its_line(tmp_path, db):
    text = module_file("brackets", body="# Brackets\n\nFine.\n\n" + "[" * 5_000 + "\n")
    path = write(tmp_path, "brackets.md", text)
    run = load(tmp_path)
    assert run.status == 1
    assert f"{path}:10: a paragraph with 5,000 '[' that are never closed" in run.stderr


# --- the preview's rate limit ----------------------------------------------------------------


def test_previews_are_limited_per_learner_per_minute(client, alice, bob, setup, time_machine):
    from learners.study.views import PREVIEWS_PER_MINUTE

    time_machine.move_to("2026-03-02 10:00:00", tick=False)
    for _ in range(PREVIEWS_PER_MINUTE):
        assert client.post("/notes/preview/", {"body": "*x*"}, headers=HTMX).status_code == 200
    refused = client.post("/notes/preview/", {"body": "*x*"}, headers=HTMX)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"

    client.force_login(bob)  # another learner has a budget of their own
    assert client.post("/notes/preview/", {"body": "*x*"}, headers=HTMX).status_code == 200

    time_machine.move_to("2026-03-02 10:01:00", tick=False)  # the next minute
    client.force_login(alice)
    assert client.post("/notes/preview/", {"body": "*x*"}, headers=HTMX).status_code == 200
