"""The review forms: a rating, and a question with its answer."""

from __future__ import annotations

from django import forms

from learners.review.models import TEXT_LIMIT, Rating
from learners.web.forms import PlainLabels


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(choices=Rating.choices, coerce=int)
    # The card's due time when it was shown: a second post of the same answer (a double click,
    # a resent form) finds it moved on and rates nothing.
    due = forms.DateTimeField()
    # When the answer was shown (epoch milliseconds, from the page): the review's duration.
    shown = forms.IntegerField(required=False, min_value=0, max_value=10**14)


class QuestionForm(PlainLabels, forms.Form):
    question = forms.CharField(
        label="Question",
        max_length=TEXT_LIMIT,
        error_messages={"required": "Write something first."},
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "e.g. Why divide by √d_k?"}),
    )
    answer = forms.CharField(
        label="Answer",
        max_length=TEXT_LIMIT,
        error_messages={"required": "Write something first."},
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Markdown and $math$ work."}),
    )
