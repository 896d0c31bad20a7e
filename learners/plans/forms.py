"""The plan forms: start a plan from a list, edit its goal, dates and weekly hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import dateformat

from learners.web.forms import DateInput, PlainLabels

MAX_PLAN_DAYS = 3 * 366


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

    def __init__(self, *args, today: date, current_end: date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.current_end = current_end  # a plan being edited keeps an end that has passed

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("target_end")
        if start and end and end <= start:
            self.add_error("target_end", "The target end must be after the start.")
        elif start and end and (end - start).days > MAX_PLAN_DAYS:
            self.add_error(
                "target_end", "Keep a plan under three years; split a longer journey into plans."
            )
        elif end and end < self.today and end != self.current_end:
            # A plan over before it began: the dashboard would count "week 101 of 9".
            self.add_error(
                "target_end",
                "That day has passed: the target end must be today "
                f"({dateformat.format(self.today, 'j F Y')}) or later.",
            )
        if start and start < date(2000, 1, 1):
            self.add_error("start_date", "That start date is too far in the past.")
        return data


class PauseForm(PlainLabels, forms.Form):
    resumes_on = forms.DateField(
        label="Back on",
        widget=DateInput,
        error_messages={"required": "Choose the day you'll be back."},
    )


class PlanStartForm(PlanForm):
    modules = forms.MultipleChoiceField(
        label="Modules to keep",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Keep at least one module in the plan."},
    )

    def __init__(self, *args, module_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modules"].choices = module_choices
