from django import template
from django.utils.html import format_html

from learners.lib.submissions import FIELD, new_key

register = template.Library()


@register.simple_tag
def submission_field() -> str:
    """The hidden key that makes a form's post idempotent (learners/submissions.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
