"""Run pages (list, per module, detail, compare), API tokens, and the client download.

Runs and tokens are looked up through one ownership helper each, so another learner's id is
a 404. Everything is plain GET pages and POST → redirect forms; no JavaScript needed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from curriculum.models import Module
from learners.experiments import charts, diffs, summary, tokens
from learners.experiments.compare import MAX_RUNS, MIN_RUNS, compare, flatten, show_value
from learners.experiments.forms import (
    NEWEST,
    OLDEST,
    ModuleMetricForm,
    RunFilterForm,
    RunForm,
    TokenForm,
)
from learners.experiments.models import ApiToken, ModuleMetric, Run, RunMetric
from learners.lib import reader
from learners.lib.ids import parse_id
from learners.lib.weeks import local_midnight

CLIENT_PATH = Path(__file__).resolve().parent / "client" / "trajectory_client.py"
RUNS_PER_PAGE = 50
PICKER_RUNS = 30
CHART_RUNS = 200  # the module page's chart of the primary metric: the latest runs


def _get_run_for_user(request: HttpRequest, pk: int) -> Run:
    run = get_object_or_404(
        Run.objects.select_related("module", "failure"), pk=pk, learner=request.user
    )
    if run.failure is not None and not reader.sees(run.failure):
        run.failure = None  # a failure the learner doesn't share with this mentor
    return run


def _get_token_for_user(request: HttpRequest, pk: int) -> ApiToken:
    return get_object_or_404(ApiToken, pk=pk, learner=request.user)


def _primary_metrics(learner, module_ids=None) -> dict[int, ModuleMetric]:
    metrics = ModuleMetric.objects.filter(learner=learner)
    if module_ids is not None:
        metrics = metrics.filter(module_id__in=module_ids)
    return {metric.module_id: metric for metric in metrics}


# --- tokens ------------------------------------------------------------------------------------


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """GET: the learner's tokens. POST: make one, and show it this once."""
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.create_token(request.user, form.cleaned_data["name"])
        except tokens.TokenLimitReached as problem:
            form.add_error("name", str(problem))
    context = {
        "form": TokenForm() if created else form,
        "tokens": ApiToken.objects.filter(learner=request.user),
        # The token in clear lives only in this response: never in a redirect, a message or
        # the session, so nothing stores it. Reloading this page does not show it again.
        "new_token": created[1] if created else None,
        "new_row": created[0] if created else None,
        "site_url": settings.SITE_URL.rstrip("/"),
        "rate_limit": tokens.RATE_LIMIT,
    }
    status = 422 if request.method == "POST" and form.errors else 200
    return render(request, "experiments/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = _get_token_for_user(request, pk)
    if tokens.revoke(token):
        messages.success(request, f"Revoked “{token.name}”. Scripts using it now get 401.")
    return redirect("token_list")


# --- run lists ---------------------------------------------------------------------------------


def _shown_metric(run: Run, primary: dict[int, ModuleMetric], sort_name: str | None):
    """(name, value) to show in a list row: the sorted-by metric, else the primary one."""
    name = sort_name or (primary[run.module_id].name if run.module_id in primary else None)
    if name is None:
        return None
    for metric in run.metrics.all():
        if metric.name == name:
            return name, metric.value
    return name, None


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    """Every run of the learner's, filtered by module, outcome and dates, sorted by a metric."""
    learner = request.user
    runs = Run.objects.for_learner(learner)
    modules = list(
        Module.objects.filter(id__in=runs.values("module_id"))
        .only("id", "slug", "title")
        .order_by("title")
    )
    metric_names = list(
        RunMetric.objects.filter(run__learner=learner)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
    form = RunFilterForm(request.GET, modules=modules, metric_names=metric_names)
    slug = form.valid("module")
    if slug:
        runs = runs.filter(module__slug=slug)
    if outcome := form.valid("outcome"):
        runs = runs.filter(outcome=outcome)
    if since := form.valid("since"):
        runs = runs.filter(started_at__gte=local_midnight(since, learner.tz))
    if until := form.valid("until"):
        runs = runs.filter(started_at__lt=local_midnight(until + timedelta(days=1), learner.tz))
    sort = form.valid("sort") or NEWEST
    sort_name = None
    if sort == OLDEST:
        runs = runs.order_by("started_at", "id")
    elif sort != NEWEST:
        sort_name, _, direction = sort.rpartition(":")
        value = F("sort_value")
        runs = runs.with_metric(sort_name, alias="sort_value").order_by(
            value.asc(nulls_last=True) if direction == "asc" else value.desc(nulls_last=True),
            "-started_at",
            "-id",
        )
    runs = runs.select_related("module").prefetch_related("metrics")
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    primary = _primary_metrics(learner)
    for run in page.object_list:
        run.shown_metric = _shown_metric(run, primary, sort_name)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "experiments/run_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "has_runs": bool(modules),
        },
    )


