"""The mentors' parts of the learner's pages: comments, and asking for a review
(learners/mentors/sections.py has what they show)."""

from django import template

from learners.mentors import sections

register = template.Library()


@register.inclusion_tag("mentors/_comments.html", takes_context=True)
def mentor_comments(context, target, notes=()):
    return sections.comments_section(context["request"], target, notes)


@register.inclusion_tag("mentors/_ask.html", takes_context=True)
def ask_review(context, kind, **ids):
    return sections.ask_form(context["request"], kind=kind, **ids)
