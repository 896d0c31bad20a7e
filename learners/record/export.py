"""Everything a learner owns as one JSON document (schema: docs/export-format.md).

Built generically over `learners.lib.ownership.OWNED` and each model's `_meta`, so a field another
app adds to an owned model is exported (and imported) without a change here. References to
the curriculum are natural keys (a module's slug; a checkpoint's module slug and key; a module
list's slug), so a file moves between sites; references between the learner's own rows are
export-local ids (1, 2, 3… per kind, in the order the rows were made), never database ids.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from curriculum.models import Checkpoint, Module, ModuleList
from learners.lib.ownership import OWNED
from learners.models import User

FORMAT = "trajectory-export"
# 2: review cards, their reviews and paused modules (learners/review/), the daily review cap,
# plan pauses and revisions. 3: the reading ledger, its history and the reading passes
# (learners/papers/), a session's reading pass, ledger review cards. 4: mentorships (the mentor
# as the address invited), their scope, comments on the learner's record and review requests
# with their threads (learners/mentors/). Older files still import: what they lack is simply
# absent.
VERSION = 4

# The site's state about a learner, not the learner's record: left out of the file entirely.
NOT_EXPORTED = {
    # A stopwatch that is running right now: imported elsewhere days later, stopping it would
    # log days of study that never happened. Stopping it first turns it into a session.
    "learners.timer",
    # When this site will send the next weekly email: the importing site works that out from
    # the account's preferences.
    "weekly.weeklyschedule",
    # A mentor's looks at the record: this site's access log, about another person's doings.
    "mentors.visit",
}
# In the file for the learner to read, but never imported.
EXPORT_ONLY = {
    # A token is useless without its secret, which this site never kept: the file lists names
    # and dates; the learner makes new tokens where they import.
    "experiments.apitoken",
    # This site's delivery log of the weekly email. Imported, unfinished rows would make the
    # importing site's sender resend old weeks' emails.
    "weekly.weeklyemail",
}
# For these kinds only the listed fields are exported (the rest are secrets or server state).
ONLY_FIELDS = {
    "experiments.apitoken": {"name", "prefix", "created_at", "last_used_at", "revoked_at"},
    # The relationship as history and scope: never the invite link's secret, nor the mentor's
    # account (the address invited names them), nor this site's read marks.
    "mentors.mentorship": {"email", "message", "status", "invited_at", "sent_at", "accepted_at",
                           "ended_at", "all_plans", "notes", "failures", "runs"},
}  # fmt: skip
# The account's own fields that are never exported (secrets and permissions) ...
ACCOUNT_EXCLUDED = {
    "id",
    "password",
    "last_login",
    "is_superuser",
    "is_staff",
    "is_active",
    "groups",
    "user_permissions",
    "record_version",  # the key of this site's page cache
    "plan_version",  # the key of this site's cached plan shapes
    *User.CONCERN_VERSIONS,  # the keys of its cached dashboard sections
}
# ... and those exported for the record but not imported (the importing account keeps its own).
ACCOUNT_INFO_ONLY = {"email", "date_joined"}

# How a row of the curriculum is named in the file.
NATURAL_KEYS: dict[type[models.Model], tuple[str, ...]] = {
    Module: ("slug",),
    Checkpoint: ("module__slug", "key"),
    ModuleList: ("slug",),
}


class UnsupportedModel(Exception):
    """An owned model has a field the format can't carry: a programming error, found by tests."""


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def kind_name(model: type[models.Model], count: int | None = None) -> str:
    """The kind's name for people, singular for a count of one."""
    if count == 1:
        return str(model._meta.verbose_name)
    return str(model._meta.verbose_name_plural)


def user_model() -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(settings.AUTH_USER_MODEL)


# --- which models and fields -------------------------------------------------------------------


def exported_models() -> list[type[models.Model]]:
    """The owned models in the file, each after the models its rows refer to."""
    models_ = [model for model in OWNED if label(model) not in NOT_EXPORTED]
    ordered: list[type[models.Model]] = []
    visiting: set[type[models.Model]] = set()

    def visit(model) -> None:
        if model in ordered:
            return
        if model in visiting:
            raise UnsupportedModel(f"{label(model)}: a cycle of references between owned models")
        visiting.add(model)
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target in models_ and target is not model:
                visit(target)
        visiting.discard(model)
        ordered.append(model)

    for model in models_:
        visit(model)
    return ordered


def imported_models() -> list[type[models.Model]]:
    return [model for model in exported_models() if label(model) not in EXPORT_ONLY]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    field: models.Field
    kind: str  # "value", "owned" (export-local id), "natural" (curriculum key), "dropped"


