"""The one way the account services change a row: validated, and only what changed."""

from django.db.models import Model


def instance_update(*, instance: Model, data: dict, fields: set[str]) -> None:
    """Set the given fields, validate the whole row and save only what changed."""
    unknown = set(data) - fields
    if unknown:
        raise ValueError(f"Cannot update {', '.join(sorted(unknown))} here.")
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save(
        update_fields=[*data, *(["updated_at"] if hasattr(instance, "updated_at") else [])]
    )
