"""The comments section and the "ask for a review" form of a note's module, a failure or a run
page, for both sides: what the page's template tags (learners/templatetags/mentor_tags.py) show.

On the learner's own page: every mentor's comments (hidden ones folded), a hide switch each,
the list fetched again every `MENTOR_POLL_SECONDS` while a mentor is active, and the ask form.
On a mentor's read of it: only their mentorship's comments, the learner's hidden ones left out
(their own shown, marked hidden), and a form to comment. Two queries, whatever the record holds; one for a learner who never had a mentor.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from learners.mentors import threads
from learners.mentors.models import Mentorship, Status

# What the mentors' parts cost a page of a learner who never had a mentor (their mentorships);
# with one, the comments too.
PAGE_QUERIES = 1


def _mentorships(request: HttpRequest) -> list[Mentorship]:
    """The learner's accepted mentorships, active or ended, once a request (the section and the
    ask form share it): without one there can be no comment, so no query for them."""
    found = getattr(request, "_trajectory_mentorships", None)
    if found is None:
        found = request._trajectory_mentorships = list(
            Mentorship.objects.filter(learner=request.user, mentor__isnull=False)
            .exclude(status=Status.DECLINED)
            .select_related("mentor")
            .order_by("accepted_at", "id")
        )
    return found


def _active_mentorships(request: HttpRequest) -> list[Mentorship]:
    return [m for m in _mentorships(request) if m.is_active and m.mentor.is_active]


def comments_section(request: HttpRequest, target, notes=()) -> dict:
    reading = getattr(request, "mentoring", None)
    field = threads.target_field(target)
    targets = {field: [target.pk]}
    if notes:
        targets["note"] = [note.pk for note in notes]
    if reading is not None:
        return _mentor_side(request, reading, target, field, targets, notes)
    active = _active_mentorships(request)
    comments = threads.comments_on(request.user, targets) if _mentorships(request) else []
    for comment in comments:
        comment.hide_url, comment.mine = reverse("comment_hide", args=[comment.pk]), False
    return {
        "comments": comments,
        "learner_side": True,
        "field": field,
        "target": target,
        "show": bool(comments or active),
        "poll_url": reverse("comment_list", args=[field, target.pk]) if active else "",
        "poll_seconds": settings.MENTOR_POLL_SECONDS,
        "next_url": request.get_full_path(),
    }


def _mentor_side(request, reading, target, field, targets, notes) -> dict:
    mentorship = reading.mentorship
    comments = [
        comment
        for comment in threads.comments_on(reading.learner, targets, mentorship)
        if comment.hidden_at is None or comment.author_id == reading.reader.pk
    ]
    for comment in comments:
        comment.hide_url, comment.mine = "", comment.author_id == reading.reader.pk
        if comment.mine:
            comment.can_edit = threads.editable(comment, reading.reader)
            comment.edit_url = reading.url("mentor_comment_edit", mentorship.pk, comment.pk)
            comment.delete_url = reading.url("mentor_comment_delete", mentorship.pk, comment.pk)
    choices = [(f"{field}:{target.pk}", _label(field, target))]
    choices += [(f"note:{note.pk}", _label("note", note)) for note in notes]
    return {
        "comments": comments,
        "learner_side": False,
        "field": field,
        "target": target,
        "show": True,
        "comment_url": reading.url("mentor_comment_create", mentorship.pk),
        "choices": choices,
        "learner_name": threads.name_of(reading.learner),
        "next_url": request.get_full_path(),
    }


def _label(field: str, row) -> str:
    if field == "note":
        words = " ".join(row.body.split()[:8])
        return f"Their note of {row.created_at:%-d %B}: “{words}…”"
    return {"module": "This module", "failure": "This failure", "run": "This run"}[field]


def ask_form(request: HttpRequest, checkpoints=(), **subject) -> dict:
    """The "ask a mentor for a review" form about `subject` (kind and ids), for the learner with
    an active mentor; nothing on a mentor's read, or for a learner without one."""
    if getattr(request, "mentoring", None) is not None or not request.user.is_authenticated:
        return {"show": False}
    mentorships = _active_mentorships(request)
    if not mentorships:
        return {"show": False}
    from learners.mentors.forms import AskForm

    form = AskForm(mentorships=mentorships, auto_id=f"ask-{subject.get('kind')}-%s")
    return {
        "show": True,
        "form": form,
        "fields": subject,
        # A checkpoint is chosen in the form, from the module's.
        "checkpoints": [checkpoint for checkpoint, _ticked in checkpoints],
        "single": mentorships[0] if len(mentorships) == 1 else None,
        "action": reverse("request_new"),
    }
