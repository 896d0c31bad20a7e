from django.urls import path

from learners.mentors import sharing, views

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
