"""Markdown rendering: the features authors rely on, and nothing that runs."""

from __future__ import annotations

import pytest

from curriculum.rendering import render_inline, render_markdown
from tests.hostile import HTMX_PAYLOADS, active_content, payloads


def test_it_highlights_fenced_code_with_pygments_classes():
    html = render_markdown("```python\ndef f():\n    return 1\n```")
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_it_renders_tables():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html
    assert "<td>1</td>" in html


def test_headings_get_prefixed_anchors():
    html = render_markdown("## Common failures")
    assert '<h2 id="h-common-failures">' in html
    assert 'href="#h-common-failures"' in html


def test_user_ids_cannot_clobber_page_ids():
    html = render_markdown('<h2 id="main">x</h2>')
    assert 'id="main"' not in html
    assert 'id="h-main"' in html


def test_task_list_items_become_disabled_checkboxes():
    html = render_markdown("- [ ] open\n- [x] done")
    assert '<input type="checkbox" disabled aria-label="checkpoint"> open' in html
    assert '<input type="checkbox" disabled checked aria-label="checkpoint"> done' in html


def test_inline_and_display_math_become_mathml():
    html = render_markdown("Entropy $H(p)$ is\n\n$$\nH(p) = -\\sum_x p(x) \\log p(x)\n$$\n")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert 'display="block"' in html
    assert "<munder><mo>∑</mo>" in html


def test_dollar_amounts_are_not_math():
    assert "<math" not in render_markdown("It costs $5 and $10.")


def test_math_inside_code_stays_code():
    html = render_markdown("Use `$x$` literally.")
    assert "<code>$x$</code>" in html


def test_unparseable_latex_is_shown_as_code():
    html = render_markdown(r"$\frac{1}{$")
    assert "<math" not in html or "math-error" in html


def test_links_get_noopener_noreferrer():
    html = render_markdown("[paper](https://arxiv.org/abs/1706.03762)")
    assert 'rel="noopener noreferrer"' in html


def test_images_are_shown_as_links_not_loaded():
    html = render_markdown("![a plot](https://example.com/plot.png)")
    assert "<img" not in html
    assert '<a class="image-link" href="https://example.com/plot.png"' in html
    assert "[image: a plot]" in html


def test_render_inline_drops_the_paragraph():
    assert render_inline("Reach **120** perplexity") == "Reach <strong>120</strong> perplexity"


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_hostile_markdown_renders_inert(payload):
    html = render_markdown(payload)
    assert active_content(html) == [], html


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_hostile_markdown_renders_inert_inline(payload):
    assert active_content(render_inline(payload)) == []


def test_the_checker_catches_what_it_should():
    # A checker that cannot fail would make the hostile tests above worthless.
    assert active_content("<script>alert(1)</script>")
    assert active_content('<img src=x onerror="alert(1)">')
    assert active_content('<a href="javascript:alert(1)">x</a>')
    assert active_content('<a href=" java\tscript:alert(1)">x</a>')
    assert active_content('<div data-hx-get="/x">x</div>')
    assert active_content('<iframe src="https://x"></iframe>')
    assert active_content('<a href="data:text/html;base64,xx">x</a>')


def test_template_syntax_in_markdown_stays_text():
    html = render_markdown("{{ request.user.password }} {% debug %}")
    assert "{{ request.user.password }}" in html
    assert "{% debug %}" in html
