"""Forms for the reading ledger and the passes. Every field is bounded; every error says what
to fix."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from curriculum.models import LedgerKind
from learners.papers.models import CITATION_LIMIT, WORDS_LIMIT, How, PassStatus
from learners.web.forms import PlainLabels

WORDS_PLACEHOLDER = "What it says, in your own words. Markdown and $math$ work."


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValidationError("That text holds a NUL character: remove it.")
    return value


class EntryForm(PlainLabels, forms.Form):
    """A new entry of the learner's own."""

    kind = forms.ChoiceField(label="Kind", choices=LedgerKind.choices)
    section = forms.CharField(
        label="Section",
        max_length=40,
        help_text="Where in the paper: §3.2, Table 3, Eq. 1.",
        widget=forms.TextInput(attrs={"placeholder": "§3.2"}),
    )
    words = forms.CharField(
        label="In your own words",
        max_length=WORDS_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": WORDS_PLACEHOLDER}),
    )

    def clean_section(self) -> str:
        section = _no_nul(self.cleaned_data["section"].strip())
        if not section:
            raise ValidationError("Say where in the paper it is: §3.2, Table 3, Eq. 1.")
        return section

    def clean_words(self) -> str:
        words = _no_nul(self.cleaned_data["words"])
        if not words.strip():
            raise ValidationError("Write what it says first.")
        return words


class WordsForm(PlainLabels, forms.Form):
    """An entry's own words; for the learner's own entries, its section and kind too."""

    words = forms.CharField(
        label="In your own words",
        max_length=WORDS_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": WORDS_PLACEHOLDER}),
    )
    kind = forms.ChoiceField(label="Kind", choices=LedgerKind.choices)
    section = forms.CharField(label="Section", max_length=40)

    def __init__(self, *args, authored: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.authored = authored
        if authored:  # the file's section and kind
            del self.fields["kind"]
            del self.fields["section"]

    def clean_words(self) -> str:
        words = _no_nul(self.cleaned_data["words"])
        if not self.authored and not words.strip():
            raise ValidationError("Your own entry needs words: delete it instead.")
        return words

    def clean_section(self) -> str:
        section = _no_nul(self.cleaned_data["section"].strip())
        if not section:
            raise ValidationError("Say where in the paper it is: §3.2, Table 3, Eq. 1.")
        return section


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("on", "on"), ("back", "back")], required=False)
    how = forms.ChoiceField(choices=[("", "—"), *How.choices], required=False)
    run = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    citation = forms.CharField(max_length=CITATION_LIMIT, required=False)

    def clean_citation(self) -> str:
        return _no_nul(self.cleaned_data["citation"])


class PassForm(forms.Form):
    status = forms.ChoiceField(choices=PassStatus.choices)
