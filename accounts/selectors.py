"""What the accounts interfaces read. Reads never write."""

from django.db.models.fields.files import FieldFile

from accounts.models import Profile


def user_photo(*, user_id: int, viewer) -> FieldFile | None:
    """The user's photo, if there is one and ``viewer`` may see it; else None.

    Its owner may, and whoever may view users (operators: ``accounts.view_user``).
    Anyone else is told nothing, not even whether the user exists.
    """
    if not viewer.is_authenticated:
        return None
    if viewer.pk != user_id and not viewer.has_perm("accounts.view_user"):
        return None
    profile = Profile.objects.filter(user_id=user_id).only("image").first()
    if profile is None or not profile.image:
        return None
    return profile.image
