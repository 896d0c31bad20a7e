"""Forms for studying a module: sessions, notes, status, confidence, ticks, the timer.

Every field is bounded; every error says what to fix.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from curriculum.models import Module
from learners.models import Note, Status, StudySession, active_plan_modules
from learners.web.forms import DateInput, PlainLabels, check_day

MINUTES_RULE = "Minutes are a whole number from 1 to 1440 (a day)."


class SessionForm(PlainLabels, forms.ModelForm):
    # One rule, one message: the model field's own bounds would say "≥ 0" for −30 and "≥ 1"
    # for 0 (a positive integer field, with a minimum of 1 on top).
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=1,
        max_value=1440,
        error_messages={
            "min_value": MINUTES_RULE,
            "max_value": MINUTES_RULE,
            "invalid": MINUTES_RULE,
        },
    )

    fixed_module: Module | None = None  # set on a module's page: the module is not a choice

    class Meta:
        model = StudySession
        fields = ["date", "minutes", "module", "reading_pass", "description"]
        widgets = {
            "date": DateInput,
            "description": forms.TextInput(
                attrs={"placeholder": "e.g. Debugged the attention mask"}
            ),
        }
        labels = {"minutes": "Minutes", "description": "What I did"}

    def __init__(self, *args, today: date, module_queryset, passes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        if passes:  # on a paper's page: which reading pass the time went to
            self.fields["reading_pass"] = forms.ChoiceField(
                label="Pass",
                choices=[("", "— no particular pass —"), *((p["key"], p["name"]) for p in passes)],
                required=False,
            )
        else:
            del self.fields["reading_pass"]
        self.fields["module"].queryset = module_queryset
        self.fields["module"].required = False
        self.fields["module"].empty_label = "— no particular module —"
        self.fields["minutes"].widget.attrs.update({"min": 1, "max": 1440, "inputmode": "numeric"})

    def clean_date(self) -> date:
        return check_day(self.cleaned_data["date"], self.today)


class NoteForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body"]
        labels = {"body": "Note"}
        widgets = {
            "body": forms.Textarea(
                attrs={
                    "rows": 5,
                    "placeholder": "What did you learn, what confused you? Markdown and $math$ work.",
                }
            )
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError("Write something first.")
        return body


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class ConfidenceForm(forms.Form):
    confidence = forms.TypedChoiceField(
        choices=[(value, str(value)) for value in range(1, 6)], coerce=int
    )


class TickForm(forms.Form):
    # Present = ticked. The desired state, not a toggle: a double click ticks once.
    ticked = forms.BooleanField(required=False)


class TimerForm(forms.Form):
    module = forms.IntegerField(required=False)
    reading_pass = forms.SlugField(max_length=40, required=False)


def session_form_for(
    learner, today: date | None = None, data=None, module: Module | None = None
) -> SessionForm:
    """The quick-log form; its module choices are the active plan's modules, in plan order.

    On a module's page (`module`) the form logs time on that module, in a plan or not: the
    module is a hidden field, and it reads nothing until it is sent.
    """
    today = today or learner.local_today()
    if module is not None:
        modules = Module.objects.active().filter(pk=module.pk)
    else:
        modules = active_plan_modules(learner).order_by("plan_items__position")
    form = SessionForm(
        data,
        today=today,
        module_queryset=modules,
        initial={"date": today, "minutes": 60, **({"module": module} if module else {})},
        prefix="session",
        passes=module.reading_passes if module is not None else (),
    )
    if module is not None:
        form.fixed_module = module
        form.fields["module"].widget = forms.HiddenInput()
        form.fields["module"].required = True
    return form
