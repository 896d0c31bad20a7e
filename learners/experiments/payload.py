"""The JSON body of `POST /api/v1/runs`: parsed, checked field by field, and turned into a run.

Every problem is reported at its field (`"git.sha"`, `"metrics.val_ppl.series"`), all at once,
so a script's author fixes them in one go. Nothing is saved unless everything is valid.
docs/api.md lists the fields and limits; keep the two in step.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from learners.experiments.models import Outcome
from learners.lib.jsontext import lone_surrogate

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB: a long diff, a config and a few curves fit easily
MAX_DIFF_CHARS = 256 * 1024  # longer diffs are cut here and flagged, not refused
MAX_NAME = 200
MAX_BRANCH = 200
MAX_COMMAND = 10_000
MAX_NOTES = 20_000
MAX_METRICS = 50
MAX_METRIC_NAME = 100
MAX_SERIES_POINTS = 10_000
MAX_CONFIG_DEPTH = 8
MAX_CONFIG_LEAVES = 1_000
MAX_IDEMPOTENCY_KEY = 200
BIGINT = 2**63  # Run.seed is a 64-bit signed integer

FIELDS = {
    "module",
    "name",
    "started_at",
    "git",
    "command",
    "config",
    "seed",
    "metrics",
    "outcome",
    "notes",
}
GIT_FIELDS = {"sha", "branch", "dirty", "diff", "diff_truncated"}
SHA = re.compile(r"^[0-9a-f]{7,40}$")
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")
IDEMPOTENCY_KEY = re.compile(rf"^[\x21-\x7e]{{1,{MAX_IDEMPOTENCY_KEY}}}$")


class BadJson(Exception):
    pass


@dataclass
class RunInput:
    """A valid request, ready to save."""

    module: str
    name: str
    started_at: datetime | None
    git_sha: str = ""
    git_branch: str = ""
    git_dirty: bool = False
    git_diff: str = ""
    git_diff_truncated: bool = False
    command: str = ""
    config: dict = field(default_factory=dict)
    seed: int | None = None
    metrics: dict[str, tuple[float, list[list[float]]]] = field(default_factory=dict)
    outcome: str = Outcome.INCONCLUSIVE
    notes: str = ""


def parse_json(body: bytes):
    """The body as JSON; BadJson with a readable reason otherwise."""

    def refuse_constant(name: str):
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        data = json.loads(body.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError as error:
        raise BadJson("The body is not UTF-8.") from error
    except RecursionError as error:
        raise BadJson("The body is nested too deeply.") from error
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise BadJson(f"The body is not valid JSON: {error}") from error
    where = lone_surrogate(data)
    if where is not None:
        raise BadJson(
            f"The text at {where or 'the top'} is not valid Unicode: it has a lone surrogate "
            "(an escape like \\ud800 without its pair)."
        )
    return data


def request_hash(data) -> str:
    """sha256 of the request in canonical form: the same JSON, however its keys were ordered."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def valid_idempotency_key(key: str) -> bool:
    return bool(IDEMPOTENCY_KEY.match(key))


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)


def validate(data, *, now: datetime | None = None) -> tuple[RunInput | None, dict[str, list[str]]]:
    """(RunInput, {}) for a valid body, else (None, {field: [messages]})."""
    now = now or timezone.now()
    errors = _Errors()
    if not isinstance(data, dict):
        errors.add("body", 'Send a JSON object: {"module": …, "metrics": …}.')
        return None, errors.fields
    for name in sorted(set(data) - FIELDS):
        errors.add(name[:100], "Unknown field.")

    module = data.get("module")
    if module is None:
        errors.add("module", "Required: the slug of the module this run belongs to.")
    elif not isinstance(module, str) or not SLUG.match(module):
        errors.add("module", "A module slug, like “lstm-language-model”.")

    name = _text(data, "name", MAX_NAME, errors)
    if "name" in data and isinstance(data["name"], str) and not data["name"].strip():
        errors.add("name", "Give the run a name, or leave the field out.")
    started_at = _started_at(data.get("started_at"), now, errors)
    git = _git(data.get("git"), errors)
    command = _text(data, "command", MAX_COMMAND, errors)
    notes = _text(data, "notes", MAX_NOTES, errors)
    config = _config(data.get("config"), errors)
    seed = _seed(data.get("seed"), errors)
    metrics = _metrics(data.get("metrics"), errors)
    outcome = data.get("outcome", Outcome.INCONCLUSIVE)
    if outcome not in Outcome.values:
        errors.add("outcome", f"One of: {', '.join(Outcome.values)}.")

    if errors.fields:
        return None, errors.fields
    return (
        RunInput(
            module=module,
            name=name.strip() if name else "",
            started_at=started_at,
            command=command,
            config=config,
            seed=seed,
            metrics=metrics,
            outcome=outcome,
            notes=notes,
            **git,
        ),
        {},
    )


