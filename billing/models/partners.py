"""Roaming partners registered through OCPI 2.2.1 credentials, and the tokens they issue."""

from django.db import models

from billing.enums import TokenType, WhitelistType


class OcpiPartner(models.Model):
    """A roaming partner (an eMSP or a hub) registered through OCPI 2.2.1 credentials.

    OCPI 2.2.1 credentials §7: the operator hands out token A out of band;
    the partner registers with it, giving us ``token_b`` (which we use to call
    it) and receiving token C (which it uses to call us). Token A is spent by
    the registration.

    Tokens A and C are ours to check, never to show again, so only their
    hashes are kept (billing.ocpi.tokens): a copy of the database, or an
    operator's screen, opens no partner's door. Token B is sent with every
    call we make to the partner, so it is kept as it was given.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", "Waiting for registration"
        REGISTERED = "REGISTERED", "Registered"
        SUSPENDED = "SUSPENDED", "Suspended"

    name = models.CharField(max_length=100)
    country_code = models.CharField(max_length=2, blank=True)
    party_id = models.CharField(max_length=3, blank=True)
    roles = models.JSONField(default=list, blank=True, help_text="OCPI CredentialsRole objects.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    token_a_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_b = models.CharField(max_length=64, blank=True, editable=False)
    token_c_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Off: the partner sees only sessions and CDRs of the tokens it issued
    # (PartnerToken). On: our own drivers' too, their uids replaced by aliases.
    sees_our_drivers = models.BooleanField(
        "sees our drivers' sessions and CDRs",
        default=False,
        help_text="Also send it sessions and CDRs of tokens we issued (uids are aliased).",
    )
    versions_url = models.URLField(blank=True)
    version = models.CharField(max_length=10, blank=True)
    endpoints = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "OCPI partner"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_a_hash"],
                condition=~models.Q(token_a_hash=""),
                name="ocpi_token_a_hash_unique",
            ),
            models.UniqueConstraint(
                fields=["token_c_hash"],
                condition=~models.Q(token_c_hash=""),
                name="ocpi_token_c_hash_unique",
            ),
        ]

    def __str__(self) -> str:
        party = f" ({self.country_code}*{self.party_id})" if self.party_id else ""
        return f"{self.name}{party}"


class PartnerToken(models.Model):
    """A token a roaming partner (an eMSP) issued to its driver: an OCPI 2.2.1 Token.

    OCPI 2.2.1 tokens §12.3.2: the eMSP pushes its tokens to us (PUT, PATCH)
    and we authorize them at our chargers by their whitelist rule. The token
    is an id tag like any other for the chargers (``id_tag``, whose idToken
    is the token's uid), and belongs to its partner: sessions and CDRs
    charged with it are that partner's to receive (CDRs §10.4.2), and no
    other partner ever sees its uid. A tag without one is ours.
    """

    id_tag = models.OneToOneField(
        "accounts.IdTag", on_delete=models.CASCADE, primary_key=True, related_name="ocpi_issuer"
    )
    partner = models.ForeignKey(OcpiPartner, on_delete=models.CASCADE, related_name="tokens")
    # The Token object as the eMSP sent it (tokens §12.3.2). The eMSP's
    # country code and party id: a hub may send tokens of several eMSPs.
    country_code = models.CharField(max_length=2, blank=True)
    party_id = models.CharField(max_length=3, blank=True)
    uid = models.CharField(max_length=36, blank=True)
    type = models.CharField(max_length=12, choices=TokenType.choices, default=TokenType.RFID)
    contract_id = models.CharField(max_length=36, blank=True)
    visual_number = models.CharField(max_length=64, blank=True)
    issuer = models.CharField(max_length=64, blank=True)
    group_id = models.CharField(max_length=36, blank=True)
    valid = models.BooleanField(default=True)
    whitelist = models.CharField(
        max_length=15, choices=WhitelistType.choices, default=WhitelistType.ALLOWED
    )
    language = models.CharField(max_length=2, blank=True)
    default_profile_type = models.CharField(max_length=20, blank=True)
    energy_contract = models.JSONField(null=True, blank=True)
    # The eMSP's own time of the token's last change (a PATCH must carry it).
    last_updated = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "token issued by the partner"
        verbose_name_plural = "tokens issued by the partner"
        indexes = [models.Index(fields=["partner", "country_code", "party_id", "uid"])]

    def __str__(self) -> str:
        return f"{self.id_tag_id} (issued by {self.partner})"
