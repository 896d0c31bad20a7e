from django.urls import path

from curriculum import views

# The module page itself is the learner's study page: learners/study/urls.py.
urlpatterns = [
    path("modules/", views.catalogue, name="catalogue"),
    path("lists/<slug:slug>/", views.list_detail, name="list_detail"),
]
