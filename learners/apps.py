from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LearnersConfig(AppConfig):
    default = True
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        # The project's own deployment checks (`manage.py check --deploy`).
        from config import checks  # noqa: F401
        from learners.dashboard import fragments as dashboard_fragments
        from learners.study import fragments as module_fragments
        from learners.web.answers import register_page

        # The pages an htmx write can answer for: each says what its fragments need, so the
        # writes (study/, record/, experiments/) never import the pages (learners/web/answers.py).
        register_page(
            "dashboard", template="dashboard/_fragments.html", build=dashboard_fragments.build
        )
        register_page("module", template="study/_fragments.html", build=module_fragments.build)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on our site class, whose login page goes through the login throttle."""

    default = False  # named in INSTALLED_APPS; LearnersConfig stays this module's default
    default_site = "learners.accounts.admin_site.AdminSite"
