"""Issue 15, finding 9: profile photos.

A 144-megapixel PNG of a few kilobytes was accepted as a profile photo (a
decompression bomb for whoever decodes it), any format Pillow knows was
stored, and photos lay under a name that began with the owner's id at a
bare /media/ URL that any browser could fetch while DEBUG was on. Each attack
is replayed here: refused with a 400 that names the limit and nothing stored,
and a photo reaches its owner and operators only, through a view that checks.
"""

import importlib
import io
import os
import re
import struct
import zlib

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import clear_url_caches, reverse
from PIL import Image
from rest_framework.test import APIClient

import csms.urls
from accounts.models import Profile
from accounts.services import user_create
from tests.problems import field_errors

PROFILE = "/api/v1/me/profile/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(user, data: bytes, name: str = "me.png"):
    photo = io.BytesIO(data)
    photo.name = name
    return as_user(user).patch(PROFILE, {"image": photo}, format="multipart")


def png_bytes(size=(8, 8), fmt: str = "PNG", noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, "red")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of width by height pixels, a few kilobytes in all."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    # 1 bit per pixel, grayscale; each row is a filter byte and its bits.
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)
    pixels = b"".join(rows.compress(row * 1000) for _ in range(height // 1000))
    pixels += rows.compress(row * (height % 1000)) + rows.flush()
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def webp_canvas(width: int, height: int) -> bytes:
    """The header of an extended WebP (VP8X) that declares a width by height canvas."""
    vp8x = b"\0\0\0\0" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) says width by height."""
    data = bytearray(png_bytes(fmt="JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def nothing_stored(user, media) -> bool:
    return not Profile.objects.get(user=user).image and not any(media.rglob("*.*"))


# -- what is accepted ------------------------------------------------------------


@pytest.mark.parametrize(
    "data, pixels",
    [
        (png_bomb(12_000, 12_000), "144,000,000"),  # past Pillow's own limit too
        (png_bomb(6_000, 5_000), "30,000,000"),  # past ours only
        (webp_canvas(12_000, 12_000), "144,000,000"),
        (jpeg_declaring(6_000, 5_000), "30,000,000"),
        # Pillow stops at its own limit before it tells the size.
        (jpeg_declaring(12_000, 12_000), "more than 89,478,485"),
    ],
    ids=[
        "144-megapixel PNG",
        "30-megapixel PNG",
        "144-megapixel WebP",
        "30-megapixel JPEG",
        "144-megapixel JPEG",
    ],
)
def test_a_photo_with_too_many_pixels_is_refused_whatever_its_size(driver, media, data, pixels):
    assert len(data) < 100_000

    response = upload(driver, data)

    assert response.status_code == 400
    limit = "A photo may have at most 24,000,000 pixels (width times height)"
    assert field_errors(response) == {"image": [f"{limit}; this one has {pixels}."]}
    assert nothing_stored(driver, media)


def test_a_photo_with_more_bytes_than_the_limit_is_refused(driver, media, settings):
    settings.CSMS_MAX_PHOTO_BYTES = 64 * 1024
    data = png_bytes((200, 200), noise=True)  # incompressible: ~120 KB
    assert len(data) > 64 * 1024

    response = upload(driver, data)

    assert response.status_code == 400
    assert field_errors(response) == {"image": ["A photo may be at most 64 KiB."]}
    assert nothing_stored(driver, media)


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(document.cookie)</script></html>",
        png_bytes(fmt="BMP"),
        png_bytes(fmt="GIF"),
        png_bytes(fmt="TIFF"),
        png_bytes()[:60],  # a PNG cut short
    ],
    ids=["HTML", "BMP", "GIF", "TIFF", "truncated PNG"],
)
def test_a_file_that_is_no_jpeg_png_or_webp_is_refused(driver, media, data):
    response = upload(driver, data, name="me.png")

    assert response.status_code == 400
    assert field_errors(response) == {"image": ["Upload a photo as a JPEG, PNG or WebP image."]}
    assert nothing_stored(driver, media)


def test_a_stored_photo_has_a_random_name_that_says_nothing_of_its_owner(driver, media):
    response = upload(driver, png_bytes(), name=f"{driver.username}-holiday.png")

    assert response.status_code == 200
    name = Profile.objects.get(user=driver).image.name
    assert re.fullmatch(r"profiles/[0-9a-f]{32}\.png", name), name
    assert (media / name).exists()


# -- who sees a photo ------------------------------------------------------------


@pytest.fixture
def photo(driver):
    """The driver's photo: its bytes, after they uploaded it."""
    data = png_bytes()
    assert upload(driver, data).status_code == 200
    return data


@pytest.fixture
def operator(db):
    """Staff who may view users (and nothing more)."""
    user = user_create(username="support", password=None, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    return user


@pytest.fixture
def other_driver(db):
    return user_create(username="someone", password=None, phone_number="+66898765432")


def photo_url(user) -> str:
    return f"/api/v1/users/{user.pk}/photo/"


def test_the_profile_gives_the_url_of_the_checking_view(driver, photo):
    body = as_user(driver).get(PROFILE).json()

    assert body["image"] == f"http://testserver{photo_url(driver)}"


@pytest.mark.parametrize("who", ["owner", "operator"])
def test_the_owner_and_operators_get_the_photo(driver, photo, operator, who):
    viewer = driver if who == "owner" else operator

    response = as_user(viewer).get(photo_url(driver), HTTP_ACCEPT="image/*")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == photo
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_another_driver_and_staff_without_the_right_get_404(driver, photo, other_driver):
    staff = user_create(username="staff", password=None, is_staff=True)
    # The URL works: for its owner.
    assert as_user(driver).get(photo_url(driver)).status_code == 200

    for viewer in (other_driver, staff):
        response = as_user(viewer).get(photo_url(driver))

        assert response.status_code == 404
        assert photo not in response.content


def test_an_anonymous_caller_gets_no_photo(driver, photo):
    response = APIClient().get(photo_url(driver))

    # 401, as on every route of the API that is not public: it tells nothing
    # of whether the user or their photo exists.
    assert response.status_code == 401
    assert photo not in response.content


def test_no_bare_media_url_serves_a_photo_even_with_debug_on(driver, photo, settings):
    name = Profile.objects.get(user=driver).image.name
    # The local demo runs with DEBUG on; csms/urls.py used to serve MEDIA_ROOT then.
    settings.DEBUG = True
    importlib.reload(csms.urls)
    clear_url_caches()
    try:
        response = Client().get(f"/{settings.MEDIA_URL.lstrip('/')}{name}")
    finally:
        settings.DEBUG = False
        importlib.reload(csms.urls)
        clear_url_caches()

    assert response.status_code == 404


def test_the_admin_links_the_photo_through_the_checking_view(driver, photo, admin_client):
    profile = Profile.objects.get(user=driver)

    page = admin_client.get(reverse("admin:accounts_profile_change", args=[profile.pk]))

    assert page.status_code == 200
    assert f'href="{photo_url(driver)}"' in page.content.decode()
    assert profile.image.name not in page.content.decode()
