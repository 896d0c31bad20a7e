"""Which models hold a learner's own data, in an order where each row's references come first.

Each app marks its models with `@owned`; export, import and account deletion read `OWNED`, so
a new model that a learner owns is carried along by marking it, nothing else. Registration
order is import order: learners.models first, then its sub-apps in INSTALLED_APPS order.
"""

from __future__ import annotations

from django.db import models

OWNED: list[type[models.Model]] = []


def owned(model: type[models.Model]) -> type[models.Model]:
    if model not in OWNED:
        OWNED.append(model)
    return model
