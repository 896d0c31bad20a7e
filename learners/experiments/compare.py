"""Two to five runs side by side: which settings differ, which metric is better, and whether
"the same commit" really was the same code.

Plain logic over runs whose metrics are prefetched; the view and the tests call `compare()`.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from learners.experiments.charts import Curve
from learners.experiments.models import ModuleMetric, Run

MIN_RUNS, MAX_RUNS = 2, 5
MISSING = "—"

# When a metric is nobody's primary metric, its name usually says which way is better.
HIGHER_WORDS = {
    "acc", "accuracy", "f1", "bleu", "rouge", "auc", "auroc", "precision", "recall", "score",
    "reward", "return", "throughput", "map", "ndcg", "mrr", "r2", "iou", "dice",
}  # fmt: skip
HIGHER_PHRASES = ("per_sec", "per_second", "_per_s", "/s")
LOWER_WORDS = {
    "loss", "ppl", "perplexity", "error", "err", "bpc", "bpb", "bits", "nll", "mse", "mae",
    "rmse", "wer", "cer", "time", "seconds", "latency", "fid", "kl",
}  # fmt: skip


def guess_lower_is_better(name: str) -> bool | None:
    """True for loss-like names, False for accuracy-like ones, None when the name doesn't say."""
    lowered = name.lower()
    if any(phrase in lowered for phrase in HIGHER_PHRASES):
        return False
    words = set(re.split(r"[^a-z0-9]+", lowered))
    if words & HIGHER_WORDS:
        return False
    if words & LOWER_WORDS:
        return True
    return None


def format_number(value: float | None) -> str:
    """Four significant digits, thousands separated; '—' for nothing."""
    if value is None:
        return MISSING
    if value != value or math.isinf(value):  # never stored, but never a crash either
        return str(value)
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def format_delta(delta: float) -> str:
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{format_number(abs(delta))}"


def flatten(config, prefix: str = "") -> dict[str, object]:
    """Nested settings as dotted keys: {"optim": {"lr": 1}} → {"optim.lr": 1}."""
    if isinstance(config, dict) and config:
        flat: dict[str, object] = {}
        for key, value in config.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix or "(config)": config}


def show_value(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class ConfigRow:
    key: str
    values: list[str]
    differs: bool


@dataclass
class MetricCell:
    text: str
    delta: str = ""  # against the first run
    verdict: str = ""  # better, worse, same (against the first run), or ""
    best: bool = False


@dataclass
class MetricRow:
    name: str
    cells: list[MetricCell]
    lower_is_better: bool | None
    direction_source: str  # "primary metric", "guessed from the name", or ""
    is_primary: bool = False


@dataclass
class CodeWarning:
    sha: str
    runs: list[Run]
    same_diff: bool  # every run in the group has the same uncommitted changes

    @property
    def message(self) -> str:
        names = ", ".join(f"“{run.name}”" for run in self.runs)
        if self.same_diff:
            return (
                f"{names} started from the same commit {self.sha[:7]} with the same "
                "uncommitted changes: the same code, but not code anyone can check out."
            )
        return (
            f"{names} started from the same commit {self.sha[:7]}, but the working tree was "
            "dirty: the code differed. Read their diffs before trusting the comparison."
        )


@dataclass
class Comparison:
    runs: list[Run]
    config: list[ConfigRow]
    metrics: list[MetricRow]
    warnings: list[CodeWarning]
    curves: dict[str, list[Curve]] = field(default_factory=dict)

    @property
    def differing(self) -> int:
        return sum(1 for row in self.config if row.differs)


def compare(runs: list[Run], primary: dict[int, ModuleMetric]) -> Comparison:
    """`runs` with `metrics` prefetched, in the order chosen (the first is the baseline);
    `primary` maps module ids to the learner's primary metric for that module."""
    return Comparison(
        runs=runs,
        config=_config_rows(runs),
        metrics=_metric_rows(runs, primary),
        warnings=_code_warnings(runs),
        curves=_curves(runs),
    )


def _config_rows(runs: list[Run]) -> list[ConfigRow]:
    flats = [flatten(run.config) if run.config else {} for run in runs]
    keys = sorted({key for flat in flats for key in flat})
    rows = []
    for key in keys:
        raw = [flat.get(key, MISSING) for flat in flats]
        canonical = {_canonical(value) for value in raw}
        rows.append(
            ConfigRow(
                key=key,
                values=[MISSING if value is MISSING else show_value(value) for value in raw],
                differs=len(canonical) > 1,
            )
        )
    return rows


def _canonical(value):
    """A hashable form in which 1 and 1.0 are equal but True and 1 are not (unlike Python)."""
    if value is MISSING:
        return ("missing",)
    if isinstance(value, bool) or value is None:
        return ("const", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, list):
        return ("list", tuple(_canonical(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _canonical(v)) for k, v in value.items())))
    return ("text", str(value))


def _direction(
    name: str, runs: list[Run], primary: dict[int, ModuleMetric]
) -> tuple[bool | None, str, bool]:
    for run in runs:
        chosen = primary.get(run.module_id)
        if chosen is not None and chosen.name == name:
            return chosen.lower_is_better, "primary metric", True
    guess = guess_lower_is_better(name)
    return guess, ("guessed from the name" if guess is not None else ""), False


def _metric_rows(runs: list[Run], primary: dict[int, ModuleMetric]) -> list[MetricRow]:
    values: list[dict[str, float]] = [
        {metric.name: metric.value for metric in run.metrics.all()} for run in runs
    ]
    names = sorted({name for per_run in values for name in per_run})
    rows = []
    for name in names:
        lower, source, is_primary = _direction(name, runs, primary)
        numbers = [per_run.get(name) for per_run in values]
        present = [number for number in numbers if number is not None]
        best = None
        if lower is not None and len(present) > 1 and len(set(present)) > 1:
            best = min(present) if lower else max(present)
        baseline = numbers[0]
        cells = []
        for index, number in enumerate(numbers):
            cell = MetricCell(
                text=format_number(number), best=number is not None and number == best
            )
            if index and number is not None and baseline is not None:
                delta = number - baseline
                cell.delta = format_delta(delta)
                if baseline:
                    cell.delta += f" ({delta / abs(baseline):+.1%})".replace("-", "−")
                if lower is not None:
                    if delta == 0:
                        cell.verdict = "same"
                    else:
                        cell.verdict = "better" if (delta < 0) == lower else "worse"
            cells.append(cell)
        rows.append(MetricRow(name, cells, lower, source, is_primary))
    rows.sort(key=lambda row: not row.is_primary)  # the primary metric first, then by name
    return rows


def _code_warnings(runs: list[Run]) -> list[CodeWarning]:
    by_sha: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        if run.git_sha:
            by_sha[run.git_sha].append(run)
    warnings = []
    for sha, group in by_sha.items():
        if len(group) > 1 and any(run.git_dirty for run in group):
            digests = {run.diff_digest if run.git_dirty else "" for run in group}
            same = len(digests) == 1 and all(run.git_dirty for run in group)
            truncated = any(run.git_diff_truncated for run in group)
            warnings.append(CodeWarning(sha=sha, runs=group, same_diff=same and not truncated))
    return warnings


def _curves(runs: list[Run]) -> dict[str, list[Curve]]:
    curves: dict[str, list[Curve]] = defaultdict(list)
    for index, run in enumerate(runs):
        for metric in run.metrics.all():
            if metric.series:
                curves[metric.name].append(
                    Curve(label=run.name, points=metric.series, index=index + 1)
                )
    return dict(sorted(curves.items()))
