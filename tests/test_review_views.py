"""The Review page, its htmx answers and its plain-form path, and the controls that shape it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from learners.models import Note
from learners.review.models import Card, Kind, PausedModule, Review
from learners.study.progress import set_tick
from tests.factories import make_modules, make_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def module(client, alice):
    module = make_modules(1, checkpoints=3)[0]
    make_plan(alice, [module])
    client.force_login(alice)
    return module


def due_of(html: str) -> str:
    return re.search(r'name="due" value="([^"]+)"', html).group(1)


def test_without_cards_the_page_says_where_cards_come_from(client, module):
    page = client.get("/review/").text
    assert "No cards yet." in page
    assert "Tick a checkpoint" in page


def test_a_ticked_checkpoint_comes_back_as_a_question_with_four_ratings(client, alice, module):
    checkpoint = module.checkpoints.first()
    set_tick(alice, checkpoint, True)
    page = client.get("/review/").text
    assert "Can you still do this?" in page
    assert checkpoint.html in page
    assert "<summary>Show the answer" in page  # no JavaScript needed to see the answer
    for value, label in ((1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy")):
        assert f'name="rating" value="{value}"' in page and label in page
    assert '<strong data-count="due-now">1</strong> to review now' in page


def test_an_htmx_rating_answers_the_next_card_and_the_counts(client, alice, module):
    for checkpoint in module.checkpoints.all()[:2]:
        set_tick(alice, checkpoint, True)
    page = client.get("/review/").text
    first = int(re.search(r"/review/cards/(\d+)/rate/", page).group(1))
    response = client.post(
        f"/review/cards/{first}/rate/", {"rating": "3", "due": due_of(page)}, headers=HTMX
    )
    assert response.status_code == 200
    text = response.text
    assert 'id="review-today" class="review-today" data-hx-swap-oob="true"' in text
    assert text.count('<section id="review-card"') == 1
    assert f"/review/cards/{first}/rate/" not in text  # the next card, not the same one
    review = Review.objects.get(card_id=first)
    assert review.rating == 3
    assert Card.objects.get(pk=first).due > timezone.now()


def test_without_javascript_a_rating_goes_back_to_the_page(client, alice, module):
    set_tick(alice, module.checkpoints.first(), True)
    page = client.get("/review/").text
    card = int(re.search(r"/review/cards/(\d+)/rate/", page).group(1))
    response = client.post(f"/review/cards/{card}/rate/", {"rating": "4", "due": due_of(page)})
    assert response.status_code == 302 and response["Location"] == "/review/"


def test_a_resent_rating_rates_nothing_twice(client, alice, module):
    set_tick(alice, module.checkpoints.first(), True)
    page = client.get("/review/").text
    card = int(re.search(r"/review/cards/(\d+)/rate/", page).group(1))
    data = {"rating": "1", "due": due_of(page)}
    client.post(f"/review/cards/{card}/rate/", data, headers=HTMX)
    client.post(f"/review/cards/{card}/rate/", data, headers=HTMX)  # a double click
    assert Review.objects.filter(card_id=card).count() == 1


def test_a_tampered_rating_is_a_400_and_changes_nothing(client, alice, module):
    set_tick(alice, module.checkpoints.first(), True)
    card = Card.objects.get(learner=alice)
    for rating in ("0", "5", "good", ""):
        response = client.post(
            f"/review/cards/{card.pk}/rate/",
            {"rating": rating, "due": card.due.isoformat()},
            headers=HTMX,
        )
        assert response.status_code == 400
    assert not Review.objects.exists()


def test_a_question_written_on_the_module_page_joins_the_queue(client, alice, module):
    response = client.post(
        f"/modules/{module.slug}/cards/",
        {"question": "Why divide by $\\sqrt{d_k}$?", "answer": "To keep the **logits** small."},
    )
    assert response.status_code == 302
    card = Card.objects.get(learner=alice, kind=Kind.QUESTION)
    assert "<math" in card.question_html
    assert "<strong>logits</strong>" in card.answer_html
    assert "Why divide by" in client.get(f"/modules/{module.slug}/").text
    assert "<strong>logits</strong>" in client.get("/review/").text


def test_an_empty_question_comes_back_with_its_error_and_saves_nothing(client, alice, module):
    response = client.post(f"/modules/{module.slug}/cards/", {"question": " ", "answer": "x"})
    assert response.status_code == 422
    assert "Write something first." in response.text
    assert not Card.objects.exists()


def test_hostile_markdown_in_a_question_is_inert(client, alice, module):
    client.post(
        f"/modules/{module.slug}/cards/",
        {"question": '<img src=x onerror="alert(1)">', "answer": "[x](javascript:alert(1))"},
    )
    page = client.get("/review/").text
    assert "onerror" not in page
    assert "javascript:" not in page


def test_a_note_becomes_a_card_with_one_click(client, alice, module):
    note = Note.objects.create(
        learner=alice, module=module, body="# Perplexity\n\nIt is $e^H$ in nats."
    )
    assert "Make a review card" in client.get(f"/modules/{module.slug}/").text
    client.post(f"/notes/{note.pk}/card/")
    card = Card.objects.get(learner=alice, note=note)
    assert card.question == "What did you note about this: “Perplexity”?"
    assert card.answer == note.body


def test_pausing_a_modules_reviews_takes_its_cards_out_until_taken_back(client, alice, module):
    set_tick(alice, module.checkpoints.first(), True)
    client.post(f"/modules/{module.slug}/review/pause/", {"paused": "on"})
    assert PausedModule.objects.filter(learner=alice, module=module).exists()
    assert "Can you still do this?" not in client.get("/review/").text
    client.post(f"/modules/{module.slug}/review/pause/", {"paused": "off"})
    assert "Can you still do this?" in client.get("/review/").text


def test_a_suspended_card_is_not_asked_and_only_questions_can_be_deleted(client, alice, module):
    set_tick(alice, module.checkpoints.first(), True)
    card = Card.objects.get(learner=alice)
    client.post(f"/review/cards/{card.pk}/suspend/", {"suspended": "on"})
    assert "No cards yet." not in client.get("/review/").text
    assert "Can you still do this?" not in client.get("/review/").text
    client.post(f"/review/cards/{card.pk}/delete/")
    assert Card.objects.filter(pk=card.pk).exists()  # a checkpoint's card is suspended, not gone


def test_the_dashboard_says_how_many_are_due_and_about_how_long(client, alice, module):
    for checkpoint in module.checkpoints.all():
        set_tick(alice, checkpoint, True)
    page = client.get("/").text
    assert '<strong data-count="reviews-due">3</strong> due today — about 1 minute.' in page
    assert 'href="/review/"' in page


def test_the_module_page_shows_retention_over_the_last_30_days(client, alice, module):
    from learners.review import schedule

    for checkpoint in module.checkpoints.all():
        set_tick(alice, checkpoint, True)
    cards = list(Card.objects.filter(learner=alice))
    now = timezone.now()
    schedule.rate(cards[0], 3, now - timedelta(days=3))
    schedule.rate(cards[1], 4, now - timedelta(days=3))
    schedule.rate(cards[2], 1, now - timedelta(days=3))
    page = client.get(f"/modules/{module.slug}/").text
    assert "<strong>67%</strong> remembered in the last 30 days (2 of 3)" in page
    assert 'class="chart retention-chart"' in page
