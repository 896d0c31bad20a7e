from django.urls import path

from learners.papers import views

urlpatterns = [
    path("modules/<slug:slug>/ledger/", views.entry_create, name="ledger_entry_create"),
    path("ledger/<int:pk>/move/", views.entry_move, name="ledger_entry_move"),
    path("ledger/<int:pk>/edit/", views.entry_edit, name="ledger_entry_edit"),
    path("ledger/<int:pk>/delete/", views.entry_delete, name="ledger_entry_delete"),
    path("modules/<slug:slug>/passes/<slug:key>/", views.pass_status, name="reading_pass"),
]
