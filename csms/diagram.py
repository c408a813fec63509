"""The Mermaid ER diagram of the project's models, generated so it never drifts."""

from django.apps import apps
from django.db import models

PROJECT_APPS = ("accounts", "chargepoints", "billing", "ocpp_gateway")

_TYPES = {
    "AutoField": "int",
    "BigAutoField": "bigint",
    "BooleanField": "bool",
    "CharField": "string",
    "DateField": "date",
    "DateTimeField": "datetime",
    "DecimalField": "decimal",
    "FileField": "file",
    "FloatField": "float",
    "GenericIPAddressField": "ip",
    "IntegerField": "int",
    "JSONField": "json",
    "PositiveIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "SmallIntegerField": "int",
    "TextField": "text",
    "UUIDField": "uuid",
}


def _column(field: models.Field) -> str:
    kind = _TYPES.get(field.get_internal_type(), "string")
    if field.is_relation:
        kind = field.target_field.model.__name__
    keys = []
    if field.primary_key:
        keys.append("PK")
    elif field.is_relation:
        keys.append("FK")
    elif field.unique:
        keys.append("UK")
    name = field.name
    return f"        {kind} {name}{' ' + ','.join(keys) if keys else ''}"


def er_diagram() -> str:
    """Entities with every field, then one line per relation."""
    models_ = [
        model
        for label in PROJECT_APPS
        for model in sorted(apps.get_app_config(label).get_models(), key=lambda m: m.__name__)
        # A proxy has no table of its own: it shows another model's rows.
        if not model._meta.proxy
    ]
    ours = set(models_)
    lines = ["erDiagram"]
    relations = []
    for model in models_:
        lines.append(f"    {model.__name__} {{")
        for field in model._meta.local_fields:
            lines.append(_column(field))
        lines.append("    }")
        for field in model._meta.local_fields:
            if not field.is_relation:
                continue
            target = field.related_model.__name__
            one = "|o" if field.null else "||"
            many = "o|" if field.one_to_one else "o{"
            relations.append(f"    {target} {one}--{many} {model.__name__} : {field.name}")
        for field in model._meta.local_many_to_many:
            if field.related_model not in ours:
                continue  # Django's own Group / Permission: not part of this model
            target = field.related_model.__name__
            relations.append(f"    {model.__name__} }}o--o{{ {target} : {field.name}")
    return "\n".join(lines + relations) + "\n"
