"""Workflow ids: derived from an instance's name, never from its credentials."""

from __future__ import annotations

from ..errors import ConfigurationError
from ..fleet import NAME_PATTERN


def workflow_id(instance: str) -> str:
    """The workflow id of an instance's sync: ``lockt-sync-<name>`` (never a credential).

    Raises:
        ConfigurationError: ``instance`` is not a fleet name (letters, digits, ``.``, ``_``, ``-``).
    """
    if not isinstance(instance, str) or not NAME_PATTERN.match(instance):
        raise ConfigurationError(
            f"instance must be a fleet name (letters, digits, '.', '_', '-'), got {instance!r}"
        )
    return f"lockt-sync-{instance}"
