"""The Mentors page's forms: an invite, and a mentor's scope."""

from __future__ import annotations

from django import forms

from learners.mentors.models import COMMENT_LIMIT, MESSAGE_LIMIT, QUESTION_LIMIT, Share
from learners.models import Plan
from learners.web.forms import PlainLabels


class InviteForm(PlainLabels, forms.Form):
    email = forms.EmailField(label="Their email address", max_length=254)
    message = forms.CharField(
        label="A message with the invite (optional)",
        required=False,
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScopeForm(PlainLabels, forms.Form):
    which_plans = forms.ChoiceField(
        label="Plans they see",
        choices=[("chosen", "Only the plans I choose"), ("all", "All my plans")],
        widget=forms.RadioSelect,
    )
    # Choices of the learner's own plan ids (not a queryset field: an id no column can hold
    # is refused as "not one of the choices" before any query).
    plans = forms.MultipleChoiceField(
        label="The plans", required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.ChoiceField(label="Notes", choices=Share.choices, widget=forms.RadioSelect)
    failures = forms.ChoiceField(label="Failures", choices=Share.choices, widget=forms.RadioSelect)
    runs = forms.ChoiceField(label="Runs", choices=Share.choices, widget=forms.RadioSelect)

    def __init__(self, *args, mentorship, **kwargs) -> None:
        # One form per mentor on the page: the same field names (each in its own <form>), ids
        # of their own.
        kwargs.setdefault("auto_id", f"id_scope{mentorship.pk}_%s")
        kwargs.setdefault(
            "initial",
            {
                "which_plans": "all" if mentorship.all_plans else "chosen",
                "plans": [str(row.plan_id) for row in mentorship.plan_scope.all()],
                "notes": mentorship.notes,
                "failures": mentorship.failures,
                "runs": mentorship.runs,
            },
        )
        super().__init__(*args, **kwargs)
        self.own_plans = {
            str(plan.pk): plan
            for plan in Plan.objects.filter(learner_id=mentorship.learner_id)
            .select_related("module_list")
            .order_by("-start_date", "-id")
        }
        self.fields["plans"].choices = [
            (pk, _plan_label(plan)) for pk, plan in self.own_plans.items()
        ]

    def clean_plans(self) -> list[Plan]:
        return [self.own_plans[pk] for pk in self.cleaned_data["plans"]]


def _plan_label(plan: Plan) -> str:
    title = plan.goal or (plan.module_list.title if plan.module_list else "A plan")
    return f"{title} ({plan.start_date:%-d %b %Y} – {plan.target_end:%-d %b %Y})"


class CommentForm(PlainLabels, forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Markdown, with $math$. The learner sees it on their record and in their weekly email.",
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write something first.")
        return body


class ReplyForm(CommentForm):
    body = forms.CharField(
        label="Your answer",
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown, with $math$.",
    )
    answered = forms.BooleanField(
        label="This answers the question (mark it answered)", required=False
    )


class AskForm(PlainLabels, forms.Form):
    """A review request: to which mentor, and the question. What it is about comes with the
    form (hidden fields), checked by the view against the learner's own record."""

    mentorship = forms.TypedChoiceField(label="Ask", coerce=int)
    question = forms.CharField(
        label="Your question",
        max_length=QUESTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you'd like them to look at. Markdown, with $math$.",
    )

    def __init__(self, *args, mentorships=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentorship"].choices = [
            (m.pk, m.mentor.get_full_name() or m.mentor.email) for m in mentorships
        ]

    def clean_question(self) -> str:
        question = self.cleaned_data["question"].strip()
        if not question:
            raise forms.ValidationError("Say what you'd like them to look at.")
        return question
