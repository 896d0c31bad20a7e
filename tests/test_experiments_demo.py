"""The demo learner's runs: an LSTM's perplexity improving over three weeks, configs that
change, a few dirty runs, one failed run tied to its failure, and the transformer's first."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from curriculum.models import Module
from curriculum.seed import seed_lists
from learners.demo import DEMO_EMAIL, _Clock, seed_demo
from learners.experiments import demo, summary
from learners.experiments.compare import compare
from learners.experiments.models import ModuleMetric, Outcome, Run
from learners.lib.weeks import local_date
from learners.models import User
from learners.record.models import Failure
from tests.conftest import REPO
from tests.curriculum_helpers import load

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 3, 11, 18, tzinfo=UTC)


@pytest.fixture
def curriculum():
    load(REPO / "curriculum" / "content")
    seed_lists()


def _primary_values(runs) -> list[float]:
    return [run.metrics.get(name="val_ppl").value for run in runs]


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_demo_learner_has_three_weeks_of_lstm_runs(curriculum):
    seed_demo()
    user = User.objects.get(email=DEMO_EMAIL)
    lstm = Module.objects.get(slug=demo.LSTM)
    runs = list(Run.objects.filter(learner=user, module=lstm).order_by("started_at"))

    assert len(runs) >= 12
    assert (runs[-1].started_at - runs[0].started_at) >= timedelta(days=20)
    values = _primary_values(runs)
    assert values[0] > 200 and values[-1] < 115  # perplexity falls over the weeks
    assert len({str(run.config) for run in runs}) >= 8  # the configs vary
    assert 2 <= sum(run.git_dirty for run in runs) <= 4
    failed = [run for run in runs if run.outcome == Outcome.FAILED]
    assert len(failed) == 1 and "detach" in failed[0].notes
    expected = Failure.objects.filter(learner=user, module=lstm).first()
    if expected is None:
        assert failed[0].failure is None  # no failure was invented for it
    else:
        assert failed[0].failure.learner == user and failed[0].failure.module == lstm
    metric = ModuleMetric.objects.get(learner=user, module=lstm)
    assert (metric.name, metric.lower_is_better) == ("val_ppl", True)
    assert all(run.metrics.get(name="val_ppl").series for run in runs)
    transformer = Run.objects.filter(learner=user, module__slug=demo.TRANSFORMER)
    assert transformer.count() == 2
    assert ModuleMetric.objects.filter(learner=user, module__slug=demo.TRANSFORMER).exists()


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_demo_dashboard_sets_this_week_against_last(curriculum):
    seed_demo()
    user = User.objects.get(email=DEMO_EMAIL)
    weeks = {
        w.module_slug: w for w in summary.for_dashboard(user, None, user.local_today()).modules
    }
    lstm = weeks[demo.LSTM]
    assert lstm.this_week.value < lstm.last_week.value
    assert lstm.verdict == "better"


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_demo_has_a_same_commit_dirty_pair_to_compare(curriculum):
    seed_demo()
    user = User.objects.get(email=DEMO_EMAIL)
    clean = Run.objects.get(learner=user, name="Dropout 0.2")
    dirty = Run.objects.get(learner=user, name="Dropout 0.5 (uncommitted)")
    comparison = compare([clean, dirty], {})
    assert clean.git_sha == dirty.git_sha
    assert len(comparison.warnings) == 1
    assert {row.key for row in comparison.config if row.differs} == {"dropout"}


def test_no_demo_run_is_in_the_future_early_on_a_monday(curriculum):
    # Monday 06:00 in London: the run planned for 07:30 today is left out.
    with time_machine.travel(datetime(2026, 3, 16, 6, tzinfo=UTC), tick=False):
        seed_demo()
        user = User.objects.get(email=DEMO_EMAIL)
        assert not Run.objects.filter(learner=user, started_at__gt=datetime.now(UTC)).exists()
        assert not Run.objects.filter(learner=user, name="ASGD after epoch 8").exists()


@time_machine.travel(WEDNESDAY, tick=False)
def test_the_failed_run_is_linked_to_the_modules_failure_when_there_is_one(curriculum, alice):
    lstm = Module.objects.get(slug=demo.LSTM)
    other = Failure.objects.create(
        learner=alice, module=lstm, title="Someone else's", happened_on=date(2026, 2, 20)
    )
    mine = Failure.objects.create(
        learner=alice, module=lstm, title="Hidden state not detached", happened_on=date(2026, 2, 21)
    )
    Failure.objects.filter(pk=other.pk).update(category="concept")
    start = date(2026, 1, 26)
    demo.seed(alice, None, {demo.LSTM: lstm}, _Clock(start, alice), random.Random(1))

    failed = Run.objects.get(learner=alice, outcome=Outcome.FAILED)
    assert failed.failure == mine  # the bug, not the misunderstood concept
    assert local_date(failed.started_at, alice.tz) == start + timedelta(days=21)
    assert Failure.objects.count() == 2  # none created
