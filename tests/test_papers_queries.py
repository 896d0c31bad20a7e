"""The module page of a paper and the dashboard read the ledger in a fixed number of queries,
whatever its size (5 or 200 entries, with their history)."""

from __future__ import annotations

import pytest

from learners.experiments import summary as experiments
from learners.mentors import sections as mentor_sections
from learners.models import StudySession
from learners.papers import ledger as papers
from learners.papers.models import Entry
from learners.record import summary as record
from learners.review import summary as review
from tests.factories import make_modules, make_paper, make_plan

pytestmark = pytest.mark.django_db


def _ledger_of(learner, size: int):
    paper = make_paper(size // 2)
    papers.for_module(learner, paper)  # the first view makes the authored items' entries
    for i in range(size - size // 2):
        papers.add(learner, paper, kind="symbol", section=f"§{i}", words=f"$x_{i}$ is a thing")
    for index, entry in enumerate(Entry.objects.filter(learner=learner).order_by("id")):
        if index % 2:
            papers.move(entry)
        if index % 4 == 1:
            papers.move(entry, how="hand")
    return paper


@pytest.mark.parametrize("size", [5, 200])
def test_a_papers_module_page_reads_its_ledger_in_a_fixed_number_of_queries(
    client, alice, django_assert_num_queries, size
):
    modules = make_modules(3)
    paper = _ledger_of(alice, size)
    make_plan(alice, [*modules, paper])
    StudySession.objects.create(
        learner=alice, module=paper, date=alice.local_today(), minutes=30, reading_pass="skim"
    )
    client.force_login(alice)
    # session, user; module, topics, prerequisites, checkpoints; progress, ticks, active plan,
    # its item, notes, sessions, their total, confidence ratings, timer; the record,
    # experiments and review sections; then the ledger: its items, the learner's entries, their
    # history, the passes' statuses, minutes per pass, runs to link; the mentors' sections
    with django_assert_num_queries(
        15
        + record.MODULE_QUERIES
        + experiments.MODULE_QUERIES
        + review.MODULE_QUERIES
        + papers.MODULE_QUERIES
        + mentor_sections.PAGE_QUERIES
    ):
        response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert response.text.count('class="ledger-entry state-') == size


@pytest.mark.parametrize("size", [5, 200])
def test_the_dashboards_papers_cost_the_same_whatever_the_ledgers_size(
    client, alice, django_assert_num_queries, size
):
    modules = make_modules(3)
    paper = _ledger_of(alice, size)
    make_plan(alice, [*modules, paper])
    client.force_login(alice)
    # as in tests/test_dashboard.py, with the papers in progress and their counts (1)
    with django_assert_num_queries(
        14
        + record.DASHBOARD_QUERIES
        + experiments.DASHBOARD_QUERIES
        + review.DASHBOARD_QUERIES
        + papers.DASHBOARD_QUERIES
    ):
        response = client.get("/")
    assert response.status_code == 200
    module_ledger = papers.for_module(alice, paper)
    assert (
        f'Owned <strong data-count="paper-owned-{paper.slug}">{module_ledger.owned}</strong> of {size}'
        in response.text
    )
