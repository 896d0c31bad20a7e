from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from learners.lib.submissions import FIELD, new_key
from learners.web import pagecache

register = template.Library()


@register.simple_tag
def submission_field() -> str:
    """The hidden key that makes a form's post idempotent (learners/lib/submissions.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())


@register.tag
def learnercache(parser, token):
    """`{% learnercache "name" %}…{% endlearnercache %}`: the section, rendered once per version
    of the learner's record and date (learners/web/pagecache.py). Only a logged-in GET reads or
    fills the cache; a form sent back with its errors always renders afresh."""
    try:
        _tag, name = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("learnercache takes one argument: a name") from None
    nodelist = parser.parse(("endlearnercache",))
    parser.delete_first_token()
    return LearnerCacheNode(nodelist, parser.compile_filter(name))


class LearnerCacheNode(template.Node):
    def __init__(self, nodelist, name) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context) -> str:
        request = context.get("request")
        if request is None or not pagecache.cacheable(request):
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        html = pagecache.get(request, name)
        if html is None:
            html = self.nodelist.render(context)
            pagecache.put(request, name, html)
        # Rendered by our own templates, which escape what they show; fresh() only swaps tokens.
        return mark_safe(html)  # noqa: S308
