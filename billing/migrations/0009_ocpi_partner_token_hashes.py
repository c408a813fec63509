"""Issue 15, finding 8: partners' tokens A and C kept as hashes, the tokens
partners issued, and the operator's choice to show a partner our drivers."""

import hashlib

import django.db.models.deletion
from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    # As billing.ocpi.tokens.token_hash, copied: a migration must not change
    # when the code does. Existing tokens keep working, and are no longer
    # readable.
    OcpiPartner = apps.get_model("billing", "OcpiPartner")
    for partner in OcpiPartner.objects.all():
        for field in ("token_a_hash", "token_c_hash"):
            token = getattr(partner, field)
            if token:
                setattr(partner, field, hashlib.sha256(token.encode()).hexdigest())
        partner.save(update_fields=["token_a_hash", "token_c_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_notification_reads"),
        ("billing", "0008_cdr_action_permissions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="ocpipartner", name="ocpi_token_a_unique"),
        migrations.RemoveConstraint(model_name="ocpipartner", name="ocpi_token_c_unique"),
        migrations.RenameField(
            model_name="ocpipartner", old_name="token_a", new_name="token_a_hash"
        ),
        migrations.RenameField(
            model_name="ocpipartner", old_name="token_c", new_name="token_c_hash"
        ),
        migrations.AlterField(
            model_name="ocpipartner",
            name="token_a_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        # A hash cannot be turned back into its token: going back leaves the
        # hashes in place, and partners must be invited again.
        migrations.RunPython(hash_tokens, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="ocpipartner",
            constraint=models.UniqueConstraint(
                condition=models.Q(("token_a_hash", ""), _negated=True),
                fields=("token_a_hash",),
                name="ocpi_token_a_hash_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="ocpipartner",
            constraint=models.UniqueConstraint(
                condition=models.Q(("token_c_hash", ""), _negated=True),
                fields=("token_c_hash",),
                name="ocpi_token_c_hash_unique",
            ),
        ),
        migrations.AddField(
            model_name="ocpipartner",
            name="sees_our_drivers",
            field=models.BooleanField(
                default=False,
                help_text="Also send it sessions and CDRs of tokens we issued (uids are aliased).",
                verbose_name="sees our drivers' sessions and CDRs",
            ),
        ),
        migrations.CreateModel(
            name="PartnerToken",
            fields=[
                (
                    "id_tag",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="ocpi_issuer",
                        serialize=False,
                        to="accounts.idtag",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tokens",
                        to="billing.ocpipartner",
                    ),
                ),
            ],
            options={
                "verbose_name": "token issued by the partner",
                "verbose_name_plural": "tokens issued by the partner",
            },
        ),
    ]
