"""Reservations and the local authorization list."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.enums import IdTokenType
from accounts.models import IdTag
from accounts.services import idtag_find
from chargepoints.commands import targets
from chargepoints.commands.base import CommandForm, connector_field
from chargepoints.commands.fields import ChoiceAliasField, DateTimeField, ListField, text_item
from chargepoints.enums import ReservationStatus
from chargepoints.services.authorization import idtag_authorize
from chargepoints.services.reservations import reservation_expiry_problem


class ReserveNowForm(CommandForm):
    id_tag = forms.CharField(max_length=36)
    expiry_date = DateTimeField()
    connector_id = connector_field(help_text="0 or empty: any connector.")

    def clean_expiry_date(self):
        expiry = self.cleaned_data["expiry_date"]
        problem = reservation_expiry_problem(expiry)
        if problem:
            raise ValidationError(problem)
        return expiry

    def prepared(self) -> dict:
        data = self.cleaned_data
        tag = self.resolve(
            "id_tag", lambda: targets.idtag_target(data["id_tag"], required_known=True)
        )
        target = self.connector_address(data.get("connector_id"))
        self.request_id = targets.new_reservation_id()
        return {
            "reservation_id": self.request_id,
            "expiry_date": targets.iso(data["expiry_date"]),
            **(tag or {}),
            **target,
        }


class CancelReservationForm(CommandForm):
    reservation_id = forms.IntegerField(min_value=1)

    def prepared(self) -> dict:
        reservation_id = self.cleaned_data["reservation_id"]
        active = self.chargepoint.reservations.filter(
            reservation_id=reservation_id, status=ReservationStatus.ACTIVE
        ).exists()
        if not active:
            self.add_error(
                "reservation_id",
                f"Reservation {reservation_id} is not active on this charge point.",
            )
        self.request_id = reservation_id
        return {"reservation_id": reservation_id}


class SendLocalListForm(CommandForm):
    update_type = ChoiceAliasField(
        required=False, aliases={"full": "Full", "differential": "Differential"}
    )
    list_version = forms.IntegerField(required=False, min_value=1)
    id_tags = ListField(
        item=text_item(255), help_text="Tags to send; a full list without any sends every tag."
    )
    remove = ListField(item=text_item(255), help_text="Differential only: tags to remove.")

    def clean(self):
        data = super().clean()
        if data.get("remove") and data.get("update_type") != "Differential":
            self.add_error("remove", "Only a Differential update removes tags.")
        return data

    def prepared(self) -> dict:
        data = self.cleaned_data
        update_type = data.get("update_type") or "Full"
        values = data.get("id_tags") or []
        if not values and update_type == "Full":
            tags = list(IdTag.objects.order_by("idToken").values_list("idToken", flat=True))
        else:
            # Tags are unique regardless of case (a database constraint).
            found = {value: idtag_find(id_token=value) for value in values}
            missing = [value for value, tag in found.items() if tag is None]
            if missing:
                self.add_error("id_tags", f"Unknown id tag(s): {', '.join(missing)}.")
                return {}
            # One entry per tag, even when it was named twice in different cases.
            tags = list(dict.fromkeys(tag.idToken for tag in found.values()))
        entries = []
        for tag in tags:
            auth = idtag_authorize(id_token=tag)
            entry = {**targets.idtag_target(tag), "status": str(auth.status)}
            if auth.expiry_date is not None:
                entry["expiry_date"] = targets.iso(auth.expiry_date)
            entries.append(entry)
        current = self.chargepoint.local_list_version or 0
        return {
            "update_type": update_type,
            "list_version": data.get("list_version") or current + 1,
            "entries": entries,
            "remove": [
                {"id_tag": value, "id_tag_type": IdTokenType.CENTRAL}
                for value in data.get("remove") or []
            ],
        }