def _text(data: dict, name: str, limit: int, errors: _Errors) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(name, "A string.")
        return ""
    if len(value) > limit:
        errors.add(name, f"At most {limit:,} characters (this one has {len(value):,}).")
        return ""
    if "\x00" in value:
        errors.add(name, "No NUL characters.")
        return ""
    return value


def _started_at(value, now: datetime, errors: _Errors) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add("started_at", "An ISO 8601 date and time with its offset, a string.")
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.add("started_at", "An ISO 8601 date and time, like 2026-03-02T14:05:00+01:00.")
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        errors.add(
            "started_at", "Give the time zone offset (or Z): a time without one is ambiguous."
        )
        return None
    if moment > now + timedelta(days=1):
        errors.add("started_at", "That is in the future.")
        return None
    if moment.year < 2000:
        errors.add("started_at", "That is before the year 2000.")
        return None
    return moment


def _git(value, errors: _Errors) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("git", 'An object: {"sha": …, "branch": …, "dirty": …, "diff": …}.')
        return {}
    for name in sorted(set(value) - GIT_FIELDS):
        errors.add(f"git.{name[:100]}", "Unknown field.")
    result: dict = {}
    sha = value.get("sha")
    if sha is not None:
        if not isinstance(sha, str) or not SHA.match(sha.lower()):
            errors.add("git.sha", "A commit SHA: 7 to 40 hexadecimal characters.")
        else:
            result["git_sha"] = sha.lower()
    branch = value.get("branch")
    if branch is not None:
        if not isinstance(branch, str) or len(branch) > MAX_BRANCH or "\x00" in branch:
            errors.add("git.branch", f"A branch name, at most {MAX_BRANCH} characters.")
        else:
            result["git_branch"] = branch
    for flag in ("dirty", "diff_truncated"):
        if flag in value and not isinstance(value[flag], bool):
            errors.add(f"git.{flag}", "true or false.")
    dirty = value.get("dirty") is True
    diff = value.get("diff")
    truncated = value.get("diff_truncated") is True
    if diff is not None:
        if not isinstance(diff, str) or "\x00" in diff:
            errors.add("git.diff", "The output of `git diff`, as a string.")
            diff = None
        elif diff and not dirty:
            errors.add("git.diff", 'A diff means the working tree was dirty: send "dirty": true.')
            diff = None
    if diff:
        if len(diff) > MAX_DIFF_CHARS:
            # Cut at a line end where possible, so the last line shown is a whole one.
            cut = diff.rfind("\n", 0, MAX_DIFF_CHARS)
            diff = diff[: cut + 1 if cut > 0 else MAX_DIFF_CHARS]
            truncated = True
        result["git_diff"] = diff
    result["git_dirty"] = dirty
    result["git_diff_truncated"] = truncated and dirty
    return result


def _config(value, errors: _Errors) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("config", 'An object of hyperparameters: {"lr": 0.001, …}.')
        return {}
    leaves = 0

    def walk(node, depth: int) -> bool:
        nonlocal leaves
        if depth > MAX_CONFIG_DEPTH:
            errors.add("config", f"Nested at most {MAX_CONFIG_DEPTH} levels deep.")
            return False
        if isinstance(node, dict):
            if not node:
                leaves += 1
            return all(walk(child, depth + 1) for child in node.values())
        if isinstance(node, list):
            if not node:
                leaves += 1
            return all(walk(child, depth + 1) for child in node)
        if isinstance(node, float) and not math.isfinite(node):
            errors.add("config", "Numbers must be finite.")
            return False
        if isinstance(node, int) and abs(node) > sys.float_info.max:
            # No double holds it: comparing runs (which reads numbers as floats) could not.
            errors.add("config", "Numbers must be finite: at most about 1.8e308.")
            return False
        if isinstance(node, str) and "\x00" in node:
            errors.add("config", "No NUL characters.")
            return False
        leaves += 1
        return True

    if not walk(value, 0):
        return {}
    if leaves > MAX_CONFIG_LEAVES:
        errors.add("config", f"At most {MAX_CONFIG_LEAVES:,} values.")
        return {}
    if any("\x00" in key for key in _keys(value)):
        errors.add("config", "No NUL characters in keys.")
        return {}
    return value


