from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("", include("curriculum.urls")),
    path("", include("learners.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
# 503 when the database is unavailable, the usual 500 otherwise (config/unavailable.py).
handler500 = "config.unavailable.server_error"
