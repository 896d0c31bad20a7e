"""Import an export (learners/record/export.py) into an account that has no data yet.

All or nothing: the whole file is read, checked and written in one transaction, and any
problem refuses the file with a message that says what to do, changing nothing. The checks,
in order: size, JSON, format and version, the account is empty, every module and checkpoint
named exists here, then each row (known fields, types, the model's own validation, the
database's constraints).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone

from curriculum.models import Checkpoint, Module, ModuleList
from learners.lib.jsontext import lone_surrogate
from learners.record.export import (
    ACCOUNT_INFO_ONLY,
    EXPORT_ONLY,
    FORMAT,
    VERSION,
    UnsupportedModel,
    account_fields,
    exported_models,
    field_specs,
    imported_models,
    kind_name,
    label,
    rows_of,
    user_model,
)
from learners.review import cards as review_cards
from learners.review import signals as review_signals
from learners.web.pagecache import touch

# 25 MB: a few years of notes, sessions and runs with their metric curves take a few MB; the
# whole file is parsed in memory, so the limit also bounds what one request can cost.
MAX_IMPORT_BYTES = 25 * 1024 * 1024
BATCH = 500
MAX_LISTED = 10


class ImportRefused(Exception):
    """The file can't be imported; the message says why, for the learner."""


@dataclass
class ImportResult:
    counts: Counter = field(default_factory=Counter)  # verbose plural name → rows
    notes: list[str] = field(default_factory=list)  # what was imported differently, and why

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# --- reading ---------------------------------------------------------------------------------


def read_upload(upload) -> dict:
    """The uploaded file as a checked document, or ImportRefused."""
    if upload.size > MAX_IMPORT_BYTES:
        raise ImportRefused(
            f"That file is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_IMPORT_BYTES // 1_048_576} MB. Is it a Trajectory export?"
        )
    raw = b"".join(upload.chunks())
    return parse(raw)


def _api_rules(instance) -> dict[str, list[str]]:
    """What the runs API would have refused in this row: the pages draw runs and metrics, and
    can't draw an infinite number or a malformed curve. (Not in the models' clean(): the run
    edit form, which has no config field, would then fail on rows stored before a rule.)"""
    from learners.experiments.models import Run, RunMetric
    from learners.experiments.payload import config_problems, metric_problems

    if isinstance(instance, Run) and (problems := config_problems(instance.config)):
        return {"config": problems}
    if isinstance(instance, RunMetric) and (
        problems := metric_problems(instance.value, instance.series)
    ):
        return {"series": problems}
    return {}


def _calendar_rules(instance, learner) -> dict[str, list[str]]:
    """The dates the forms and the runs API would have refused in this row. A moment (when a
    note was written, a run started, a box ticked) is from 2000 to a day from now, as the
    API's started_at; a study session's or a failure's day is one that has happened, as the
    forms' check_day(); a plan starts in 2000 or later and ends after it, within the plan
    form's limit. Pages turn every date into the learner's day and step weeks from it."""
    from learners.models import Plan, StudySession
    from learners.plans.forms import MAX_PLAN_DAYS
    from learners.record.models import Failure
    from learners.web.forms import check_day

    problems: dict[str, list[str]] = {}
    latest = timezone.now() + timedelta(days=1)
    for field_ in instance._meta.concrete_fields:
        value = getattr(instance, field_.attname)
        if isinstance(field_, models.DateTimeField) and value is not None:
            if value.year < 2000:
                problems[field_.name] = ["That is before the year 2000."]
            elif value > latest:
                problems[field_.name] = ["That is in the future."]
    days = {StudySession: "date", Failure: "happened_on"}
    if name := days.get(type(instance)):
        try:
            check_day(getattr(instance, name), learner.local_today())
        except ValidationError as error:
            problems[name] = error.messages
    if isinstance(instance, Plan):
        if instance.start_date < date(2000, 1, 1):
            problems["start_date"] = ["That start date is too far in the past."]
        elif not 0 < (instance.target_end - instance.start_date).days <= MAX_PLAN_DAYS:
            problems["target_end"] = ["The target end must be after the start, within three years."]
    return problems


def parse(raw: bytes) -> dict:
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportRefused(f"That file is over the {MAX_IMPORT_BYTES // 1_048_576} MB limit.")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportRefused(
            "That file isn't text: choose the .json file Trajectory gave you."
        ) from None
    except (ValueError, RecursionError):
        raise ImportRefused(
            "That file isn't valid JSON (it may be cut short or edited by hand). "
            "Download a fresh export and try again."
        ) from None
    where = lone_surrogate(document)
    if where is not None:
        raise ImportRefused(
            f"That file has text that isn't valid Unicode (a lone surrogate, at "
            f"{where or 'its top'}), so it wasn't written by Trajectory. Download a fresh export."
        )
    check_document(document)
    return document


