"""Forms for runs, tokens and a module's primary metric. Every field bounded, every error
said at the field."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from curriculum.models import Module
from learners.experiments.models import ModuleMetric, Outcome, Run
from learners.lib.weeks import FIRST_DAY, LAST_DAY
from learners.record.models import Failure
from learners.web.forms import DateInput, PlainLabels

NEWEST, OLDEST = "newest", "oldest"


class TokenForm(PlainLabels, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="Where it will be used, e.g. “laptop” or “GPU box”.",
        error_messages={"required": "Name the token, so you know which one to revoke later."},
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Name the token, so you know which one to revoke later.")
        return name


class ModuleMetricForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = ModuleMetric
        fields = ["name", "lower_is_better"]
        labels = {"name": "Primary metric", "lower_is_better": "Lower is better"}
        help_texts = {
            "name": "The metric name your script logs, e.g. val_ppl. Leave empty to unset.",
            "lower_is_better": "Ticked for a loss or a perplexity; unticked for an accuracy.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class RunForm(PlainLabels, forms.ModelForm):
    """What a learner edits after the fact: the name, the verdict, notes, the failure it exposed."""

    notes = forms.CharField(
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown. What you expected, what happened, what to try next.",
    )

    class Meta:
        model = Run
        fields = ["name", "outcome", "notes", "failure"]
        labels = {"failure": "Failure it exposed"}
        help_texts = {"failure": "A failure from your log that this run exposed."}

    def __init__(self, *args, learner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the learner's own failures: another learner's id is not a valid choice.
        self.fields["failure"].queryset = Failure.objects.filter(learner=learner).select_related(
            "module"
        )
        self.fields["failure"].label_from_instance = lambda failure: (
            f"{failure.title} ({failure.module.title}, {failure.happened_on:%d %b %Y})"
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("A run needs a name.")
        return name


_OUT_OF_RANGE = "Choose a date from 1970 to 2999."
DAY_RANGE = [
    MinValueValidator(FIRST_DAY, message=_OUT_OF_RANGE),
    MaxValueValidator(LAST_DAY, message=_OUT_OF_RANGE),
]


class RunFilterForm(PlainLabels, forms.Form):
    """The run list's filters. Invalid values are reported and ignored, never a 500."""

    module = forms.ChoiceField(required=False)
    outcome = forms.ChoiceField(choices=[("", "Any outcome"), *Outcome.choices], required=False)
    # A hand-edited URL can ask for 9999-12-31, whose next midnight no date holds.
    since = forms.DateField(
        label="From",
        required=False,
        widget=DateInput(attrs={"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}),
        validators=DAY_RANGE,
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=DateInput(attrs={"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}),
        validators=DAY_RANGE,
    )
    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(self, *args, modules: list[Module], metric_names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = [("", "All modules")] + [
            (module.slug, module.title) for module in modules
        ]
        choices = [(NEWEST, "Newest first"), (OLDEST, "Oldest first")]
        for name in metric_names:
            choices.append((f"{name}:asc", f"{name}, lowest first"))
            choices.append((f"{name}:desc", f"{name}, highest first"))
        self.fields["sort"].choices = choices

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "“To” must be on or after “From”.")
        return data

    def valid(self, name: str):
        """A field's cleaned value, or None when it was empty or invalid (and is ignored)."""
        self.is_valid()
        return self.cleaned_data.get(name) or None
