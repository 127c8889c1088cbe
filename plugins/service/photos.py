"""Photos customers attach to a service request in the portal: checked, stored, served.

An upload is accepted only when Pillow decodes it as a JPEG, PNG or WebP image (whatever
its file name or declared type says), within ``SERVICE_PHOTO_MAX_BYTES`` (5 MB) and a pixel
limit, at most ``MAX_PHOTOS`` per request. Files are stored in the instance folder under their
SHA-256 and served only through scoped views (the customer's portal, staff who may see the
request), always with the type we detected.
"""
from __future__ import annotations

import hashlib
import io
import os

from flask import current_app, send_file
from flask_babel import gettext as _

from core.db import db
from plugins.service.models import RequestPhoto, ServiceRequest
from plugins.service.service import ServiceInputError

TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PHOTOS = 5
MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("SERVICE_PHOTO_MAX_BYTES") or DEFAULT_MAX_BYTES)


def _folder() -> str:
    path = os.path.join(current_app.instance_path, "service", "photos")
    os.makedirs(path, exist_ok=True)
    return path


def stored_path(sha256: str) -> str:
    return os.path.join(_folder(), sha256)


def check(upload) -> tuple[bytes, str]:
    """The bytes and detected type of an uploaded photo, or :class:`ServiceInputError`."""
    from PIL import Image, UnidentifiedImageError

    name = (getattr(upload, "filename", "") or "")[:200]
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise ServiceInputError({"photos": [_("%(name)s is larger than %(mb)d MB.", name=name,
                                              mb=max_bytes() // (1024 * 1024))]})
    if not data:
        raise ServiceInputError({"photos": [_("%(name)s is empty.", name=name)]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if kind not in TYPES or width * height > MAX_PIXELS:
                raise ValueError(kind)
            image.verify()
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ServiceInputError({"photos": [_("%(name)s is not a JPEG, PNG or WebP photo.", name=name)]}) from None
    return data, TYPES[kind]


def attach(req: ServiceRequest, uploads) -> list[RequestPhoto]:
    """Check every upload first (all or nothing), then store them and add their rows."""
    uploads = [u for u in uploads if u and getattr(u, "filename", "")]
    if len(uploads) > MAX_PHOTOS:
        raise ServiceInputError({"photos": [_("At most %(n)d photos.", n=MAX_PHOTOS)]})
    checked = [(u, *check(u)) for u in uploads]
    rows = []
    for upload, data, content_type in checked:
        digest = hashlib.sha256(data).hexdigest()
        path = stored_path(digest)
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as out:
                out.write(data)
            os.replace(path + ".tmp", path)
        name = os.path.basename((upload.filename or "photo").replace("\\", "/"))[:200] or "photo"
        row = RequestPhoto(request_id=req.id, customer_id=req.customer_id, filename=name, content_type=content_type,
                           size=len(data), sha256=digest)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def serve(photo: RequestPhoto):
    """The photo, inline, with the type detected on upload (the caller checked who may see it)."""
    response = send_file(stored_path(photo.sha256), mimetype=photo.content_type, download_name=photo.filename,
                         as_attachment=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def erase_photos(customer_id: int) -> None:
    """GDPR erasure: the customer's photos go; their files are removed after the commit by a
    background call (``service.forget_photos``), each only when no other row still uses it."""
    import sqlalchemy as sa

    from core.jobs import run_soon

    digests = db.session.execute(sa.select(RequestPhoto.sha256).where(RequestPhoto.customer_id == customer_id)
                                 ).scalars().all()
    if not digests:
        return
    db.session.execute(sa.delete(RequestPhoto).where(RequestPhoto.customer_id == customer_id))
    run_soon("service.forget_photos", {"digests": sorted(set(digests))})


def forget_files(digests: list[str]) -> None:
    """Remove stored photo files no row refers to any more (the ``service.forget_photos`` call)."""
    import sqlalchemy as sa

    still = set(db.session.execute(sa.select(RequestPhoto.sha256).where(RequestPhoto.sha256.in_(digests))
                                   ).scalars())
    for digest in digests:
        if digest not in still and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            try:
                os.remove(stored_path(digest))
            except FileNotFoundError:
                pass