def _module_runs_context(request: HttpRequest, module: Module, metric_form=None) -> dict:
    learner = request.user
    metric = ModuleMetric.objects.filter(learner=learner, module=module).first()
    runs = Run.objects.for_learner(learner).filter(module=module)
    page = Paginator(runs.prefetch_related("metrics"), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    primary = {module.pk: metric} if metric else {}
    for run in page.object_list:
        run.module = module
        run.shown_metric = _shown_metric(run, primary, None)
    chart = None
    if metric is not None:
        chart = _progress_chart(learner, module, metric)
    weeks = summary.two_weeks(learner, learner.local_today(), module)
    metric_names = list(
        RunMetric.objects.filter(run__learner=learner, run__module=module)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
    metric_form = metric_form or ModuleMetricForm(instance=metric)
    if metric_names:
        metric_form.fields["name"].widget.attrs["list"] = "metric-names"
    return {
        "module": module,
        "metric": metric,
        "metric_form": metric_form,
        "metric_names": metric_names,
        "page": page,
        "chart": chart,
        "weeks": weeks[0] if weeks else None,
    }


def _progress_chart(learner, module: Module, metric: ModuleMetric):
    """The primary metric of the latest runs over time: dots, and the best so far as a line."""
    rows = list(
        Run.objects.for_learner(learner)
        .filter(module=module)
        .with_metric(metric.name)
        .filter(metric_value__isnull=False)
        .order_by("-started_at", "-id")
        .values_list("started_at", "metric_value")[:CHART_RUNS]
    )
    if not rows:
        return None
    rows.reverse()
    first_day = rows[0][0]
    points = [[(started - first_day).total_seconds() / 86400, value] for started, value in rows]
    best, best_so_far = None, []
    for day, value in points:
        if best is None or (value < best if metric.lower_is_better else value > best):
            best = value
        best_so_far.append([day, best])
    tz = learner.tz

    def day_label(days: float) -> str:
        return (first_day + timedelta(days=days)).astimezone(tz).strftime("%-d %b")

    return charts.curves_chart(
        [
            charts.Curve(label="Each run", points=points, index=2, dots=True, line=False),
            charts.Curve(label="Best so far", points=best_so_far, index=1),
        ],
        title=f"{metric.name} of each run, {'lower' if metric.lower_is_better else 'higher'} is better",
        id_prefix="module-progress-chart",
        x_label="day",
        x_format=day_label,
    )


@login_required
def module_runs(request: HttpRequest, slug: str) -> HttpResponse:
    module = get_object_or_404(Module, slug=slug)
    return render(request, "experiments/module_runs.html", _module_runs_context(request, module))


@login_required
@require_POST
def module_metric(request: HttpRequest, slug: str) -> HttpResponse:
    """Set (or, with an empty name, unset) the module's primary metric for this learner."""
    module = get_object_or_404(Module, slug=slug)
    metric = ModuleMetric.objects.filter(learner=request.user, module=module).first()
    form = ModuleMetricForm(request.POST, instance=metric)
    if not form.is_valid():
        context = _module_runs_context(request, module, metric_form=form)
        return render(request, "experiments/module_runs.html", context, status=422)
    name = form.cleaned_data["name"]
    if not name:
        ModuleMetric.objects.filter(learner=request.user, module=module).delete()
        messages.success(request, "No primary metric for this module now.")
    else:
        ModuleMetric.objects.update_or_create(
            learner=request.user,
            module=module,
            defaults={"name": name, "lower_is_better": form.cleaned_data["lower_is_better"]},
        )
        direction = "lower" if form.cleaned_data["lower_is_better"] else "higher"
        messages.success(
            request, f"Runs of this module are judged by {name}, {direction} is better."
        )
    return redirect("module_runs", slug=module.slug)


# --- one run -----------------------------------------------------------------------------------


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_run_for_user(request, pk)
    metrics = list(run.metrics.all())
    primary = ModuleMetric.objects.filter(learner=request.user, module=run.module).first()
    curves = [
        (
            metric.name,
            charts.curves_chart(
                [charts.Curve(label=run.name, points=metric.series)],
                title=f"{metric.name} by step",
                id_prefix=f"curve-{index}",
            ),
        )
        for index, metric in enumerate(metrics)
        if metric.series
    ]
    return render(
        request,
        "experiments/run_detail.html",
        {
            "run": run,
            "metrics": metrics,
            "primary": primary,
            "curves": curves,
            "config": [(key, show_value(value)) for key, value in flatten(run.config).items()]
            if run.config
            else [],
            "diff_files": diffs.parse(run.git_diff) if run.git_diff else [],
        },
    )


@login_required
def run_edit(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_run_for_user(request, pk)
    form = RunForm(request.POST or None, instance=run, learner=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Run updated.")
        return redirect(run)
    return render(
        request,
        "experiments/run_edit.html",
        {"run": run, "form": form},
        status=422 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_POST
def run_delete(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_run_for_user(request, pk)
    run.delete()
    messages.success(request, f"Deleted the run “{run.name}”.")
    return redirect("run_list")


@login_required
def run_vs_last_week(request: HttpRequest, pk: int) -> HttpResponse:
    """One click from a run to a comparison with the best run of the week before its own."""
    run = _get_run_for_user(request, pk)
    run.learner = request.user
    metric = ModuleMetric.objects.filter(learner=request.user, module=run.module).first()
    if metric is None:
        messages.error(
            request,
            "Choose this module's primary metric first: it decides which run was the best.",
        )
        return redirect("module_runs", slug=run.module.slug)
    best = summary.best_in_week_before(run, metric)
    if best is None:
        messages.info(
            request, f"No run of this module logged {metric.name} in the week before this run."
        )
        return redirect(run)
    return redirect(f"{reverse('run_compare')}?{urlencode([('run', best.pk), ('run', run.pk)])}")


# --- compare -----------------------------------------------------------------------------------


def _run_ids(request: HttpRequest) -> tuple[list[int], str]:
    ids: list[int] = []
    for raw in request.GET.getlist("run"):
        value = parse_id(raw.strip())
        if value is None:
            return [], "Runs are chosen by their numbers."
        if value not in ids:
            ids.append(value)
    if len(ids) > MAX_RUNS:
        return ids, f"Compare at most {MAX_RUNS} runs at a time."
    return ids, ""


@login_required
def run_compare(request: HttpRequest) -> HttpResponse:
    ids, problem = _run_ids(request)
    if problem or len(ids) < MIN_RUNS:
        recent = Run.objects.for_learner(request.user).select_related("module")[:PICKER_RUNS]
        return render(
            request,
            "experiments/compare_pick.html",
            {"recent": recent, "problem": problem, "chosen": ids, "max_runs": MAX_RUNS},
            status=400 if problem else 200,
        )
    found = {
        run.pk: run
        for run in Run.objects.for_learner(request.user)
        .filter(pk__in=ids)
        .select_related("module")
        .prefetch_related("metrics")
    }
    if len(found) != len(ids):
        # Another learner's run, or one that was deleted: the same answer for both.
        raise Http404("No such run.")
    runs = [found[pk] for pk in ids]
    comparison = compare(runs, _primary_metrics(request.user, {run.module_id for run in runs}))
    curves = [
        (
            name,
            charts.curves_chart(curves, title=f"{name} by step", id_prefix=f"compare-{index}"),
        )
        for index, (name, curves) in enumerate(comparison.curves.items())
    ]
    return render(
        request,
        "experiments/compare.html",
        {"comparison": comparison, "curves": curves, "ids": ids},
    )


# --- the client --------------------------------------------------------------------------------


def client_download(request: HttpRequest) -> FileResponse:
    """The logging client: one standard-library file, public like the docs that show it."""
    return FileResponse(
        CLIENT_PATH.open("rb"),
        as_attachment=True,
        filename="trajectory_client.py",
        content_type="text/x-python; charset=utf-8",
    )
