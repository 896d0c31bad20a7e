"""Access cases for the experiments area's URLs (see tests/access_cases.py), and the small
builders its tests share (`make_run`, `make_token`).

The API route is listed as Case("api") so the URLconf walk counts it; it is tried as owner,
another learner, no token, revoked token and session cookie in tests/test_api_access.py.
"""

from __future__ import annotations

from datetime import datetime

from learners.experiments.models import ApiToken, ModuleMetric, Run, RunMetric
from learners.experiments.tokens import create_token
from tests.access_cases import Case

CASES: dict = {
    "api_runs": Case("api"),
    "token_list": Case("own"),
    "token_revoke": Case("object", method="POST", args=("experiments_token",)),
    "run_list": Case("own"),
    "run_compare": Case("own"),
    "run_detail": Case("object", args=("experiments_run",)),
    "run_edit": Case("object", args=("experiments_run",)),
    "run_delete": Case("object", method="POST", args=("experiments_run",)),
    "run_vs_last_week": Case("object", args=("experiments_run",)),
    "module_runs": Case("own", args=("module",)),
    "module_metric": Case(
        "own",
        method="POST",
        args=("module",),
        data=(("name", "val_loss"), ("lower_is_better", "on")),
    ),
    "client_download": Case("public"),
}


def make_run(
    learner,
    module,
    *,
    metrics: dict | None = None,
    series: dict | None = None,
    started_at: datetime | None = None,
    **fields,
) -> Run:
    """A run with `metrics` {name: value} and optional `series` {name: [[step, value], …]}."""
    fields.setdefault("name", "A run")
    if started_at is not None:
        fields["started_at"] = started_at
    run = Run(learner=learner, module=module, **fields)
    run.save()
    series = series or {}
    names = list(metrics or {}) + [name for name in series if name not in (metrics or {})]
    RunMetric.objects.bulk_create(
        RunMetric(
            run=run,
            name=name,
            value=(metrics or {}).get(name, series.get(name, [[0, 0]])[-1][1]),
            series=series.get(name, []),
        )
        for name in names
    )
    return run


def make_token(learner, name: str = "laptop") -> tuple[ApiToken, str]:
    return create_token(learner, name)


def extend_world(world) -> dict:
    alice, module = world["alice"], world["modules"][0]
    run = make_run(
        alice,
        module,
        name="alice's private run",
        config={"lr": 0.1},
        metrics={"val_loss": 2.5},
        git_sha="a" * 40,
    )
    ModuleMetric.objects.create(learner=alice, module=module, name="val_loss")
    token, _ = make_token(alice)
    return {"experiments_run": run.pk, "experiments_token": token.pk}


def owners_rows(world) -> list:
    alice = world["alice"]
    return [
        list(Run.objects.filter(learner=alice).values()),
        list(RunMetric.objects.filter(run__learner=alice).values()),
        list(ApiToken.objects.filter(learner=alice).values()),
        list(ModuleMetric.objects.filter(learner=alice).values()),
    ]
