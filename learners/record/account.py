"""Deleting an account: every row the learner owns, and the account itself."""

from __future__ import annotations

from collections import Counter

from django.apps import apps
from django.db import transaction

from learners.models import LoginFailure, User
from learners.record.export import kind_name


def delete_account(user: User) -> Counter:
    """Delete `user` and everything that refers to them; returns {kind (plural): rows}.

    The database's cascades reach every owned row (each owned model's path to the learner is a
    chain of CASCADE foreign keys; tests/test_record_account.py checks every model in OWNED).
    Failed-login records name the address, not the account, so they go explicitly.
    """
    with transaction.atomic():
        logins, _ = LoginFailure.objects.filter(email=user.email).delete()
        _, per_model = user.delete()
    counts: Counter = Counter()
    for model_label, count in per_model.items():
        model = apps.get_model(model_label)
        if model is User or not count:
            continue
        counts[kind_name(model, count)] += count
    if logins:
        counts[kind_name(LoginFailure, logins)] += logins
    return counts
