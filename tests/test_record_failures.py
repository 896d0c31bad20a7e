"""The failure log: quick capture (dashboard, module page, common failures), the full form,
resolving, the log with its filters and counts, lessons learned, and the dashboard section."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from learners.models import Plan, PlanStatus
from learners.record import summary
from learners.record.models import Category, Failure
from learners.record.views import FAILURES_PER_PAGE
from tests.factories import make_modules, make_plan
from tests.hostile import HTMX_PAYLOADS, active_content, payloads

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def modules(client, alice):
    modules = make_modules(3)
    modules[1].common_failures = [
        {"title": "Hidden state not detached", "detail": "Memory climbs every batch."},
        {"title": "Targets not shifted", "detail": "The model copies its input."},
    ]
    modules[1].save(update_fields=["common_failures"])
    make_plan(alice, modules)
    client.force_login(alice)
    return modules


def capture(client, module, *, page="dashboard", htmx=True, next=None, **fields):
    data = {"page": page, "capture-module": module.slug, "capture-category": "bug"}
    if next:
        data["next"] = next
    data |= {f"capture-{name}": value for name, value in fields.items()}
    return client.post("/failures/capture/", data, headers=HTMX if htmx else {})


def failure(learner, module, **fields) -> Failure:
    fields.setdefault("title", "A failure")
    fields.setdefault("happened_on", learner.local_today())
    return Failure.objects.create(learner=learner, module=module, **fields)


def element(html: str, element_id: str) -> str:
    """The outer HTML of the element with `element_id` (sections here don't nest themselves)."""
    start = html.index(f'id="{element_id}"')
    start = html.rindex("<", 0, start)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth, position = 0, start
    for match in re.finditer(rf"<(/?){tag}\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = start + match.end()
            break
    return html[start : html.index(">", position) + 1]


# --- the model ---------------------------------------------------------------------------------


def test_a_lesson_is_dated_when_first_written_and_undated_when_removed(alice, modules):
    item = failure(alice, modules[0])
    assert item.lesson_at is None
    item.lesson = "Check the mask"
    item.save(update_fields=["lesson"])
    first = Failure.objects.get(pk=item.pk).lesson_at
    assert first is not None
    item.lesson = "Check the mask on a 4×4 example"
    item.save(update_fields=["lesson"])
    assert Failure.objects.get(pk=item.pk).lesson_at == first  # edited, not learned again
    item.lesson = "  "
    item.save(update_fields=["lesson"])
    assert Failure.objects.get(pk=item.pk).lesson_at is None


def test_resolving_is_a_state_not_a_toggle(alice, modules):
    item = failure(alice, modules[0])
    assert item.set_resolved(True) is True
    at = Failure.objects.get(pk=item.pk).resolved_at
    assert at is not None
    assert item.set_resolved(True) is False  # a double click resolves once
    assert Failure.objects.get(pk=item.pk).resolved_at == at
    assert item.set_resolved(False) is True
    assert Failure.objects.get(pk=item.pk).resolved_at is None


def test_the_database_refuses_a_resolved_date_on_an_open_failure(alice, modules):
    item = failure(alice, modules[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Failure.objects.filter(pk=item.pk).update(resolved_at=timezone.now())


def test_the_database_refuses_an_absurd_time_lost(alice, modules):
    item = failure(alice, modules[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Failure.objects.filter(pk=item.pk).update(minutes_lost=100_001)


def test_markdown_is_rendered_and_sanitized_on_save(alice, modules):
    item = failure(
        alice, modules[0], what_happened="**loss** <script>x</script>", lesson="*clip* it"
    )
    assert "<strong>loss</strong>" in item.what_happened_html
    assert "<script" not in item.what_happened_html
    assert "<em>clip</em>" in item.lesson_html


# --- quick capture -----------------------------------------------------------------------------


def test_capturing_on_the_dashboard_answers_a_fresh_form_and_the_updated_section(
    client, alice, modules
):
    response = capture(
        client,
        modules[0],
        title="Mask built the wrong way",
        lesson="Test the mask on a **4×4** example",
        category="bug",
    )
    assert response.status_code == 200
    text = response.text
    assert text.lstrip().startswith('<section id="record-capture"')
    assert "Logged “" in text and "with its lesson" in text
    recent = element(text, "record-recent")
    assert 'data-hx-swap-oob="true"' in recent
    assert "Mask built the wrong way" in recent
    assert "Test the mask on a <strong>4×4</strong> example" in recent
    assert '<strong data-count="lessons-this-plan">1</strong>' in recent
    saved = Failure.objects.get(learner=alice)
    assert saved.plan == Plan.objects.get(learner=alice)
    assert saved.happened_on == alice.local_today()
    assert saved.lesson_at is not None
    assert saved.module == modules[0]
    # The fresh form keeps the module just used selected, and is empty otherwise.
    form = element(text, "record-capture")
    assert f'<option value="{modules[0].slug}" selected>' in form
    assert 'name="capture-title" placeholder' in form  # no value: empty again


def test_an_out_of_band_answer_never_replaces_a_half_written_capture(client, alice, modules):
    # A failure resolved elsewhere moves the dashboard's section, never the capture form.
    item = failure(alice, modules[0])
    text = client.post(
        f"/failures/{item.pk}/resolve/", {"resolved": "on", "page": "dashboard"}, headers=HTMX
    ).text
    assert 'id="record-recent"' in text
    assert 'id="record-capture"' not in text
    # A tick can't change the failure log: the section isn't sent at all.
    checkpoint = modules[0].checkpoints.first()
    text = client.post(
        f"/modules/{modules[0].slug}/checkpoints/{checkpoint.key}/",
        {"ticked": "on", "page": "dashboard"},
        headers=HTMX,
    ).text
    assert 'id="record-recent"' not in text
    assert 'id="record-capture"' not in text


def test_capturing_on_a_module_page_updates_that_modules_section(client, alice, modules):
    text = capture(client, modules[1], page="module", title="Exploding gradients").text
    section = element(text, "record-module")
    assert 'data-hx-swap-oob="true"' in section
    assert "Exploding gradients" in section
    assert 'id="record-recent"' not in text  # not on this page
    assert f'name="capture-module" value="{modules[1].slug}"' in element(text, "record-capture")


def test_a_plain_capture_redirects_back_with_a_message(client, alice, modules):
    response = capture(
        client, modules[0], htmx=False, title="Wrong learning rate", next="/?from=test"
    )
    assert response.status_code == 302
    assert response["Location"] == "/?from=test"
    page = client.get("/").text
    assert "Logged “Wrong learning rate”." in page
    assert Failure.objects.filter(learner=alice, title="Wrong learning rate").exists()


def test_an_invalid_htmx_capture_is_422_with_the_error_at_the_field_and_nothing_saved(
    client, modules
):
    response = capture(client, modules[0], title="   ", lesson="kept")
    assert response.status_code == 422
    form = element(response.text, "record-capture")
    assert "Name the failure in a few words." in form
    assert "kept</textarea>" in form  # what was typed is still there
    assert not Failure.objects.exists()


def test_an_invalid_plain_capture_shows_the_full_form_filled_in(client, modules):
    response = capture(client, modules[0], htmx=False, title="", lesson="My lesson")
    assert response.status_code == 422
    assert "Log a failure" in response.text
    assert "Name the failure in a few words." in response.text
    assert "My lesson</textarea>" in response.text
    assert not Failure.objects.exists()


def test_a_capture_for_a_module_that_does_not_exist_is_refused(client, modules):
    response = client.post(
        "/failures/capture/",
        {
            "page": "dashboard",
            "capture-module": "nope",
            "capture-title": "x",
            "capture-category": "bug",
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Choose a module from the list." in response.text
    assert not Failure.objects.exists()


def test_out_of_range_time_lost_and_unknown_categories_are_refused_at_the_field(client, modules):
    response = capture(client, modules[0], title="x", minutes_lost="100001", category="nope")
    assert response.status_code == 422
    form = element(response.text, "record-capture")
    assert "less than or equal to 100000" in form
    assert "Select a valid choice." in form
    assert '<details class="capture-more" open>' in form  # the error is not hidden
    assert not Failure.objects.exists()


def test_a_failure_without_an_active_plan_is_kept_without_one(client, alice, modules):
    Plan.objects.filter(learner=alice).update(status=PlanStatus.ABANDONED)
    capture(client, modules[0], page="module", title="Before any plan")
    assert Failure.objects.get().plan is None


# --- common failures as starting points ----------------------------------------------------


def test_the_module_page_offers_its_common_failures_as_starting_points(client, modules):
    page = client.get(f"/modules/{modules[1].slug}/").text
    section = element(page, "record-module")
    assert "Common failures in this module" in section
    assert (
        f'href="/failures/new/?module={modules[1].slug}&amp;common=0"' in section
    )  # works without JavaScript
    assert (
        f'data-hx-get="/failures/capture/?module={modules[1].slug}&amp;common=1&amp;page=module"'
        in section
    )
    assert 'id="record-capture"' in page


def test_a_starting_point_fills_the_capture_form_for_htmx(client, modules):
    text = client.get(
        f"/failures/capture/?module={modules[1].slug}&common=1&page=module", headers=HTMX
    ).text
    assert 'value="Targets not shifted"' in text
    assert "The model copies its input.</textarea>" in text
    assert '<details class="capture-more" open>' in text
    assert f'name="next" value="/modules/{modules[1].slug}/"' in text
    assert not Failure.objects.exists()  # a starting point, not a failure


def test_a_starting_point_without_javascript_opens_the_full_form_filled_in(client, modules):
    response = client.get(f"/failures/capture/?module={modules[1].slug}&common=0")
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert 'value="Hidden state not detached"' in page
    assert "Memory climbs every batch.</textarea>" in page
    assert f'<option value="{modules[1].slug}" selected>' in page


def test_a_bad_starting_point_index_starts_empty(client, modules):
    for index in ("9", "-1", "x", ""):
        text = client.get(
            f"/failures/capture/?module={modules[1].slug}&common={index}&page=module",
            headers=HTMX,
        ).text
        assert 'name="capture-title" placeholder' in text  # no value: empty


# --- the full form, detail, edit, delete, resolve -----------------------------------------------


def test_the_full_form_logs_a_failure_with_every_field(client, alice, modules):
    yesterday = alice.local_today() - timedelta(days=1)
    response = client.post(
        "/failures/new/",
        {
            "module": modules[2].slug,
            "title": "Data leak between splits",
            "category": Category.DATA,
            "happened_on": yesterday.isoformat(),
            "minutes_lost": "240",
            "what_happened": "Validation loss *too* good.",
            "lesson": "Split by document, then shuffle.",
            "resolved": "on",
        },
    )
    saved = Failure.objects.get(learner=alice)
    assert response.status_code == 302
    assert response["Location"] == f"/failures/{saved.pk}/"
    assert (saved.module, saved.category, saved.minutes_lost) == (modules[2], "data", 240)
    assert saved.happened_on == yesterday
    assert saved.resolved and saved.resolved_at is not None
    detail = client.get(response["Location"]).text
    assert "Validation loss <em>too</em> good." in detail
    assert "Split by document, then shuffle." in detail


def test_the_full_form_refuses_a_day_in_the_future(client, alice, modules):
    response = client.post(
        "/failures/new/",
        {
            "module": modules[0].slug,
            "title": "x",
            "category": "bug",
            "happened_on": (alice.local_today() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "That day hasn&#x27;t happened yet." in response.text
    assert not Failure.objects.exists()


def test_editing_changes_the_failure_and_keeps_its_plan(client, alice, modules):
    item = failure(alice, modules[0], plan=Plan.objects.get(learner=alice))
    response = client.post(
        f"/failures/{item.pk}/edit/",
        {
            "module": modules[0].slug,
            "title": "Renamed",
            "category": "concept",
            "happened_on": item.happened_on.isoformat(),
            "lesson": "Read the paper's appendix",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.category, item.lesson) == (
        "Renamed",
        "concept",
        "Read the paper's appendix",
    )
    assert item.plan is not None


def test_editing_keeps_a_retired_module_choosable(client, alice, modules):
    item = failure(alice, modules[0])
    modules[0].retired_at = timezone.now()
    modules[0].save(update_fields=["retired_at"])
    page = client.get(f"/failures/{item.pk}/edit/").text
    assert f'<option value="{modules[0].slug}" selected>' in page


def test_deleting_removes_it_and_goes_to_the_log(client, alice, modules):
    item = failure(alice, modules[0])
    response = client.post(f"/failures/{item.pk}/delete/")
    assert response["Location"] == "/failures/"
    assert not Failure.objects.exists()


def test_resolving_from_the_log_returns_the_failure_for_htmx(client, alice, modules):
    item = failure(alice, modules[0])
    text = client.post(
        f"/failures/{item.pk}/resolve/", {"resolved": "on", "page": "log"}, headers=HTMX
    ).text
    assert text.lstrip().startswith(f'<li id="failure-{item.pk}" class="card failure is-resolved">')
    assert "Reopen" in text
    item.refresh_from_db()
    assert item.resolved


def test_resolving_on_the_module_page_sends_its_section_out_of_band(client, alice, modules):
    item = failure(alice, modules[0])
    text = client.post(
        f"/failures/{item.pk}/resolve/", {"resolved": "on", "page": "module"}, headers=HTMX
    ).text
    assert (
        'id="record-module" class="record-module" aria-labelledby="record-module-heading" data-hx-swap-oob="true"'
        in text
    )
    assert "Reopen" in element(text, "record-module")


def test_reopening_without_javascript_redirects_back(client, alice, modules):
    item = failure(alice, modules[0], resolved=True)
    response = client.post(f"/failures/{item.pk}/resolve/", {"next": "/failures/"})
    assert response["Location"] == "/failures/"
    item.refresh_from_db()
    assert not item.resolved and item.resolved_at is None


# --- the log ---------------------------------------------------------------------------------


@pytest.fixture
def logged(alice, bob, modules):
    failure(alice, modules[0], title="Bug one", category="bug")
    failure(alice, modules[0], title="Bug two", category="bug", resolved=True)
    failure(alice, modules[1], title="Concept", category="concept", lesson="Read twice")
    failure(alice, modules[2], title="Data", category="data", resolved=True)
    failure(bob, modules[0], title="Bob's bug", category="bug")


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="failure-title"><a href="/failures/\d+/">([^<]+)</a>', html)


def test_the_log_lists_every_failure_of_the_learner_only(client, logged):
    page = client.get("/failures/").text
    assert sorted(titles(page)) == ["Bug one", "Bug two", "Concept", "Data"]
    assert '<span data-count="failures">4</span> failures' in page


def test_the_log_counts_failures_per_category(client, logged):
    page = client.get("/failures/").text
    assert '<strong data-count="category-bug">2</strong>' in page
    assert '<strong data-count="category-concept">1</strong>' in page
    assert '<strong data-count="category-data">1</strong>' in page
    assert '<strong data-count="category-training">0</strong>' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=bug", ["Bug one", "Bug two"]),
        ("module=m-0000", ["Bug one", "Bug two"]),
        ("resolved=yes", ["Bug two", "Data"]),
        ("resolved=no", ["Bug one", "Concept"]),
        ("category=bug&resolved=no", ["Bug one"]),
        ("category=nonsense", ["Bug one", "Bug two", "Concept", "Data"]),  # ignored, not an error
    ],
)
def test_the_log_filters_by_category_module_and_state(client, logged, query, expected):
    assert sorted(titles(client.get(f"/failures/?{query}").text)) == expected


def test_counts_follow_the_other_filters_but_not_the_category(client, logged):
    page = client.get("/failures/?category=concept&resolved=no").text
    assert '<strong data-count="category-bug">1</strong>' in page  # the open bug
    assert '<strong data-count="category-concept">1</strong>' in page
    assert 'href="/failures/?resolved=no"' in page  # the selected category's link clears it


def test_htmx_filtering_answers_the_results_only(client, logged):
    text = client.get("/failures/?category=bug", headers=HTMX).text
    assert text.lstrip().startswith('<section id="failure-results"')
    assert "<html" not in text
    assert sorted(titles(text)) == ["Bug one", "Bug two"]


def test_the_empty_log_says_how_to_start(client, modules):
    assert "No failures logged yet." in client.get("/failures/").text


@pytest.mark.parametrize("count", [10, 1000])
def test_the_log_query_count_does_not_grow(
    client, alice, modules, django_assert_num_queries, count
):
    Failure.objects.bulk_create(
        Failure(
            learner=alice,
            module=modules[i % 3],
            title=f"F{i}",
            category=Category.values[i % 6],
            happened_on=date(2026, 1, 1) + timedelta(days=i % 300),
            lesson="x" if i % 2 else "",
        )
        for i in range(count)
    )
    # session, user; counts per category; the paginator's count; the page with its modules;
    # the modules for the filter
    with django_assert_num_queries(6):
        response = client.get("/failures/?resolved=no")
    assert response.status_code == 200
    assert len(titles(response.text)) == min(count, 50)


# --- lessons learned ---------------------------------------------------------------------------


def test_the_lessons_page_lists_the_learners_rules_newest_first(client, alice, bob, modules):
    plan = Plan.objects.get(learner=alice)
    failure(
        alice,
        modules[0],
        title="Old",
        lesson="Log the seed",
        lesson_at=timezone.now() - timedelta(days=9),
    )
    failure(alice, modules[1], title="New", lesson="Clip gradients", plan=plan)
    failure(alice, modules[1], title="No lesson yet")
    failure(bob, modules[0], title="Bob's", lesson="Bob's rule")
    page = client.get("/failures/lessons/").text
    assert page.index("Clip gradients") < page.index("Log the seed")
    assert "No lesson yet" not in page and "Bob&#x27;s rule" not in page
    assert '<strong data-count="lessons">2</strong>' in page
    assert '<strong data-count="lessons-this-plan">1</strong>' in page


def test_the_lessons_page_without_an_active_plan_still_counts(client, alice, modules):
    Plan.objects.filter(learner=alice).update(status=PlanStatus.FINISHED)
    failure(alice, modules[0], lesson="A rule")
    page = client.get("/failures/lessons/").text
    assert '<strong data-count="lessons">1</strong>' in page
    assert "lessons-this-plan" not in page


# --- the dashboard and module sections ---------------------------------------------------------


def test_the_dashboard_shows_recent_failures_lessons_and_this_plans_count(client, alice, modules):
    plan = Plan.objects.get(learner=alice)
    failure(alice, modules[0], title="From an old plan", lesson="Old rule")
    for i in range(7):
        failure(
            alice, modules[1], title=f"Recent {i}", plan=plan, lesson=f"Rule {i}" if i < 2 else ""
        )
    section = element(client.get("/").text, "record-recent")
    assert '<strong data-count="lessons-this-plan">2</strong> lessons learned this plan' in section
    assert section.count("<li>") == summary.RECENT_FAILURES
    assert "Rule 1" in section
    assert "/failures/lessons/" in section and "/timeline/" in section and "/failures/" in section


def test_the_dashboard_capture_offers_the_plans_modules_starting_on_the_one_in_progress(
    client, alice, modules
):
    from learners.study.progress import set_status

    set_status(alice, modules[2], "in_progress")
    form = element(client.get("/").text, "record-capture")
    assert form.count('<option value="m-') == 3
    assert f'<option value="{modules[2].slug}" selected>' in form


def test_the_module_section_lists_that_modules_failures_only(client, alice, modules):
    failure(alice, modules[0], title="Here")
    failure(alice, modules[1], title="Elsewhere")
    section = element(client.get(f"/modules/{modules[0].slug}/").text, "record-module")
    assert "Here" in section and "Elsewhere" not in section
    assert f'href="/failures/?module={modules[0].slug}"' in section


# --- hostile text ------------------------------------------------------------------------------


def record_pages(client, item, module) -> dict[str, str]:
    """Every place a failure's texts show, cut down to the part that shows them."""
    return {
        "log": element(client.get("/failures/").text, "failure-results"),
        "lessons": element(client.get("/failures/lessons/").text, "lesson-results"),
        "detail": element(client.get(f"/failures/{item.pk}/").text, f"failure-{item.pk}"),
        "dashboard": element(client.get("/").text, "record-recent"),
        "module": element(client.get(f"/modules/{module.slug}/").text, "record-module"),
        "timeline": element(client.get("/timeline/").text, "timeline-results"),
    }


@pytest.fixture
def baseline(client, alice, modules):
    """What active_content() finds in those places for a harmless failure: our own forms and
    htmx attributes. A hostile failure must add nothing to it."""
    item = failure(alice, modules[0], title="Plain", what_happened="plain", lesson="plain")
    found = {
        name: sorted(active_content(html))
        for name, html in record_pages(client, item, modules[0]).items()
    }
    item.delete()
    return found


@pytest.mark.parametrize("payload", payloads() + HTMX_PAYLOADS)
def test_hostile_failures_and_lessons_show_nothing_that_runs(
    client, alice, modules, baseline, payload
):
    capture(
        client,
        modules[0],
        page="module",
        title=payload[:200],
        what_happened=payload,
        lesson=payload,
    )
    item = Failure.objects.get(learner=alice)
    assert active_content(item.what_happened_html) == [], item.what_happened_html
    assert active_content(item.lesson_html) == [], item.lesson_html
    pages = record_pages(client, item, modules[0])
    for name, html in pages.items():
        assert sorted(active_content(html)) == baseline[name], name
    # The pages show exactly the sanitized HTML.
    assert item.lesson_html in pages["lessons"]
    assert item.what_happened_html in pages["log"]
    assert item.lesson_html in pages["timeline"]


def test_the_demo_learner_has_failures_with_lessons_some_resolved():
    from django.core.management import call_command

    from curriculum.seed import seed_lists
    from learners.demo import DEMO_EMAIL
    from tests.conftest import REPO
    from tests.curriculum_helpers import load

    load(REPO / "curriculum" / "content")
    seed_lists()
    call_command("seed_demo", stdout=__import__("io").StringIO())
    failures = Failure.objects.filter(learner__email=DEMO_EMAIL)
    assert failures.count() >= 6
    assert failures.filter(resolved=True).exists() and failures.filter(resolved=False).exists()
    titles_ = set(failures.values_list("title", flat=True))
    assert {"Hidden state not detached between batches", "Causal mask off by one"} <= titles_
    assert failures.filter(module__slug="transformer-language-model").exists()
    assert all(f.lesson_at <= timezone.now() for f in failures.exclude(lesson=""))
    assert not failures.filter(created_at__gt=timezone.now()).exists()
    assert all(f.plan_id for f in failures)


@pytest.mark.parametrize("count", [10, 1000])
def test_the_dashboard_and_module_sections_cost_their_stated_queries(
    alice, modules, django_assert_num_queries, count
):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    plan = Plan.objects.get(learner=alice)
    Failure.objects.bulk_create(
        Failure(
            learner=alice,
            module=modules[i % 2],
            plan=plan,
            title=f"F{i}",
            happened_on=date(2026, 1, 1) + timedelta(days=i % 300),
            lesson=f"L{i}" if i % 3 else "",
            lesson_html=f"<p>L{i}</p>" if i % 3 else "",
            lesson_at=timezone.now() - timedelta(minutes=i) if i % 3 else None,
        )
        for i in range(count)
    )
    request = RequestFactory().get("/")
    request.user = alice
    # recent failures, latest lessons, the totals, the capture form's modules (rendering adds none)
    with django_assert_num_queries(summary.DASHBOARD_QUERIES):
        record = summary.for_dashboard(alice, plan, alice.local_today())
        html = render_to_string(
            "record/_dashboard.html", {"summary": record, "page": "dashboard"}, request
        )
    assert html.count('<li class="lesson">') == summary.RECENT_LESSONS
    assert f"Lessons learned ({record.lessons_total})" in html
    # this module's failures (rendering adds none)
    with django_assert_num_queries(summary.MODULE_QUERIES):
        record = summary.for_module(alice, modules[0])
        html = render_to_string(
            "record/_module.html",
            {"summary": record, "module": modules[0], "page": "module"},
            request,
        )
    assert html.count('class="card failure') == min(summary.MODULE_FAILURES, count // 2)


def test_the_failure_log_pages_keep_their_filters(client, alice, modules):
    Failure.objects.bulk_create(
        Failure(learner=alice, module=modules[0], title=f"bug {i}", category=Category.BUG,
                happened_on=date(2026, 3, 1))
        for i in range(FAILURES_PER_PAGE + 1)
    )  # fmt: skip
    first = client.get("/failures/", {"category": "bug"}).text
    assert "Page 1 of 2" in first
    assert '<a href="?category=bug&amp;page=2">Older →</a>' in first
    second = client.get("/failures/", {"category": "bug", "page": 2}).text
    assert '<a href="?category=bug&amp;page=1">← Newer</a>' in second
    assert "Older →" not in second