def check_document(document: Any) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRefused(
            "That file isn't a Trajectory export: its “format” isn't “trajectory-export”."
        )
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ImportRefused("That export has no valid format version, so it can't be read safely.")
    if version > VERSION:
        raise ImportRefused(
            f"That export is format version {version}, made by a newer Trajectory; this site "
            f"reads version {VERSION} and older. Import it on an up-to-date site, or ask the "
            "administrator to update this one."
        )
    if not isinstance(document.get("account"), dict) or not isinstance(document.get("data"), dict):
        raise ImportRefused("That export is missing its “account” or “data” section.")
    known = {label(model) for model in exported_models()}
    unknown = sorted(set(document["data"]) - known)
    if unknown:
        raise ImportRefused(
            f"That export holds kinds of data this site doesn't know: {_listed(unknown)}."
        )
    for kind, rows in document["data"].items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ImportRefused(f"In that export, “{kind}” isn't a list of rows.")


# --- writing ---------------------------------------------------------------------------------


def import_document(learner, document: dict) -> ImportResult:
    """Write the document into `learner`'s empty account, all or nothing."""
    check_document(document)
    try:
        with transaction.atomic():
            # Lock the account: two imports at once (two tabs) must not both find it empty.
            user_model()._default_manager.select_for_update().filter(pk=learner.pk).first()
            _refuse_unless_empty(learner)
            with review_signals.held():
                result = _Importer(learner, document).run()
            # Rows made in bulk send no signal: the record's own cards (a version 1 file has
            # none) and the pages move here.
            review_cards.sync(learner)
            touch(learner.pk)
            return result
    except IntegrityError as error:
        raise ImportRefused(
            "That export contradicts itself (two rows where only one may be, or a value out "
            f"of range), so nothing was imported. The database said: {_short(error)}"
        ) from error
    except (DataError, OverflowError) as error:  # e.g. a number too large for its column
        raise ImportRefused(
            f"That export holds a value this site can't store, so nothing was imported: {_short(error)}"
        ) from error


def has_data(learner) -> list[str]:
    """The kinds of data the account holds that an import would add to (empty: none)."""
    return [kind_name(model) for model in imported_models() if rows_of(learner, model).exists()]


def _refuse_unless_empty(learner) -> None:
    kinds = has_data(learner)
    if kinds:
        raise ImportRefused(
            f"This account already holds data ({_listed(kinds)}), and an import never mixes "
            "two records. Import into a new account, or delete this one first."
        )


