"""Starting a plan from a list, shaping it, ending it — through the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from learners.models import Plan, PlanStatus
from tests.factories import make_list, make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def track(client, alice):
    modules = make_modules(4)
    client.force_login(alice)
    return make_list(modules)


def _start(alice, track, **overrides):
    today = alice.local_today()
    data = {
        "list": track.slug,
        "goal": "A chatbot",
        "start_date": today.isoformat(),
        "target_end": (today + timedelta(weeks=12)).isoformat(),
        "weekly_hours": "10",
        "modules": [str(item.module_id) for item in track.items.all()],
    }
    data.update(overrides)
    return data


def test_without_a_list_it_offers_the_published_lists(client, track):
    page = client.get("/plans/new/").text
    assert "Use this track" in page
    assert f"?list={track.slug}" in page


def test_the_form_defaults_to_today_the_tracks_weeks_and_every_module(client, alice, track):
    # Four modules of 2.5 hours at Alice's 10 hours a week: one week.
    page = client.get("/plans/new/", {"list": track.slug}).text
    today = alice.local_today()
    assert f'value="{today.isoformat()}"' in page
    assert f'value="{(today + timedelta(weeks=1)).isoformat()}"' in page
    assert page.count('name="modules"') == 4
    assert page.count(" checked>") == 4


def test_starting_a_plan_keeps_only_the_chosen_modules(client, alice, track):
    items = list(track.items.all())
    kept = [str(items[0].module_id), str(items[2].module_id)]
    response = client.post("/plans/new/", _start(alice, track, modules=kept))
    assert response.status_code == 302
    plan = Plan.objects.get(learner=alice)
    assert list(plan.items.values_list("module_id", flat=True)) == [
        items[0].module_id,
        items[2].module_id,
    ]
    assert plan.module_list == track


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"goal": ""}, "This field is required"),
        ({"weekly_hours": "0"}, "greater than or equal to 0.5"),
        ({"weekly_hours": "abc"}, "Enter a number"),
        ({"target_end": "2020-01-01"}, "The target end must be after the start."),
        ({"target_end": "2040-01-01"}, "under three years"),
        # A plan entirely in the past: the dashboard said "Week 101 of 9 … 21 months overdue".
        (
            {"start_date": "2025-01-01", "target_end": "2025-03-01"},
            "That day has passed: the target end must be today",
        ),
        ({"modules": []}, "Keep at least one module in the plan."),
        ({"modules": ["999999"]}, "Select a valid choice"),
    ],
)
def test_bad_plans_are_explained_and_nothing_is_created(client, alice, track, overrides, message):
    response = client.post("/plans/new/", _start(alice, track, **overrides))
    assert response.status_code == 422  # the form again, with its errors
    assert message in response.text
    assert not Plan.objects.exists()


def test_a_plan_may_start_in_the_past_and_end_today(client, alice, track):
    today = alice.local_today()
    start = (today - timedelta(weeks=3)).isoformat()
    response = client.post(
        "/plans/new/", _start(alice, track, start_date=start, target_end=today.isoformat())
    )
    assert response.status_code == 302
    assert Plan.objects.get(learner=alice).target_end == today


def test_an_overdue_plans_goal_can_be_edited_without_moving_its_end(client, alice, track):
    today = alice.local_today()
    plan = make_plan(
        alice,
        [track.items.first().module],
        start_date=today - timedelta(weeks=14),
        target_end=today - timedelta(weeks=2),
    )
    data = {
        "goal": "Still on it",
        "start_date": plan.start_date.isoformat(),
        "target_end": plan.target_end.isoformat(),
        "weekly_hours": "10",
    }
    assert client.post(f"/plans/{plan.pk}/edit/", data).status_code == 302
    # Moving it to another day that has passed is refused like a new plan's.
    earlier = {**data, "target_end": (today - timedelta(weeks=3)).isoformat()}
    response = client.post(f"/plans/{plan.pk}/edit/", earlier)
    assert response.status_code == 422
    assert "That day has passed" in response.text
    plan.refresh_from_db()
    assert (plan.goal, plan.target_end) == ("Still on it", today - timedelta(weeks=2))


def test_the_form_says_what_the_chosen_dates_and_hours_need(client, alice):
    # 134 hours at 10 a week: the form offers 14 weeks and says what they need before the
    # plan is made (14 weeks and a day, both ends counted: about 9 hours a week).
    modules = make_modules(4, prefix="big")
    for module, hours in zip(modules, ["40", "40", "30", "24"], strict=True):
        module.hours = hours
        module.save(update_fields=["hours"])
    big = make_list(modules, slug="big", title="Big track")
    client.force_login(alice)
    page = client.get("/plans/new/", {"list": big.slug}).text
    hint = page.split('id="plan-hint"')[1].split("</div>")[0]
    assert "About 9 hours a week needed." in hint
    assert "The 4 modules you kept come to about 134 hours" in hint
    assert "is 14 weeks" in hint
    assert "The 10 hours a week you chose cover it." in hint

    # The same hint comes from its own URL as the form changes (htmx), and with the form
    # when it is sent back with its errors (no JavaScript).
    today = alice.local_today()
    data = {
        "list": big.slug,
        "start_date": today.isoformat(),
        "target_end": (today + timedelta(weeks=26)).isoformat(),
        "weekly_hours": "6",
        "modules": [str(m.pk) for m in modules[:2]],
    }
    text = client.post("/plans/new/hint/", data, headers=HTMX).text
    assert "About 3 hours a week needed." in text  # 80 hours over 26 weeks
    assert "The 6 hours a week you chose cover it." in text
    sooner = {**data, "target_end": (today + timedelta(weeks=12)).isoformat()}
    text = client.post("/plans/new/hint/", sooner, headers=HTMX).text
    assert "About 7 hours a week needed." in text  # 80 hours over 12 weeks and a day
    assert "At the 6 hours a week you chose, they would take until about" in text
    text = client.post("/plans/new/", {**data, "goal": ""}).text
    assert "About 3 hours a week needed." in text
    assert "This field is required" in text
    # Nothing to say yet without a module or with the dates the wrong way round.
    text = client.post("/plans/new/hint/", {**data, "modules": []}, headers=HTMX).text
    assert "at least one module to see what the plan needs" in text
    assert not Plan.objects.exists()


def test_a_plan_needing_more_than_forty_hours_a_week_says_so(client, alice, track):
    for item in track.items.select_related("module"):
        item.module.hours = 20
        item.module.save(update_fields=["hours"])
    today = alice.local_today()
    data = _start(alice, track, target_end=(today + timedelta(days=1)).isoformat())
    text = client.post("/plans/new/hint/", data, headers=HTMX).text
    assert "more than most people keep up" in text


def test_the_hint_needs_a_published_list(client, alice):
    hidden = make_list(make_modules(1, prefix="h"), slug="hidden", published=False)
    client.force_login(alice)
    assert client.post("/plans/new/hint/", {"list": hidden.slug}).status_code == 404


def test_a_second_active_plan_is_explained(client, alice, track):
    client.post("/plans/new/", _start(alice, track))
    response = client.post("/plans/new/", _start(alice, track))
    assert "You already have an active plan" in response.text
    assert Plan.objects.count() == 1


def test_an_unpublished_list_cannot_start_a_plan(client, alice):
    hidden = make_list(make_modules(1, prefix="h"), slug="hidden", published=False)
    client.force_login(alice)
    assert client.get("/plans/new/", {"list": hidden.slug}).status_code == 404


def test_modules_are_added_dropped_and_moved_from_the_plan_page(client, alice, track):
    modules = [item.module for item in track.items.all()]
    plan = make_plan(alice, modules[:2])
    client.post(f"/plans/{plan.pk}/items/", {"module": modules[3].slug})
    first = plan.items.get(module=modules[0])
    client.post(f"/plans/{plan.pk}/items/{first.pk}/move/", {"direction": "down"})
    second = plan.items.get(module=modules[1])
    response = client.post(f"/plans/{plan.pk}/items/{second.pk}/remove/", headers=HTMX)
    assert response.text.lstrip().startswith('<section id="plan-modules"')
    assert "Dropped" in response.text
    assert list(plan.items.order_by("position").values_list("module__slug", flat=True)) == [
        modules[0].slug,
        modules[3].slug,
    ]


def test_adding_an_unknown_module_is_explained(client, alice, track):
    plan = make_plan(alice, [track.items.first().module])
    response = client.post(f"/plans/{plan.pk}/items/", {"module": "nope"}, follow=True)
    assert "Choose a module from the catalogue" in response.text
    assert plan.items.count() == 1


@time_machine.travel(datetime(2026, 4, 15, 12, tzinfo=UTC), tick=False)  # the dates below are ahead
def test_editing_validates_and_saves(client, alice, track):
    plan = make_plan(alice, [track.items.first().module])
    bad = client.post(
        f"/plans/{plan.pk}/edit/",
        {"goal": "x", "start_date": "2026-05-01", "target_end": "2026-04-01", "weekly_hours": "5"},
    )
    assert bad.status_code == 422
    assert "The target end must be after the start." in bad.text
    plan.refresh_from_db()
    assert plan.goal == "Build a chatbot"
    ok = client.post(
        f"/plans/{plan.pk}/edit/",
        {
            "goal": "A better goal",
            "start_date": "2026-05-01",
            "target_end": "2026-08-01",
            "weekly_hours": "7.5",
        },
    )
    assert ok.status_code == 302
    plan.refresh_from_db()
    assert (plan.goal, str(plan.weekly_hours)) == ("A better goal", "7.5")


def test_an_ended_plan_is_readable_but_not_changeable(client, alice, track):
    plan = make_plan(alice, [track.items.first().module])
    client.post(f"/plans/{plan.pk}/end/", {"outcome": "finished"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FINISHED
    page = client.get(f"/plans/{plan.pk}/").text
    assert "It stays here to read." in page
    assert "Add to plan" not in page
    assert client.get(f"/plans/{plan.pk}/edit/").status_code == 302
    response = client.post(f"/plans/{plan.pk}/items/", {"module": "m-0003"}, follow=True)
    assert "can be read but not changed" in response.text
    assert plan.items.count() == 1


def test_plans_are_listed_newest_first(client, alice, track):
    first = make_plan(alice, [track.items.first().module], goal="First")
    client.post(f"/plans/{first.pk}/end/", {"outcome": "abandoned"})
    make_plan(alice, [track.items.first().module], goal="Second")
    page = client.get("/plans/").text
    assert page.index("Second") < page.index("First")
    assert "Abandoned" in page


def test_the_default_end_follows_the_tracks_hours_at_the_weekly_target(client, alice):
    from decimal import Decimal

    from curriculum.models import Module

    modules = make_modules(3, prefix="big")
    Module.objects.filter(pk__in=[m.pk for m in modules]).update(hours=Decimal(72))
    track = make_list(modules, slug="big")
    alice.weekly_hours_target = Decimal(10)
    alice.save(update_fields=["weekly_hours_target"])
    client.force_login(alice)
    page = client.get("/plans/new/", {"list": track.slug}).text
    # 216 hours at 10 a week: 21.6 weeks, so 22.
    assert f'value="{(alice.local_today() + timedelta(weeks=22)).isoformat()}"' in page


@pytest.mark.parametrize(
    ("hours", "weekly", "weeks"),
    [(216, 10, 22), (10, 10, 1), (0.5, 10, 1), (0, 10, 0), (100, 0, 0)],
)
def test_weeks_for_rounds_up_to_whole_weeks(hours, weekly, weeks):
    from learners.plans.pace import weeks_for

    assert weeks_for(hours, weekly) == weeks
