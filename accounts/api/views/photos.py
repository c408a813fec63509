"""A user's photo, served to its owner and to whoever may view users.

Photos are never reachable by a media URL: each answer is checked here. An
app shows the URL that me/profile/ gives (``image``); the admin links here.
"""

import hashlib

from django.http import FileResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from accounts.api.schema import AUTH, ID, responses
from accounts.selectors import user_photo
from accounts.services.photos import photo_content_type
from csms.api.query import query_parameters_check

_PHOTO = OpenApiResponse(OpenApiTypes.BINARY, description="The photo, as it was uploaded.")
_KINDS = ("image/jpeg", "image/png", "image/webp", "application/octet-stream")
_UNCHANGED = OpenApiResponse(description="Unchanged since the ETag sent in If-None-Match.")


class UserPhotoView(APIView):
    """GET users/{id}/photo/: the bytes of a user's profile photo."""

    @extend_schema(
        summary="A user's photo: your own, or anyone's for operators",
        parameters=[ID],
        responses=responses(
            {**{(200, kind): _PHOTO for kind in _KINDS}, 304: _UNCHANGED},
            *AUTH,
            404,
        ),
    )
    def get(self, request, pk: str):
        # A malformed id is a 404 like any other (accounts.api.schema.ANY_SEGMENT).
        user_id = int(pk) if pk.isascii() and pk.isdigit() and len(pk) < 19 else None
        photo = user_photo(user_id=user_id, viewer=request.user) if user_id else None
        if photo is None:
            raise NotFound()
        # The name is random and says nothing; hashed all the same, so no
        # answer repeats where the file lies.
        etag = f'"{hashlib.sha256(photo.name.encode()).hexdigest()[:32]}"'
        response = get_conditional_response(request._request, etag=etag)
        if response is None:
            try:
                handle = photo.storage.open(photo.name, "rb")
            except FileNotFoundError:
                raise NotFound() from None
            content_type = photo_content_type(name=photo.name)
            suffix = photo.name[photo.name.rfind(".") :] if content_type else ""
            # A file stored before formats were checked goes out as a
            # download, never as something a browser would render.
            response = FileResponse(
                handle,
                content_type=content_type or "application/octet-stream",
                as_attachment=content_type is None,
                filename=f"photo{suffix}",
            )
        response["ETag"] = etag
        # Only the caller's own cache may keep it, and asks again each time
        # (a 304 while unchanged): a replaced or removed photo goes at once.
        patch_cache_control(response, private=True, no_cache=True)
        response["X-Content-Type-Options"] = "nosniff"
        # Opened on its own, the file runs nothing, whatever it holds.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    def perform_content_negotiation(self, request, force=False):
        if not force:
            # Forced negotiation swallows the check's refusal: make it here.
            query_parameters_check(self, request)
        # Apps ask for image/*, which no renderer offers; errors are still JSON.
        return super().perform_content_negotiation(request, force=True)
