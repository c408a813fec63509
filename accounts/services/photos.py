"""Profile photos: what the server accepts, and how it names and serves them.

A photo is checked from its header only. Decoding it would cost memory in
proportion to its pixels, and a small compressed file can declare billions of
them (a decompression bomb), so the pixel count is read and limited before
anything else touches the pixels. The server never decodes a photo at all: it
stores the bytes and hands them back.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

# Pillow's format names. JPEG, PNG and WebP are what phones make and every
# app and browser shows; other formats (TIFF, BMP, PSD, EPS, ...) have no
# place in a profile and only widen what the server must parse. MPO is how
# Pillow names a JPEG with extra frames (some phone cameras): a JPEG viewer
# shows its first.
PHOTO_FORMATS = {
    "JPEG": ".jpg",
    "MPO": ".jpg",
    "PNG": ".png",
    "WEBP": ".webp",
}
_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}

NOT_A_PHOTO = "Upload a photo as a JPEG, PNG or WebP image."


def _bytes_text(count: int) -> str:
    for unit, size in (("MiB", 2**20), ("KiB", 2**10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count:,} bytes"


def _too_many_pixels(pixels: int | None) -> ValidationError:
    limit = settings.CSMS_MAX_PHOTO_PIXELS
    # Pillow refuses, or warns of, a JPEG past its own limit before it tells the size.
    this_one = f"{pixels:,}" if pixels else f"more than {Image.MAX_IMAGE_PIXELS:,}"
    return ValidationError(
        f"A photo may have at most {limit:,} pixels (width times height); this one has {this_one}.",
        code="too_many_pixels",
    )


def _webp_canvas(header: bytes) -> tuple[int, int] | None:
    """The canvas size a WebP file declares (RFC 9649 §2.5-2.7), or None."""
    chunk = header[12:16]
    if chunk == b"VP8 " and len(header) >= 30 and header[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(header[26:28], "little") & 0x3FFF
        height = int.from_bytes(header[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8X" and len(header) >= 30:
        return (
            int.from_bytes(header[24:27], "little") + 1,
            int.from_bytes(header[27:30], "little") + 1,
        )
    if chunk == b"VP8L" and len(header) >= 25 and header[20] == 0x2F:
        bits = int.from_bytes(header[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _declared_pixels(start: bytes) -> int | None:
    """The pixels a PNG or WebP file declares in its first 30 bytes, or None.

    Read before Pillow opens the file: past its own limit Pillow refuses
    without telling the size, and it opens WebP with a decoder that
    allocates the whole canvas at once.
    """
    if start.startswith(b"\x89PNG\r\n\x1a\n") and start[12:16] == b"IHDR":
        # PNG §11.2.2: IHDR comes first; width and height are its first fields.
        return int.from_bytes(start[16:20], "big") * int.from_bytes(start[20:24], "big")
    if start[:4] == b"RIFF" and start[8:12] == b"WEBP":
        canvas = _webp_canvas(start)
        if canvas is None:
            raise SyntaxError("no WebP canvas size")
        return canvas[0] * canvas[1]
    return None


def _read_header(file) -> tuple[str | None, int]:
    """The file's format and pixel count (all frames), from its header.

    Raises Pillow's own errors for anything that is no image of an allowed
    format; the caller turns them into one message.
    """
    file.seek(0)
    declared = _declared_pixels(file.read(30))
    file.seek(0)
    if declared is not None and declared > settings.CSMS_MAX_PHOTO_PIXELS:
        return None, declared
    # Image.open reads the header only; the pixels stay undecoded.
    with Image.open(file, formats=["JPEG", "PNG", "WEBP"]) as image:
        width, height = image.size
        pixels = width * height * getattr(image, "n_frames", 1)
        fmt = image.format
        if pixels <= settings.CSMS_MAX_PHOTO_PIXELS:
            # Checks the file's structure (PNG: every chunk's checksum)
            # without decoding: a truncated or patched upload is refused.
            image.verify()
    return fmt, pixels


def photo_check(*, file) -> str:
    """Check an uploaded photo and return the file suffix for its format.

    Refused, each with a message that names the limit: more bytes than
    ``CSMS_MAX_PHOTO_BYTES``, more pixels than ``CSMS_MAX_PHOTO_PIXELS``, and
    anything that is not a JPEG, PNG or WebP image.
    """
    limit = settings.CSMS_MAX_PHOTO_BYTES
    if file.size is None or file.size > limit:
        raise ValidationError(f"A photo may be at most {_bytes_text(limit)}.", code="too_large")
    try:
        fmt, pixels = _read_header(file)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # A JPEG past Pillow's own limit (far above ours): past twice that
        # it refuses, past it it warns, which is an exception where warnings
        # are errors (the tests); elsewhere it is logged and the count below
        # refuses. PNG and WebP never get here (_declared_pixels).
        raise _too_many_pixels(None) from None
    except Exception:
        # Pillow raises many kinds of error for a file that is no image of
        # these formats (OSError, SyntaxError, ValueError, struct.error...).
        raise ValidationError(NOT_A_PHOTO, code="invalid_image") from None
    finally:
        file.seek(0)
    if pixels > settings.CSMS_MAX_PHOTO_PIXELS:
        raise _too_many_pixels(pixels)
    if fmt not in PHOTO_FORMATS:
        raise ValidationError(NOT_A_PHOTO, code="invalid_image")
    return PHOTO_FORMATS[fmt]


def photo_content_type(*, name: str) -> str | None:
    """The content type of a stored photo, from the suffix the server gave it.

    None for files stored before formats were checked: they are served as
    downloads, never as something a browser would render.
    """
    dot = name.rfind(".")
    return _CONTENT_TYPES.get(name[dot:].lower()) if dot >= 0 else None
