"""Decoding uploaded photos within a memory budget, and re-encoding them with nothing but
pixels (the shoppers' report form and the inspectors' field check).

A decoded image costs width × height × bytes per pixel, whatever the file's size: a 5 MB
PNG can declare 20,000 × 20,000 pixels (1.6 GB as RGBA). So the size in the header is checked
against :data:`MAX_PIXELS` before anything is decoded, and JPEGs are decoded at a reduced
scale (libjpeg's DCT scaling) when a smaller image is all that is needed.

Stored photos keep no metadata: EXIF (with GPS and the phone's serial), XMP, IPTC, JPEG
comments and every other segment are dropped by building the output from pixels alone; an
embedded ICC profile is applied (converted to sRGB) first, so colours stay right without it.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from verify_web.errors import PhotoError

# 24 MP: a phone's full-resolution photo; decoded as RGBA at most 96 MB, once per request.
MAX_PIXELS = 24_000_000


def decode(data: bytes, *, mode: str, formats: set[str], fit: tuple[int, int] | None = None) -> Image.Image:
    """Return the image in ``data`` decoded in ``mode`` (``"RGB"``, ``"L"``), its EXIF
    orientation applied. JPEGs bigger than ``fit`` are decoded at the smallest scale that still
    covers it.

    Raises :class:`PhotoError`: ``not_image`` (unreadable), ``type`` (a format not in
    ``formats``), ``too_large`` (more than :data:`MAX_PIXELS`).
    """
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in formats:
                raise PhotoError("type")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError("too_large")
            if image.format == "JPEG":
                image.draft(mode, fit or image.size)
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _to_srgb(upright).convert(mode)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise PhotoError("not_image") from e


def clean_jpeg(data: bytes, *, formats: set[str], longest: int = 2000, quality: int = 85) -> bytes:
    """Return ``data`` re-encoded as a JPEG of at most ``longest`` pixels a side that holds
    nothing but pixels (a JFIF header, no EXIF, XMP, ICC, IPTC or comment).

    Raises :class:`PhotoError` as :func:`decode` does.
    """
    image = decode(data, mode="RGB", formats=formats, fit=(longest, longest))
    image.thumbnail((longest, longest))
    bare = Image.frombytes("RGB", image.size, image.tobytes())  # pixels only: no info carried over
    out = BytesIO()
    bare.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _to_srgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(profile))
        return (
            ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            or image
        )
    except ImageCms.PyCMSError:
        return image  # a broken profile: keep the pixels as they are, and still drop the profile
