from django.urls import path

from learners.mentors import sharing, thread_views, views

urlpatterns = [
    # The learner's side.
    path("mentors/", views.mentors_page, name="mentors_page"),
    path("mentors/invite/", views.invite_create, name="mentor_invite_create"),
    path("mentors/<int:pk>/resend/", views.invite_resend, name="mentor_invite_resend"),
    path("mentors/<int:pk>/withdraw/", views.invite_withdraw, name="mentor_invite_withdraw"),
    path("mentors/<int:pk>/scope/", views.mentorship_scope, name="mentorship_scope"),
    path("mentors/<int:pk>/end/", views.mentorship_end, name="mentorship_end"),
    # The invite link, for whoever holds it.
    path("mentoring/invite/<str:token>/", views.invite_page, name="mentor_invite"),
    # The mentor's side.
    path("mentoring/", views.mentoring_home, name="mentoring_home"),
    path("mentoring/<int:mentorship>/end/", views.mentoring_end, name="mentoring_end"),
]

urlpatterns += [
    path("notes/<int:pk>/share/", sharing.note_share, name="note_share"),
    path("failures/<int:pk>/share/", sharing.failure_share, name="failure_share"),
    path("runs/<int:pk>/share/", sharing.run_share, name="run_share"),
]

# Comments and review requests (thread_views.py).
urlpatterns += [
    path("comments/<int:pk>/hide/", thread_views.comment_hide, name="comment_hide"),
    path("comments/on/<str:field>/<int:pk>/", thread_views.comment_list, name="comment_list"),
    path("mentors/requests/new/", thread_views.request_new, name="request_new"),
    path("mentors/requests/<int:pk>/", thread_views.request_detail, name="request_detail"),
    path("mentors/requests/<int:pk>/reply/", thread_views.request_reply, name="request_reply"),
    path("mentors/requests/<int:pk>/close/", thread_views.request_close, name="request_close"),
    path("inbox/unread/", thread_views.unread, name="unread"),
    path("inbox/read/", thread_views.inbox_read, name="inbox_read"),
    path(
        "mentoring/<int:mentorship>/comments/",
        thread_views.comment_create,
        name="mentor_comment_create",
    ),
    path(
        "mentoring/<int:mentorship>/comments/<int:pk>/edit/",
        thread_views.comment_edit,
        name="mentor_comment_edit",
    ),
    path(
        "mentoring/<int:mentorship>/comments/<int:pk>/delete/",
        thread_views.comment_delete,
        name="mentor_comment_delete",
    ),
    path(
        "mentoring/<int:mentorship>/requests/<int:pk>/",
        thread_views.mentor_request_detail,
        name="mentor_request_detail",
    ),
    path(
        "mentoring/<int:mentorship>/requests/<int:pk>/reply/",
        thread_views.mentor_request_reply,
        name="mentor_request_reply",
    ),
    path(
        "mentoring/<int:mentorship>/requests/<int:pk>/answered/",
        thread_views.mentor_request_answered,
        name="mentor_request_answered",
    ),
]
