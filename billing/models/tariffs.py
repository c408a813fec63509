"""Tariffs, the pricing of a transaction, and charge detail records (OCPI 2.2.1)."""

from django.db import models

from billing.enums import AuthMethod, TariffType
from chargepoints.models.ids import new_ocpi_id


class Tariff(models.Model):
    """An OCPI 2.2.1 Tariff (seed 000). Prices are in ``currency``.

    Ids are OCPI strings (at most 36 characters): tariffs imported from a
    partner need not have UUIDs. New tariffs get a UUID string.
    """

    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    id = models.CharField(max_length=36, primary_key=True, default=new_ocpi_id)
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    # Blank: OCPI 2.2.1 tariffs §11.3.1, a tariff without type is valid for every session.
    type = models.CharField(
        max_length=20, choices=TariffType.choices, default=TariffType.REGULAR, blank=True
    )
    tariff_alt_text = models.JSONField(
        default=list, blank=True, help_text='[{"language": "en", "text": "..."}]'
    )
    tariff_alt_url = models.URLField(max_length=255, blank=True)
    min_price = models.JSONField(
        null=True, blank=True, help_text='{"excl_vat": 0.5, "incl_vat": 0.6}'
    )
    max_price = models.JSONField(null=True, blank=True)
    start_date_time = models.DateTimeField(null=True, blank=True)
    end_date_time = models.DateTimeField(null=True, blank=True)
    energy_mix = models.JSONField(null=True, blank=True)
    last_updated = models.DateTimeField(auto_now=True)
    # Where the tariff applies; a connector lists it among its OCPI
    # Connector.tariff_ids (hence the name of the way back).
    connectors = models.ManyToManyField(
        "chargepoints.Connector", blank=True, related_name="tariff_ids"
    )

    class Meta:
        ordering = ["country_code", "party_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "id"], name="tariff_ocpi_identity_unique"
            ),
        ]

    def __str__(self) -> str:
        for text in self.tariff_alt_text or []:
            if isinstance(text, dict) and text.get("text"):
                return f"{text['text']} ({self.id})"
        return f"Tariff {self.id} ({self.currency})"


class TransactionPricing(models.Model):
    """Billing's side of a transaction: its tariff and what it costs so far.

    The tariff in force when the transaction started is copied as an OCPI
    Tariff object: a later edit of the tariff never reprices the session.
    Made when the transaction starts (billing.subscribers) or is reconciled.
    """

    transaction = models.OneToOneField(
        "chargepoints.Transaction",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pricing",
    )
    tariff = models.ForeignKey(
        Tariff, on_delete=models.SET_NULL, null=True, blank=True, related_name="transactions"
    )
    tariff_snapshot = models.JSONField(null=True, blank=True)
    total_cost = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Cost so far including VAT, in the tariff's currency; empty when unpriced.",
    )
    # Where the running cost was left (billing/pricing/running.py): the next
    # meter value prices only what is new, not the whole session again.
    running_state = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "transaction pricing"
        verbose_name_plural = "transaction pricing"

    def __str__(self) -> str:
        return f"Pricing of transaction {self.transaction_id}"


class TariffElement(models.Model):
    """One element of a tariff: price components under restrictions (OCPI §11.3.4).

    Order matters in OCPI (the first element whose restrictions match
    applies), so elements belong to one tariff and keep a position.
    """

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="elements")
    position = models.PositiveSmallIntegerField(default=0)
    price_components = models.JSONField(
        default=list, help_text='[{"type": "ENERGY", "price": 0.25, "vat": 19.0, "step_size": 1}]'
    )
    restrictions = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["tariff", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tariff", "position"], name="tariff_element_position"),
        ]

    def __str__(self) -> str:
        kinds = ", ".join(str(c.get("type", "?")) for c in self.price_components or [])
        return f"{self.tariff_id} element {self.position}: {kinds}"


class CDR(models.Model):
    """An OCPI 2.2.1 charge detail record (seed 000 CDR).

    A CDR is a snapshot: ``cdr_token`` and ``cdr_location`` are copies of the
    OCPI CdrToken and CdrLocation at the time, so later edits to tags or
    locations never change what was billed. The foreign keys keep the links.
    Amounts are OCPI Price objects: {"excl_vat": ..., "incl_vat": ...}.
    """

    country_code = models.CharField(max_length=2)
    party_id = models.CharField(max_length=3)
    id = models.CharField(max_length=39, primary_key=True, default=new_ocpi_id)
    start_date_time = models.DateTimeField()
    end_date_time = models.DateTimeField()
    session_id = models.CharField(max_length=36, blank=True)
    transaction = models.ForeignKey(
        "chargepoints.Transaction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cdrs",
    )
    cdr_token = models.JSONField(help_text="OCPI CdrToken snapshot.")
    id_tag = models.ForeignKey(
        "accounts.IdTag", on_delete=models.PROTECT, null=True, blank=True, related_name="cdrs"
    )
    auth_method = models.CharField(max_length=15, choices=AuthMethod.choices)
    authorization_reference = models.CharField(max_length=36, blank=True)
    cdr_location = models.JSONField(help_text="OCPI CdrLocation snapshot.")
    location = models.ForeignKey(
        "chargepoints.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cdrs",
    )
    meter_id = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3)
    tariffs = models.ManyToManyField(Tariff, blank=True, related_name="cdrs")
    # The tariffs as they were when the session was priced (OCPI Tariff
    # objects): what partners are shown, whatever happened to the rows since.
    tariff_snapshots = models.JSONField(default=list, blank=True)
    charging_periods = models.JSONField(default=list)
    signed_data = models.JSONField(null=True, blank=True)
    total_cost = models.JSONField()
    total_fixed_cost = models.JSONField(null=True, blank=True)
    total_energy = models.FloatField("total energy (kWh)")
    total_energy_cost = models.JSONField(null=True, blank=True)
    total_time = models.FloatField("total time (h)")
    total_time_cost = models.JSONField(null=True, blank=True)
    total_parking_time = models.FloatField("total parking time (h)", null=True, blank=True)
    total_parking_cost = models.JSONField(null=True, blank=True)
    total_reservation_cost = models.JSONField(null=True, blank=True)
    remark = models.CharField(max_length=255, blank=True)
    invoice_reference_id = models.CharField(max_length=39, blank=True)
    credit = models.BooleanField(default=False)
    credit_reference_id = models.CharField(max_length=39, blank=True)
    home_charging_compensation = models.BooleanField(default=False)
    # Not OCPI fields: what the pricing had to assume, in words (a current it
    # derived from power, or a restriction it could not check), so a price a
    # driver or partner questions can be explained (billing/pricing).
    pricing_notes = models.JSONField(default=list, blank=True)
    # Not OCPI fields: a CDR made from a transaction we learnt of only partly
    # (a stop for an unknown start) waits for an operator before partners see it.
    needs_review = models.BooleanField(default=False)
    review_note = models.CharField(max_length=255, blank=True)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "CDR"
        ordering = ["-end_date_time"]
        # A CDR is never edited; what operators may do with one is its own right.
        permissions = [
            ("approve_cdr", "Can approve CDRs for partners"),
            ("credit_cdr", "Can credit and reprice CDRs"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "party_id", "id"], name="cdr_ocpi_identity_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"CDR {self.id}"
