"""Forms for failures: the full form, and the quick capture on the dashboard and module page.

Every field is bounded and every error says what to fix at the field.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from curriculum.models import Module
from learners.accounts.forms import password_matches
from learners.record.models import MAX_MINUTES_LOST, Category, Failure
from learners.web.forms import DateInput, PlainLabels, check_day

TEXT_LIMIT = 20_000
WHAT_HAPPENED_PLACEHOLDER = (
    "What you saw, what you tried, what it turned out to be. Markdown works."
)
LESSON_PLACEHOLDER = "The rule you'll follow next time, e.g. “Check step-0 loss against ln V.”"


def _clean_title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError("Name the failure in a few words.")
    return value


def module_field_queryset(current: Module | None = None):
    """Active modules, plus the failure's own module if it has since been retired."""
    modules = Module.objects.active()
    if current is not None:
        modules = modules | Module.objects.filter(pk=current.pk)
    return modules.order_by("title").only("id", "slug", "title")


class FailureForm(PlainLabels, forms.ModelForm):
    module = forms.ModelChoiceField(
        queryset=Module.objects.none(),
        to_field_name="slug",
        empty_label="— choose a module —",
        error_messages={
            "required": "Choose the module it happened in.",
            "invalid_choice": "Choose a module from the list.",
        },
    )

    class Meta:
        model = Failure
        fields = [
            "module",
            "title",
            "category",
            "happened_on",
            "minutes_lost",
            "what_happened",
            "lesson",
            "resolved",
        ]
        labels = {
            "title": "What went wrong",
            "category": "Kind of failure",
            "happened_on": "When",
            "minutes_lost": "Time lost (minutes)",
            "what_happened": "What happened",
            "lesson": "Lesson learned",
            "resolved": "Resolved",
        }
        help_texts = {
            "lesson": "Leave it empty until you know; the failure stays open for it.",
        }
        error_messages = {
            "title": {"required": "Name the failure in a few words."},
            "happened_on": {"required": "Say which day it happened."},
        }
        widgets = {
            "happened_on": DateInput,
            "title": forms.TextInput(attrs={"placeholder": "e.g. Hidden state not detached"}),
            "what_happened": forms.Textarea(
                attrs={"rows": 6, "placeholder": WHAT_HAPPENED_PLACEHOLDER}
            ),
            "lesson": forms.Textarea(attrs={"rows": 4, "placeholder": LESSON_PLACEHOLDER}),
        }

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        current = self.instance.module if self.instance.module_id else None
        self.fields["module"].queryset = module_field_queryset(current)
        if current is not None:
            # The instance's initial is its module's id; the select's values are slugs.
            self.initial["module"] = current.slug
        self.fields["minutes_lost"].widget.attrs.update(
            {"min": 0, "max": MAX_MINUTES_LOST, "inputmode": "numeric"}
        )
        for name in ("what_happened", "lesson"):
            self.fields[name].widget.attrs["maxlength"] = TEXT_LIMIT

    def clean_title(self) -> str:
        return _clean_title(self.cleaned_data["title"])

    def clean_happened_on(self) -> date:
        return check_day(self.cleaned_data["happened_on"], self.today)


class CaptureForm(PlainLabels, forms.Form):
    """The quick capture: a module, a title, a kind, and (optionally) the lesson and details.

    `modules` are the (slug, title) pairs the select offers; with one module (the module page)
    the field is hidden. Any active module is accepted: the choices are a convenience.
    """

    module = forms.CharField(
        max_length=120, error_messages={"required": "Choose the module it happened in."}
    )
    title = forms.CharField(
        label="What went wrong",
        max_length=200,
        error_messages={"required": "Name the failure in a few words."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. Causal mask off by one"}),
    )
    category = forms.ChoiceField(label="Kind", choices=Category.choices, initial=Category.BUG)
    lesson = forms.CharField(
        label="Lesson learned (optional)",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": LESSON_PLACEHOLDER}),
    )
    what_happened = forms.CharField(
        label="What happened",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": WHAT_HAPPENED_PLACEHOLDER}),
    )
    minutes_lost = forms.IntegerField(
        label="Time lost (minutes)",
        required=False,
        min_value=0,
        max_value=MAX_MINUTES_LOST,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, modules: list[tuple[str, str]], **kwargs) -> None:
        kwargs.setdefault("prefix", "capture")
        super().__init__(*args, **kwargs)
        self.module_choices = modules
        if len(modules) == 1:
            self.fields["module"].widget = forms.HiddenInput()
        else:
            self.fields["module"].label = "Module"
            self.fields["module"].widget = forms.Select(
                choices=[("", "— choose a module —"), *modules]
            )

    def clean_module(self) -> Module:
        module = Module.objects.active().filter(slug=self.cleaned_data["module"]).first()
        if module is None:
            raise ValidationError("Choose a module from the list.")
        return module

    def clean_title(self) -> str:
        return _clean_title(self.cleaned_data["title"])

    @property
    def has_details(self) -> bool:
        """Open the "more" disclosure when it holds something (or an error)."""
        return any(
            self[name].value() or self[name].errors for name in ("what_happened", "minutes_lost")
        )


class ResolveForm(forms.Form):
    # Present = resolved: the desired state, so a double click resolves once.
    resolved = forms.BooleanField(required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Export file (.json)",
        error_messages={
            "required": "Choose the .json file you downloaded from “Download everything”.",
            "empty": "That file is empty.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )


NOTHING_DELETED = "Nothing was deleted."


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type your password to confirm."},
    )

    def __init__(self, *args, user, address: str = "", device: str = "", **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.address = address  # the client's, for the password throttle
        self.device = device  # this browser's, if it is a known device of the account

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not password_matches(
            self.user, password, self.address, unchanged=NOTHING_DELETED, device=self.device
        ):
            raise ValidationError(f"That isn't your password. {NOTHING_DELETED}")
        return password
