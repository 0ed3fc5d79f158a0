"""Covers: an uploaded photo is checked (a JPEG, PNG or WebP of at most 5 MB, not a
decompression bomb) and re-encoded (EXIF stripped, bounded size) with a thumbnail."""

from __future__ import annotations

import io
import warnings
from datetime import datetime
from typing import TYPE_CHECKING

from app.kernel.db import write_transaction
from app.kernel.lazy import lazy
from reading.lending.errors import BookNotFound, InvalidImage
from reading.lending.tables import Book, BookCover

if TYPE_CHECKING:
    import PIL
    from PIL import Image, ImageOps
else:
    PIL = lazy("PIL")
    Image = lazy("PIL.Image")
    ImageOps = lazy("PIL.ImageOps")

MAX_COVER_BYTES = 5 * 1024 * 1024
MAX_COVER_PIXELS = 40_000_000  # refuse decompression bombs before decoding
COVER_SIZE = (1200, 1200)
THUMB_SIZE = (240, 240)


def reencode_cover(raw: bytes) -> tuple[bytes, bytes]:
    """Check an uploaded cover and re-encode it: JPEG, EXIF stripped, bounded size, thumbnail.
    Not an image, too large, or a decompression bomb → InvalidImage."""
    if len(raw) > MAX_COVER_BYTES:
        raise InvalidImage("封面图片不能超过 5 MB")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; MAX_COVER_PIXELS, far below,
            # refuses such a picture just after with a clearer message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ("JPEG", "PNG", "WEBP"):
                    raise InvalidImage()
                width, height = probe.size
                if width * height > MAX_COVER_PIXELS:
                    raise InvalidImage("封面图片的像素太多")
                probe.verify()
        with Image.open(io.BytesIO(raw)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")  # orientation applied, EXIF gone
            image.thumbnail(COVER_SIZE)
            cover = io.BytesIO()
            image.save(cover, format="JPEG", quality=85, optimize=True)
            image.thumbnail(THUMB_SIZE)
            thumb = io.BytesIO()
            image.save(thumb, format="JPEG", quality=80, optimize=True)
    except InvalidImage:
        raise
    except (PIL.UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidImage() from None
    return cover.getvalue(), thumb.getvalue()


async def set_cover(book_id: int, raw: bytes, *, now: datetime) -> None:
    image, thumbnail = reencode_cover(raw)
    if not await Book.exists().where(Book.id == book_id):
        raise BookNotFound()
    async with write_transaction():
        await BookCover.delete().where(BookCover.book == book_id)
        await BookCover.insert(BookCover(book=book_id, image=image, thumbnail=thumbnail, updated_at=now))
        await Book.update({Book.has_cover: True}).where(Book.id == book_id)


async def cover(book_id: int, *, thumbnail: bool) -> bytes | None:
    row = (
        await BookCover.select(BookCover.thumbnail if thumbnail else BookCover.image)
        .where(BookCover.book == book_id)
        .first()
    )
    return bytes(next(iter(row.values()))) if row else None
