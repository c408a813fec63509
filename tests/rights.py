"""Users who get their rights as the CSMS ships them: from the Operators or Support group.

Tests make operators this way rather than with ``is_staff`` or
``is_superuser``, so they check that the groups of
accounts/migrations/0003_operator_groups.py are enough for the job.
"""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.services import user_create

OPERATORS = "Operators"
SUPPORT = "Support"

_migration = importlib.import_module("accounts.migrations.0003_operator_groups")


def group(name: str) -> Group:
    """The group as the migration made it."""
    # A transactional test empties every table when it ends, these groups
    # included; the migration's own function makes them again.
    if not Group.objects.filter(name=name).exists():
        _migration.groups_create(apps)
    return Group.objects.get(name=name)


def user_in_group(name: str, *, username: str, password: str | None = "x", **fields) -> User:
    """A new user (with a profile) who is a member of the group ``name`` and nothing more."""
    user = user_create(username=username, password=password, **fields)
    user.groups.add(group(name))
    return user
