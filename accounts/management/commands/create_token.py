from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.services import auth_token_issue


class Command(BaseCommand):
    help = (
        "Make an API token for a script, as logging in on one more device does: "
        "`create_token <user name or phone number>`. The token is printed once; "
        "the database keeps only its hash. It expires after CSMS_TOKEN_TTL_DAYS without use."
    )

    def add_arguments(self, parser):
        parser.add_argument("user")

    def handle(self, *args, **options):
        name = options["user"]
        user = get_user_model().objects.filter(Q(username=name) | Q(phone_number=name)).first()
        if user is None:
            raise CommandError(f"No user {name!r}.")
        if not user.may_charge:
            # Seed 003: a blocked or expired account may not log in.
            raise CommandError(f"The account {name!r} may not log in ({user.status}).")
        _, token = auth_token_issue(user=user)
        # The words of DRF's drf_create_token, so scripts that read the third word keep working.
        self.stdout.write(f"Generated token {token} for user {user.get_username()}")
