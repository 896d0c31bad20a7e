"""The fast form renderer writes exactly what Django's widget templates write.

Every main page and every form sent back with its errors is rendered twice, once with
`learners.lib.renderer.FastRenderer` (the project's FORM_RENDERER) and once with Django's own
template renderer, and the two pages must be the same byte for byte (but for the values that
change on every render: CSRF tokens and double-submit keys). Odd values are tried directly.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils.safestring import mark_safe

from learners.lib.renderer import FastRenderer
from tests.pages import SUBMISSIONS, build_world, client_for, submit_with_client

DJANGO = "django.forms.renderers.DjangoTemplates"
PER_RENDER = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
        'name="csrfmiddlewaretoken" value=""',
    ),
    (re.compile(r'"x-csrftoken": "[^"]+"'), '"x-csrftoken": ""'),
    (re.compile(r'name="submission" value="[0-9a-f]{32}"'), 'name="submission" value=""'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


def normalized(html: str) -> str:
    for pattern, replacement in PER_RENDER:
        html = pattern.sub(replacement, html)
    return html


@pytest.mark.django_db
@time_machine.travel("2026-03-04 10:00 +00:00", tick=False)
def test_every_page_and_form_error_renders_the_same_as_with_djangos_templates():
    world = build_world()
    compared = errors = 0
    for page in world.pages:
        client = client_for(world, page.who)
        fast = client.get(page.path, follow=True)
        with override_settings(FORM_RENDERER=DJANGO):
            slow = client.get(page.path, follow=True)
        assert fast.status_code == slow.status_code == page.status, page
        assert normalized(fast.text) == normalized(slow.text), page
        compared += fast.text.count("<input") + fast.text.count("<select")
    for sent in SUBMISSIONS:
        if not sent.name.endswith("-errors"):
            continue  # a post that creates something would differ by what it made
        client = client_for(world, sent.who)
        fast = submit_with_client(client, sent)
        with override_settings(FORM_RENDERER=DJANGO):
            slow = submit_with_client(client, sent)
        assert normalized(fast.text) == normalized(slow.text), sent
        errors += fast.text.count('class="errorlist"')
    assert compared > 200  # the walk really went through forms,
    assert errors > 10  # and through their error lists


class Odd(forms.Form):
    text = forms.CharField(initial='"quoted" & <b>bold</b>', help_text="help")
    number = forms.IntegerField(initial=1234567, widget=forms.NumberInput(attrs={"step": 5}))
    flag = forms.BooleanField(required=False, initial=True)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "data-x": True}))
    words = forms.CharField(widget=forms.Textarea, initial="line one\n<script>x</script>")
    empty = forms.CharField(widget=forms.Textarea, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h&v")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p<w>")
    choice = forms.ChoiceField(
        choices=[
            ("", "— none —"),
            ("Group <1>", [("a", "A & a"), (1, mark_safe("<em>safe</em>"))]),
            (2.5, 7),
        ],
        initial=1,
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", 'Y "why"')], initial=["x", "y"])
    mail = forms.EmailField(label=mark_safe("Your <abbr>email</abbr>"), label_suffix="")
    unlabelled = forms.URLField(label="", required=False, widget=forms.URLInput(attrs={"id": ""}))


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": "", "number": "x", "when": "2026-02-30", "choice": "nope", "mail": "no-at"},
    ],
    ids=["unbound", "with-errors"],
)
def test_odd_values_render_the_same(data):
    fast, slow = Odd(data, renderer=FastRenderer()), Odd(data, renderer=DjangoTemplates())
    for name in fast.fields:
        assert str(fast[name]) == str(slow[name]), name
        assert fast[name].label_tag() == slow[name].label_tag(), name
        assert str(fast[name].errors) == str(slow[name].errors), name
    assert str(fast.non_field_errors()) == str(slow.non_field_errors())
    assert fast.as_div() == slow.as_div()
