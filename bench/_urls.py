"""The site's URLs plus the benchmarks' one-query baseline view (bench/dashboard.py)."""

from bench.dashboard import urlpatterns as _urlpatterns
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401

urlpatterns = _urlpatterns()
