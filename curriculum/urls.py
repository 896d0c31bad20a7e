from django.urls import path

from curriculum import views

urlpatterns = [
    path("modules/", views.catalogue, name="catalogue"),
    path("modules/<slug:slug>/", views.module_detail, name="module_detail"),
    path("lists/<slug:slug>/", views.list_detail, name="list_detail"),
]