class _Importer:
    def __init__(self, learner, document: dict) -> None:
        self.learner = learner
        self.document = document
        self.data = document["data"]
        self.result = ImportResult()
        self.pks: dict[type[models.Model], dict[int, int]] = {}
        self.natural: dict[type[models.Model], dict] = {}
        self.now = timezone.now()

    def run(self) -> ImportResult:
        self._resolve_curriculum()
        self._apply_account()
        for model in imported_models():
            self._import_rows(model, self.data.get(label(model), []))
        skipped = [
            (model, len(self.data.get(label(model), [])))
            for model in exported_models()
            if label(model) in EXPORT_ONLY
        ]
        for model, count in skipped:
            if count:
                self.result.notes.append(
                    "Not imported, as they belong to the site that made the file: "
                    f"{count} {kind_name(model, count)}."
                )
        return self.result

    # The curriculum: every module and checkpoint named must exist here.

    def _resolve_curriculum(self) -> None:
        wanted: dict[type[models.Model], set] = {
            Module: set(),
            Checkpoint: set(),
            ModuleList: set(),
        }
        for model in imported_models():
            for spec in field_specs(model):
                if spec.kind != "natural":
                    continue
                target = spec.field.related_model
                for row in self.data.get(label(model), []):
                    value = row.get(spec.name)
                    if value is not None:
                        wanted[target].add(
                            self._natural_value(model, row, spec.name, target, value)
                        )
        modules = dict(Module.objects.filter(slug__in=wanted[Module]).values_list("slug", "pk"))
        self.natural[Module] = modules
        checkpoint_modules = {slug for slug, _ in wanted[Checkpoint]}
        self.natural[Checkpoint] = {
            (slug, key): pk
            for pk, slug, key in Checkpoint.objects.filter(
                module__slug__in=checkpoint_modules
            ).values_list("pk", "module__slug", "key")
        }
        self.natural[ModuleList] = dict(
            ModuleList.objects.filter(slug__in=wanted[ModuleList]).values_list("slug", "pk")
        )
        missing = sorted(wanted[Module] - set(modules))
        missing += sorted({slug for slug, _ in wanted[Checkpoint]} - set(modules) - set(missing))
        if missing:
            raise ImportRefused(
                f"That export refers to modules this site doesn't have: {_listed(missing)}. "
                "An administrator can load them into the curriculum; then import again."
            )
        checkpoints = sorted(wanted[Checkpoint] - set(self.natural[Checkpoint]))
        if checkpoints:
            named = [f"{slug} › {key}" for slug, key in checkpoints]
            raise ImportRefused(
                f"That export ticks checkpoints this site's modules don't have: {_listed(named)}. "
                "The modules here may be an older version of the curriculum."
            )
        lists = sorted(wanted[ModuleList] - set(self.natural[ModuleList]))
        if lists:
            self.result.notes.append(
                f"This site has no module list called {_listed(lists)}: the plans made from it "
                "were kept, without the link to the list."
            )

    @staticmethod
    def _natural_value(model, row, name, target, value):
        if target is Checkpoint:
            if (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(part, str) for part in value)
            ):
                return tuple(value)
        elif isinstance(value, str):
            return value
        raise ImportRefused(
            f"{_row_name(model, row)}: “{name}” should name a "
            f"{target._meta.verbose_name}, not {json.dumps(value)[:60]}."
        )

    # The account's preferences.

    def _apply_account(self) -> None:
        account = self.document["account"]
        fields = [f for f in account_fields() if f.name not in ACCOUNT_INFO_ONLY]
        changed = []
        for field_ in fields:
            if field_.name in account:
                setattr(self.learner, field_.attname, self._value(None, account, field_))
                changed.append(field_.name)
        if not changed:
            return
        exclude = [f.name for f in user_model()._meta.fields if f.name not in changed]
        try:
            self.learner.clean_fields(exclude=exclude)
        except ValidationError as error:
            raise ImportRefused(f"The export's account settings: {_messages(error)}") from error
        # update_fields: saving the schedule preferences moves the weekly email's next time.
        self.learner.save(update_fields=changed)

    # Rows.

    def _import_rows(self, model: type[models.Model], rows: list[dict]) -> None:
        specs = field_specs(model)
        allowed = {"id"} | {spec.name for spec in specs}
        user_field = next(
            (
                f
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is user_model()
            ),
            None,
        )
        frozen = [
            spec.field
            for spec in specs
            if getattr(spec.field, "auto_now", False) or getattr(spec.field, "auto_now_add", False)
        ]
        pks: dict[int, int] = {}
        self.pks[model] = pks
        instances: list[tuple[int, models.Model, dict]] = []
        for row in rows:
            local_id = row.get("id")
            if not isinstance(local_id, int) or isinstance(local_id, bool) or local_id < 1:
                raise ImportRefused(f"A row of “{label(model)}” has no valid “id”.")
            if local_id in pks or any(local_id == seen for seen, _, _ in instances):
                raise ImportRefused(f"{_row_name(model, row)} appears twice.")
            extra = sorted(set(row) - allowed)
            if extra:
                raise ImportRefused(
                    f"{_row_name(model, row)} has fields this site doesn't know: {_listed(extra)}."
                )
            instance = model()
            if user_field is not None:
                setattr(instance, user_field.attname, self.learner.pk)
            given = {}
            for spec in specs:
                if spec.name not in row:
                    continue  # absent: the field's default, as for a file from before the field
                value = self._field_value(model, row, spec)
                setattr(instance, spec.field.attname, value)
                given[spec.field.attname] = value
            # A row that names another person (a mentorship, a mentor's comment) says how it
            # comes back: as history, never as access (learners/mentors/models.py).
            if hasattr(instance, "as_imported"):
                instance.as_imported(self.learner, self.now)
            self._validate(model, row, instance, specs, self.learner)
            instances.append((local_id, instance, given))
        self._save(model, instances)
        for local_id, instance, _ in instances:
            pks[local_id] = instance.pk
        # Saving stamped auto_now(_add) fields with today: put the file's dates back.
        restore = [f for f in frozen if any(f.attname in given for _, _, given in instances)]
        if restore:
            objs = []
            for _, instance, given in instances:
                for field_ in restore:
                    if field_.attname in given:
                        setattr(instance, field_.attname, given[field_.attname])
                objs.append(instance)
            model._default_manager.bulk_update(objs, [f.name for f in restore], batch_size=BATCH)
        if instances:
            self.result.counts[kind_name(model, len(instances))] += len(instances)

    def _field_value(self, model, row, spec):
        value = row[spec.name]
        if spec.kind == "value":
            return self._value(model, row, spec.field)
        if value is None:
            if not spec.field.null:
                raise ImportRefused(f"{_row_name(model, row)}: “{spec.name}” can't be empty.")
            return None
        if spec.kind == "dropped":
            return None
        if spec.kind == "natural":
            target = spec.field.related_model
            key = self._natural_value(model, row, spec.name, target, value)
            return self.natural[target].get(key)  # a missing module list: kept without it
        if spec.kind == "owned":
            target = spec.field.related_model
            if label(target) in EXPORT_ONLY:
                if not spec.field.null:
                    raise ImportRefused(
                        f"{_row_name(model, row)} depends on data that isn't imported."
                    )
                return None
            if not isinstance(value, int) or isinstance(value, bool):
                raise ImportRefused(f"{_row_name(model, row)}: “{spec.name}” should be an id.")
            pk = self.pks.get(target, {}).get(value)
            if pk is None:
                raise ImportRefused(
                    f"{_row_name(model, row)} refers to {label(target)} #{value}, which isn't "
                    "in the file."
                )
            return pk
        raise UnsupportedModel(f"{label(model)}.{spec.name}: kind {spec.kind}")

    @staticmethod
    def _value(model, row, field_: models.Field):
        value = row.get(field_.name)
        text_like = (models.CharField, models.TextField, models.DateField, models.TimeField,
                     models.DecimalField)  # fmt: skip
        where = _row_name(model, row) if model else "The account"
        if value is None and not field_.null:
            # No export writes null here; saving it would fail (markdown of None, say).
            raise ImportRefused(f"{where}: “{field_.name}” can't be empty (null).")
        if value is not None and not isinstance(field_, models.JSONField):
            if isinstance(field_, text_like) and not isinstance(value, str):
                raise ImportRefused(f"{where}: “{field_.name}” should be text.")
            if isinstance(field_, models.BooleanField) and not isinstance(value, bool):
                raise ImportRefused(f"{where}: “{field_.name}” should be true or false.")
            numbers = int if isinstance(field_, models.IntegerField) else int | float
            if isinstance(field_, models.IntegerField | models.FloatField) and (
                isinstance(value, bool) or not isinstance(value, numbers)
            ):
                raise ImportRefused(f"{where}: “{field_.name}” should be a number.")
        try:
            value = field_.to_python(value)
        except ValidationError as error:
            raise ImportRefused(f"{where}: “{field_.name}”: {_messages(error)}") from error
        if isinstance(value, datetime) and timezone.is_naive(value):
            raise ImportRefused(f"{where}: “{field_.name}” needs a time zone, like …Z for UTC.")
        return value

    @staticmethod
    def _validate(model, row, instance, specs, learner) -> None:
        """The model's own validation (lengths, choices, ranges, its clean()), plus the runs
        API's rules for what only the API checks (a run's config, a metric's curve); the
        database checks the constraints when the row is written."""
        checked = {spec.name for spec in specs if spec.kind == "value"}
        exclude = [f.name for f in model._meta.fields if f.name not in checked]
        try:
            instance.clean_fields(exclude=exclude)
            _texts_within_bounds(instance, checked)
            instance.clean()
            if problems := _api_rules(instance) or _calendar_rules(instance, learner):
                raise ValidationError(problems)
        except ValidationError as error:
            raise ImportRefused(f"{_row_name(model, row)}: {_messages(error)}") from error

    @staticmethod
    def _save(model, instances) -> None:
        objs = [instance for _, instance, _ in instances]
        # A model with its own save() (rendering markdown, deriving dates) is saved row by row
        # so that logic runs; the rest go in batches when the database returns their ids.
        own_save = model.save is not models.Model.save
        if own_save or not connection.features.can_return_rows_from_bulk_insert:
            for obj in objs:
                obj.save(force_insert=True)
        else:
            model._default_manager.bulk_create(objs, batch_size=BATCH)


def _texts_within_bounds(instance, checked) -> None:
    """Django checks a TextField's max_length only in its form field, never on the model: the
    import holds each text to the bound its form keeps (a note 20,000 characters, a comment
    5,000), so a file can't store what the site's own pages would refuse."""
    for field_ in instance._meta.fields:
        if not (isinstance(field_, models.TextField) and field_.max_length):
            continue
        value = getattr(instance, field_.attname)
        if field_.name in checked and isinstance(value, str) and len(value) > field_.max_length:
            raise ValidationError(
                {
                    field_.name: f"Ensure this value has at most {field_.max_length} characters "
                    f"(it has {len(value)})."
                }
            )


# --- messages --------------------------------------------------------------------------------


def _row_name(model, row) -> str:
    return f"{label(model)} #{row.get('id', '?')}"


def _listed(items) -> str:
    items = [str(item) for item in items]
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else error.__class__.__name__
