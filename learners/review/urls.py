from django.urls import path

from learners.review import views

urlpatterns = [
    path("review/", views.review_page, name="review_page"),
    path("review/restart/", views.review_restart, name="review_restart"),
    path("review/cards/<int:pk>/rate/", views.review_rate, name="review_rate"),
    path("review/cards/<int:pk>/suspend/", views.card_suspend, name="card_suspend"),
    path("review/cards/<int:pk>/delete/", views.card_delete, name="card_delete"),
    path("modules/<slug:slug>/cards/", views.question_create, name="question_create"),
    path("modules/<slug:slug>/review/pause/", views.module_pause, name="module_pause"),
    path("notes/<int:pk>/card/", views.note_to_card, name="note_to_card"),
]
