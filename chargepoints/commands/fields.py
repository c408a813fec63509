"""Form fields for command parameters that arrive as JSON, CLI text or admin input."""

import datetime
import json
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError


class ListField(forms.Field):
    """A list: JSON from the API, ``a,b,c`` or a JSON array from the command line."""

    def __init__(self, *, item: Callable | None = None, max_items: int | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.item = item
        self.max_items = max_items

    def to_python(self, value):
        if value in (None, "", []):
            return []
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except ValueError:
                    raise ValidationError("Not a valid JSON array.") from None
            else:
                value = [part.strip() for part in text.split(",") if part.strip()]
        if not isinstance(value, list):
            raise ValidationError("Expected a list.")
        if self.max_items is not None and len(value) > self.max_items:
            raise ValidationError(f"At most {self.max_items} items.")
        if self.item is None:
            return value
        cleaned = []
        for index, item in enumerate(value):
            try:
                cleaned.append(self.item(item))
            except ValidationError as error:
                raise ValidationError(f"Item {index}: {'; '.join(error.messages)}") from None
        return cleaned


class AnyJSONField(forms.Field):
    """Any JSON value; text holding a JSON object or array (the command line) is parsed.

    Other text is kept exactly: vendor data such as "1.50" must not become 1.5.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value


class ChoiceAliasField(forms.CharField):
    """A choice matched case-insensitively, with aliases (``soft`` = ``OnIdle``).

    ``documented``: the values the API's schema lists, when they are the
    catalogue's own words rather than OCPP's (``HARD``, ``SOFT``: the API's
    enum casing); any case is still taken, and the value kept is the alias's.
    """

    def __init__(self, *, aliases: dict[str, str], documented: list[str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.aliases = {key.lower().replace("_", ""): value for key, value in aliases.items()}
        self.documented = documented or sorted(set(self.aliases.values()))

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        key = value.lower().replace("_", "")
        if key not in self.aliases:
            choices = ", ".join(sorted(set(self.aliases.values())))
            raise ValidationError(f"{value!r} is not one of: {choices}.")
        return self.aliases[key]


class DateTimeField(forms.DateTimeField):
    """An RFC 3339 date-time as text; a number or an object from JSON is a field error."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str | datetime.datetime):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def item_schema(schema: dict):
    """Say, beside a list item's validator, the JSON schema of what it accepts.

    The API schema shows it (chargepoints/api/commands/schema.py), so the two
    are written in one place.
    """

    def attach(clean: Callable) -> Callable:
        clean.json_schema = schema
        return clean

    return attach


def text_item(max_length: int) -> Callable[[object], str]:
    @item_schema({"type": "string", "minLength": 1, "maxLength": max_length})
    def clean(value) -> str:
        if not isinstance(value, str) or not value:
            raise ValidationError("Expected a non-empty string.")
        if len(value) > max_length:
            raise ValidationError(f"At most {max_length} characters.")
        return value

    return clean
