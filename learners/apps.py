from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class LearnersConfig(AppConfig):
    default = True
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        # The project's own deployment checks (`manage.py check --deploy`).
        from config import checks  # noqa: F401

        _register_pages()
        _connect_page_cache()


def _register_pages() -> None:
    """The pages an htmx write can answer for: each says what its fragments need, so the
    writes (study/, record/, experiments/) never import the pages (learners/web/answers.py)."""
    from learners.dashboard import fragments as dashboard_fragments
    from learners.study import fragments as module_fragments
    from learners.web.answers import register_page

    register_page(
        "dashboard", template="dashboard/_fragments.html", build=dashboard_fragments.build
    )
    register_page("module", template="study/_fragments.html", build=module_fragments.build)


def _connect_page_cache() -> None:
    """What moves a learner's cached page sections besides their own writes
    (learners/web/pagecache.py). Every app's models are loaded by now, so OWNED is complete."""
    from django.db.models.signals import post_delete, post_save

    from curriculum.models import ModuleList, ModuleListItem
    from curriculum.signals import curriculum_loaded
    from learners.lib.ownership import OWNED
    from learners.web import pagecache

    def on_change(receiver, model) -> None:
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, dispatch_uid=f"pagecache_{model._meta.label}")

    for model in OWNED:
        if model._meta.label_lower not in pagecache.NEVER_SHOWN:
            on_change(pagecache.owned_row_changed, model)
    for model in (ModuleList, ModuleListItem):
        on_change(pagecache.curriculum_changed, model)
    curriculum_loaded.connect(pagecache.curriculum_changed, dispatch_uid="pagecache_load")


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on our site class, whose login page goes through the login throttle."""

    default = False  # named in INSTALLED_APPS; LearnersConfig stays this module's default
    default_site = "learners.accounts.admin_site.AdminSite"