def config_problems(value) -> list[str]:
    """What is wrong with a run's config, by the rules above (for rows that arrive another
    way than this API: Run.clean(), for an imported export)."""
    errors = _Errors()
    _config(value, errors)
    return errors.fields.get("config", [])


def metric_problems(value, series) -> list[str]:
    """What is wrong with a metric's final value and curve, by the rules above."""
    errors = _Errors()
    if _number(value) is None:
        errors.add("metric", "The value must be a finite number.")
    _series(series, "metric", errors)
    return errors.fields.get("metric", [])


def _keys(node):
    if isinstance(node, dict):
        for key, child in node.items():
            yield key
            yield from _keys(child)
    elif isinstance(node, list):
        for child in node:
            yield from _keys(child)


def _seed(value, errors: _Errors) -> int | None:
    if value is None:
        return None
    # bool is an int in Python; `true` is not a seed.
    if isinstance(value, bool) or not isinstance(value, int) or not -BIGINT <= value < BIGINT:
        errors.add("seed", "An integer that fits in 64 bits.")
        return None
    return value


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value) if abs(value) < 1e308 else math.inf
    return number if math.isfinite(number) else None


def _metrics(value, errors: _Errors) -> dict[str, tuple[float, list[list[float]]]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(
            "metrics",
            'An object: {"val_ppl": 112.3} or {"val_ppl": {"value": …, "series": [[step, value], …]}}.',
        )
        return {}
    if len(value) > MAX_METRICS:
        errors.add("metrics", f"At most {MAX_METRICS} metrics.")
        return {}
    result = {}
    for name, item in value.items():
        where = f"metrics.{name[:MAX_METRIC_NAME]}"
        if not name.strip() or len(name) > MAX_METRIC_NAME or "\x00" in name:
            errors.add(where, f"A metric name of 1 to {MAX_METRIC_NAME} characters.")
            continue
        if name != name.strip():
            errors.add(where, "No spaces at the start or end of a metric name.")
            continue
        if isinstance(item, dict):
            for extra in sorted(set(item) - {"value", "series"}):
                errors.add(f"{where}.{extra[:100]}", "Unknown field.")
            series = _series(item.get("series"), f"{where}.series", errors)
            if "value" in item:
                number = _number(item["value"])
                if number is None:
                    errors.add(f"{where}.value", "A finite number.")
                    continue
            elif series:
                number = series[-1][1]  # the curve's last point is the final value
            else:
                errors.add(where, "Give a value, a series, or both.")
                continue
            if series is None:
                continue
            result[name] = (number, series)
        else:
            number = _number(item)
            if number is None:
                errors.add(where, 'A finite number, or {"value": …, "series": …}.')
                continue
            result[name] = (number, [])
    return result


def _series(value, where: str, errors: _Errors) -> list[list[float]] | None:
    """[[step, value], …] with finite numbers, or None after reporting an error."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(where, "A list of [step, value] pairs.")
        return None
    if len(value) > MAX_SERIES_POINTS:
        errors.add(where, f"At most {MAX_SERIES_POINTS:,} points; log every nth step.")
        return None
    points = []
    for index, point in enumerate(value):
        if not isinstance(point, list) or len(point) != 2:
            errors.add(where, f"Point {index} is not a [step, value] pair.")
            return None
        step, number = _number(point[0]), _number(point[1])
        if step is None or number is None:
            errors.add(where, f"Point {index} has a value that is not a finite number.")
            return None
        points.append([int(step) if step == int(step) else step, number])
    return points
