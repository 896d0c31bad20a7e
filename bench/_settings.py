"""The site's settings with the benchmarks' URLs (the one-query baseline view beside the site)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench._urls"
