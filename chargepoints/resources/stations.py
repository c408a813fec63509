"""Charge points in import and export files.

Columns: chargepoint_id (the key), name, location (a location's id, or its
name when no location has that id), vendor, model, connectors (a count:
connectors 1..n are created, none deleted), security_profile and password
(kept only as its hash, never exported).
"""

import os
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from import_export import widgets
from import_export.fields import Field

from chargepoints.enums import SecurityProfile
from chargepoints.models import ChargePoint, Connector, Location
from chargepoints.resources.sites import SiteResource
from chargepoints.services.connections import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    chargepoint_password_matches,
    password_hash,
)
from chargepoints.services.sites import (
    KEEP,
    PASSWORD_BY_HAND_REFUSED,
    PASSWORD_RIGHT,
    chargepoint_create,
    chargepoint_update,
)
from csms.imports.columns import Boolean, Integer, Text, as_text, is_empty
from csms.imports.resources import may

# Connectors an imported charger may be given: more is a typing error, not a charger.
MOST_CONNECTORS = 100
# What a dry run stores for a new password, in the transaction it rolls back:
# it validates the line and hashes nothing (and no password matches it).
NOT_HASHED = UNUSABLE_PASSWORD_PREFIX + "dry run"


class LocationReference(widgets.Widget):
    """A location by its id or, failing that, its name; exported as its id."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, Location] = {}
        self.by_name: dict[str, list[Location]] = {}

    def clean(self, value, row=None, **kwargs):
        text = as_text(value)
        if not text:
            return None
        if text in self.by_id:
            return self.by_id[text]
        named = self.by_name.get(text, [])
        if len(named) > 1:
            raise ValueError(f"{len(named)} locations are named {text!r}: give the location's id.")
        if not named:
            raise ValueError(f"No location has the id or the name {text!r}.")
        return named[0]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.pk


class ChargePointResource(SiteResource):
    key_column = "chargepoint_id"
    required_columns = ("chargepoint_id", "name")
    # Chargers registered on first connection have no name: their export re-imports.
    required_values = ("chargepoint_id",)
    export_only = ("connected", "status", "ocpp_version", "firmware_version", "last_heartbeat")
    import_only = ("password",)
    related = ("location",)
    export_related = ("location",)

    chargepoint_id = Field("chargepoint_id", "chargepoint_id", Text())
    name = Field("name", "name", Text())
    location = Field("location", "location", LocationReference())
    vendor = Field("chargepoint_vendor", "vendor", Text())
    model = Field("chargepoint_model", "model", Text())
    connectors = Field(
        "connector_count",
        "connectors",
        Integer(lowest=1, highest=MOST_CONNECTORS),
        saves_null_values=False,
    )
    security_profile = Field(
        "security_profile",
        "security_profile",
        Integer(lowest=min(SecurityProfile.values), highest=max(SecurityProfile.values)),
        saves_null_values=False,
    )
    # Read on import by import_instance, never exported: only its hash is stored.
    password = Field(None, "password", Text())
    connected = Field("connected", "connected", Boolean(), readonly=True)
    status = Field("status", "status", Text(), readonly=True)
    ocpp_version = Field("ocpp_version", "ocpp_version", Text(), readonly=True)
    firmware_version = Field("firmware_version", "firmware_version", Text(), readonly=True)
    last_heartbeat = Field(
        "last_heartbeat", "last_heartbeat", widgets.DateTimeWidget(), readonly=True
    )

    class Meta:
        model = ChargePoint
        fields = (
            "chargepoint_id",
            "name",
            "location",
            "vendor",
            "model",
            "connectors",
            "security_profile",
            "password",
            "connected",
            "status",
            "ocpp_version",
            "firmware_version",
            "last_heartbeat",
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.passwords: dict[str, str] = {}
        # The file's new passwords, hashed before the import's transaction.
        self.hashes: dict[str, str] = {}
        # Connector ids each charger of the file has (above 0).
        self.connector_ids: dict[str, set[int]] = {}
        # Whether the password in the file is the one the charger has already.
        self.same_password: dict[str, bool] = {}
        # The chargers whose line gives a number of connectors.
        self.connectors_given: set[str] = set()

    def file_prepare(self, dataset):
        keys = {self.row_key(row) for row in dataset.dict} - {None}
        references = (
            {as_text(value) for value in dataset["location"]}
            if "location" in (dataset.headers)
            else set()
        )
        references.discard("")
        if references:
            widget = self.fields["location"].widget
            for found in Location.objects.filter(Q(pk__in=references) | Q(name__in=references)):
                widget.by_id[found.pk] = found
                widget.by_name.setdefault(found.name, []).append(found)
        for chargepoint_id, number in Connector.objects.filter(
            chargepoint_id__in=keys, connectorid__gt=0
        ).values_list("chargepoint_id", "connectorid"):
            self.connector_ids.setdefault(chargepoint_id, set()).add(number)

    def file_precompute(self, dataset, *, dry_run):
        """Which chargers the file gives the password they have, and the others' new hashes.

        A hash costs milliseconds of CPU (chargepoints/hashers.py), ten
        thousand of them a minute: a pool makes them side by side (hashlib
        leaves the GIL while it works), before the import's transaction, so
        nobody waits on the database meanwhile. A dry run hashes nothing
        new; it compares with the stored hashes, to count as the import will.
        """
        if "password" not in dataset.headers:
            return
        given, seen = {}, set()
        for row in dataset.dict:
            key, password = self.row_key(row), as_text(row.get("password"))
            # A key's later lines are refused; row_check refuses a password it may not set.
            if key is not None and key not in seen and self._may_set(password):
                given[key] = password
            seen.add(key)
        if not given:
            return
        stored = dict(
            ChargePoint.objects.filter(pk__in=given.keys())
            .exclude(password="")
            .values_list("pk", "password")
        )

        def verdict(key: str) -> tuple[bool, str | None]:
            password = given[key]
            if key in stored and chargepoint_password_matches(
                password_hash=stored[key], password=password
            ):
                return True, None
            return False, None if dry_run else password_hash(password)

        with (
            ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool,
            self.progress_bar(len(given), " passwords") as bar,
        ):
            for key, (same, hashed) in zip(given, pool.map(verdict, given), strict=True):
                self.same_password[key] = same
                if hashed:
                    self.hashes[key] = hashed
                bar.update(1)

    def _may_set(self, password: str) -> bool:
        return (
            bool(password)
            and may(self.actor, PASSWORD_RIGHT)
            and PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH
        )

    def row_check(self, instance, row, errors):
        key = self.row_key(row)
        password = as_text(row.get("password"))
        if password:
            if not may(self.actor, PASSWORD_RIGHT):
                errors["password"] = [PASSWORD_BY_HAND_REFUSED]
            elif not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
                errors["password"] = [
                    f"OCPP requires {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters "
                    f"(this one has {len(password)})."
                ]
            self.passwords[key] = password
        stored = self.stored.get(key)
        has_password = bool(password) or bool(stored and stored.password)
        profile_given = not is_empty(row.get("security_profile"))
        if has_password and not profile_given and instance.security_profile == 0:
            # As chargepoint_set_password will: a password nobody asks for protects nothing.
            instance.security_profile = SecurityProfile.BASIC_AUTH
        profile = instance.security_profile
        if "security_profile" in errors:
            pass
        elif profile in (SecurityProfile.BASIC_AUTH, SecurityProfile.BASIC_AUTH_TLS):
            if not has_password:
                errors["security_profile"] = [
                    f"Profile {profile} needs a password: give one in the password column."
                ]
        elif profile == SecurityProfile.NONE and has_password:
            errors["security_profile"] = [
                "A charger with a password must present it: profile 1 at least."
            ]
        if not is_empty(row.get("connectors")) and "connectors" not in errors:
            self.connectors_given.add(key)
            seen = len(self.connector_ids.get(key, ()))
            # Connectors are never deleted by an import: the count covers those there are.
            instance.connector_count = max(instance.connector_count, seen)

    def _password_changes(self, key) -> bool:
        return key in self.passwords and not self.same_password.get(key, False)

    def _missing_connectors(self, instance) -> list[int]:
        if instance.pk not in self.connectors_given:
            return []
        have = self.connector_ids.get(instance.pk, set())
        return [n for n in range(1, (instance.connector_count or 0) + 1) if n not in have]

    def other_changes(self, instance, row):
        return self._password_changes(instance.pk) or bool(self._missing_connectors(instance))

    def save_instance(self, instance, is_create, row, **kwargs):
        key = instance.pk
        fields = {
            field.attribute: getattr(instance, field.attribute)
            for field in self.get_import_fields()
            if field.attribute and field.column_name in row and not field.readonly
        }
        fields["security_profile"] = instance.security_profile
        fields["connector_count"] = instance.connector_count or 1
        password = self.passwords.get(key) if self._password_changes(key) else None
        hashed = self.hashes.get(key) or (NOT_HASHED if self.dry_run else None)
        try:
            with transaction.atomic():
                if is_create:
                    chargepoint_create(fields=fields, password=password, hashed=hashed)
                else:
                    chargepoint_update(
                        chargepoint=self.stored[key],
                        fields=fields,
                        password=password or KEEP,
                        hashed=hashed,
                    )
                # Numbered 1..n as OCPP 1.6 numbers them; a 2.0.1 charger's
                # reports adopt them (services/connectors.py).
                Connector.objects.bulk_create(
                    [
                        Connector(chargepoint_id=key, connectorid=number)
                        for number in self._missing_connectors(instance)
                    ]
                )
        except IntegrityError as error:
            raise ValidationError(f"Not saved: {error}") from None
