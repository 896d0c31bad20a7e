from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from learners.lib.submissions import FIELD, new_key
from learners.web import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def site_url(context, name: str, *args) -> str:
    """The URL of one of the site's own pages (the catalogue, a track), outside a mentor's mount:
    the curriculum is not the learner's record, so a mentor reads it where everyone does."""
    reading = context.get("mentoring")
    return reading.url(name, *args) if reading else reverse(name, args=args)


@register.simple_tag
def submission_field() -> str:
    """The hidden key that makes a form's post idempotent (learners/lib/submissions.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())


@register.tag
def learnercache(parser, token):
    """`{% learnercache "name" %}…{% endlearnercache %}`: the section, rendered once per version
    of the learner's record and date (learners/web/pagecache.py). With a concern,
    `{% learnercache "name" "sessions" %}`, once per version of that concern
    (`pagecache.CONCERNS`); with `until=<a time>`, read after the section rendered, it is kept
    only until then (what the clock alone changes). Only a logged-in GET reads or fills the
    cache; a form sent back with its errors always renders afresh."""
    bits = token.split_contents()
    until = None
    if len(bits) == 4 and bits[3].startswith("until="):
        until = parser.compile_filter(bits.pop()[len("until=") :])
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(
            "learnercache takes a name, perhaps a concern, and perhaps until=<a time> after it"
        )
    concern = bits[2].strip("\"'") if len(bits) == 3 else None
    if concern is not None and concern not in pagecache.CONCERNS:
        raise template.TemplateSyntaxError(f"learnercache: no concern named {concern!r}")
    nodelist = parser.parse(("endlearnercache",))
    parser.delete_first_token()
    return LearnerCacheNode(nodelist, parser.compile_filter(bits[1]), concern, until)


class LearnerCacheNode(template.Node):
    def __init__(self, nodelist, name, concern: str | None = None, until=None) -> None:
        self.nodelist = nodelist
        self.name = name
        self.concern = concern
        self.until = until

    def render(self, context) -> str:
        request = context.get("request")
        # An out-of-band copy (a write's answer) differs from the page's: never cached.
        if request is None or not pagecache.cacheable(request) or context.get("oob"):
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        html = pagecache.get(request, name, self.concern)
        if html is None:
            html = self.nodelist.render(context)
            until = self.until.resolve(context) if self.until else None
            pagecache.put(request, name, html, self.concern, until)
        # Rendered by our own templates, which escape what they show; fresh() only swaps tokens.
        return mark_safe(html)  # noqa: S308


@register.simple_tag
def module_lesson(module, panel=None) -> str:
    """The module's text as its page shows it: for a learner, the task list shows their ticks
    (learners/study/lesson.py). Inside the page's cached section, so it runs once a version."""
    from learners.study.lesson import lesson_html

    ticks = panel.state.with_checkpoints() if panel else None
    # The body was sanitized at load time; lesson_html only rewrites markup it recognises.
    return mark_safe(lesson_html(module.body_html, module.title, ticks))  # noqa: S308


@register.simple_tag
def lesson_mark(checkpoint, ticked, oob=False) -> str:
    """A task item's mark in the module text, as swapped after a tick."""
    from learners.study.lesson import mark

    return mark(checkpoint, ticked, oob=oob)


@register.inclusion_tag("_demo_login.html")
def demo_login() -> dict:
    """In development (DEBUG) with the demo learner seeded, how to log in as them: `make run`
    prints it, but above the server's own banner, where it scrolls away. Never in production."""
    from django.conf import settings

    from learners.demo import DEMO_EMAIL, DEMO_PASSWORD
    from learners.models import User

    if not settings.DEBUG or not User.objects.filter(email=DEMO_EMAIL).exists():
        return {"demo": None}
    return {"demo": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}}
