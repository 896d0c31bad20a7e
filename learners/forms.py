"""Forms for what learners record. Every field is bounded; every error says what to fix."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from learners.models import Note, Status, StudySession, active_plan_modules

MAX_PLAN_DAYS = 3 * 366
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_day(day: date, today: date) -> date:
    """A day something happened: not after tomorrow (the learner's clock may run ahead of
    the server's idea of today), not before 2000."""
    if day > today + timedelta(days=1):
        raise ValidationError("That day hasn't happened yet.")
    if day < date(2000, 1, 1):
        raise ValidationError("That day is too far in the past.")
    return day


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # A date input's value is a yyyy-mm-dd date or nothing (HTML says so, and browsers
        # drop anything else): an unparsable submission is shown empty beside its error.
        if isinstance(value, str) and not _is_iso_date(value):
            return None
        return super().format_value(value)


def _is_iso_date(text: str) -> bool:
    if not ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return False
    return True


class PlainLabels:
    """Labels without Django's trailing colon, like the rest of the site's forms."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PlanForm(PlainLabels, forms.Form):
    goal = forms.CharField(
        label="What will you build?",
        max_length=300,
        help_text="One sentence you'll be glad to read in three months, e.g. “A chatbot fine-tuned on my own dialogue data.”",
    )
    start_date = forms.DateField(label="Start", widget=DateInput)
    target_end = forms.DateField(label="Target end", widget=DateInput)
    weekly_hours = forms.DecimalField(
        label="Hours a week",
        min_value=Decimal("0.5"),
        max_value=Decimal("80"),
        max_digits=4,
        decimal_places=1,
        help_text="Time you can honestly set aside each week.",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("target_end")
        if start and end:
            if end <= start:
                self.add_error("target_end", "The target end must be after the start.")
            elif (end - start).days > MAX_PLAN_DAYS:
                self.add_error(
                    "target_end",
                    "Keep a plan under three years; split a longer journey into plans.",
                )
        if start and start < date(2000, 1, 1):
            self.add_error("start_date", "That start date is too far in the past.")
        return data


class PlanStartForm(PlanForm):
    modules = forms.MultipleChoiceField(
        label="Modules to keep",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Keep at least one module in the plan."},
    )

    def __init__(self, *args, module_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modules"].choices = module_choices


class SessionForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = StudySession
        fields = ["date", "minutes", "module", "description"]
        widgets = {
            "date": DateInput,
            "description": forms.TextInput(
                attrs={"placeholder": "e.g. Debugged the attention mask"}
            ),
        }
        labels = {"minutes": "Minutes", "description": "What I did"}

    def __init__(self, *args, today: date, module_queryset, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
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


def session_form_for(learner, board=None, data=None) -> SessionForm:
    """The quick-log form; its module choices are the active plan's modules, in plan order."""
    today = board.today if board else learner.local_today()
    modules = active_plan_modules(learner).order_by("plan_items__position")
    return SessionForm(
        data,
        today=today,
        module_queryset=modules,
        initial={"date": today, "minutes": 60},
        prefix="session",
    )