def owner_path(model: type[models.Model]) -> str:
    """The lookup from a row of `model` to its learner, e.g. "learner" or "run__learner"; a
    model whose rows name another person too (a comment's author) says it (`OWNER_PATH`)."""
    if hasattr(model, "OWNER_PATH"):
        return model.OWNER_PATH
    user = user_model()
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is user:
            return field.name
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model in OWNED and not field.null:
            return f"{field.name}__{owner_path(field.related_model)}"
    raise UnsupportedModel(f"{label(model)}: no path to its learner")


def field_specs(model: type[models.Model]) -> list[FieldSpec]:
    """The fields of `model` that the file carries, in the model's order."""
    user = user_model()
    names = {field.name for field in model._meta.concrete_fields}
    only = ONLY_FIELDS.get(label(model))
    if model._meta.many_to_many:
        raise UnsupportedModel(f"{label(model)}: many-to-many fields aren't in the format yet")
    specs = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if only is not None and field.name not in only:
            continue
        # Rendered markdown is derived from its source field and rendered again on import:
        # carrying it would let a file inject HTML.
        if field.name.endswith("_html") and field.name.removesuffix("_html") in names:
            continue
        if field.is_relation:
            target = field.related_model
            if target is user:
                continue  # the learner: implicit, it is the whole file's owner
            if target in NATURAL_KEYS:
                specs.append(FieldSpec(field.name, field, "natural"))
            elif target in OWNED:
                kind = "dropped" if label(target) in NOT_EXPORTED else "owned"
                specs.append(FieldSpec(field.name, field, kind))
            else:
                raise UnsupportedModel(f"{label(model)}.{field.name}: a reference to {target}")
        else:
            specs.append(FieldSpec(field.name, field, "value"))
    return specs


def account_fields() -> list[models.Field]:
    return [
        field
        for field in user_model()._meta.concrete_fields
        if field.name not in ACCOUNT_EXCLUDED and not field.is_relation
    ]


def check_supported() -> None:
    """Raise UnsupportedModel if an owned model can't be carried by the format."""
    for model in exported_models():
        owner_path(model)
        field_specs(model)


def rows_of(learner, model: type[models.Model]) -> models.QuerySet:
    return model._default_manager.filter(**{owner_path(model): learner})


# --- values --------------------------------------------------------------------------------


def dump_value(field: models.Field, value):
    """A Python value as JSON: instants in UTC with microseconds, decimals as strings."""
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


# --- the document ------------------------------------------------------------------------------


def export_document(learner, *, now: datetime | None = None) -> dict:
    """Everything `learner` owns, as a JSON-ready dict."""
    check_supported()
    models_ = exported_models()
    rows = {model: list(rows_of(learner, model).order_by("pk")) for model in models_}
    local_ids = {
        model: {row.pk: index for index, row in enumerate(model_rows, start=1)}
        for model, model_rows in rows.items()
    }
    natural = _natural_keys(models_, rows)
    data = {}
    for model in models_:
        specs = field_specs(model)
        data[label(model)] = [
            _dump_row(row, specs, local_ids[model][row.pk], local_ids, natural)
            for row in rows[model]
        ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": dump_value(models.DateTimeField(), now or timezone.now()),
        "account": {
            field.name: dump_value(field, field.value_from_object(learner))
            for field in account_fields()
        },
        "data": data,
    }


def _dump_row(row, specs, local_id, local_ids, natural) -> dict:
    out = {"id": local_id}
    for spec in specs:
        value = getattr(row, spec.field.attname)
        if value is None or spec.kind == "dropped":
            out[spec.name] = None
        elif spec.kind == "owned":
            # A reference to a row the learner doesn't own (it shouldn't exist) isn't theirs
            # to export.
            out[spec.name] = local_ids.get(spec.field.related_model, {}).get(value)
        elif spec.kind == "natural":
            out[spec.name] = natural[spec.field.related_model].get(value)
        else:
            out[spec.name] = dump_value(spec.field, value)
    return out


def _natural_keys(models_, rows) -> dict[type[models.Model], dict]:
    """{curriculum model: {id: natural key}} for every curriculum row referenced: one query
    per curriculum model."""
    wanted: dict[type[models.Model], set] = {target: set() for target in NATURAL_KEYS}
    for model in models_:
        for spec in field_specs(model):
            if spec.kind == "natural":
                target = spec.field.related_model
                wanted[target] |= {getattr(row, spec.field.attname) for row in rows[model]}
    keys: dict[type[models.Model], dict] = {}
    for target, ids in wanted.items():
        ids.discard(None)
        fields = NATURAL_KEYS[target]
        found = target._default_manager.filter(pk__in=ids).values_list("pk", *fields) if ids else []
        keys[target] = {
            pk: (values[0] if len(values) == 1 else list(values)) for pk, *values in found
        }
    return keys
