"""Starting an upload: check the request, record it, and hand out a presigned POST."""

from __future__ import annotations

import unicodedata
import uuid

from easycrm.adapters.file_store import FileStore, upload_key
from easycrm.adapters.upload_repository import UploadRepository
from easycrm.errors import InvalidInput, TooLarge
from easycrm.importing.spreadsheet import SUPPORTED_EXTENSIONS
from easycrm.models import Caller
from easycrm.settings import Settings

PRESIGNED_POST_SECONDS = 900
MAX_FILE_NAME_CHARS = 200
MAX_EXTENSION_CHARS = 10
ACCEPTED_CONTENT_TYPES = frozenset(
    {
        "",
        "application/octet-stream",
        "text/csv",
        "text/plain",
        "text/tab-separated-values",
        "application/csv",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)


def clean_file_name(raw: object) -> str:
    """A safe object-key segment that still reads like the user's file name."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("fileName is required.", "INVALID_FILE_NAME")
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters (incl. bidi overrides) could disguise a name; drop them.
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cf")).strip().lstrip(".")
    if not name:
        raise InvalidInput("fileName is not a usable file name.", "INVALID_FILE_NAME")
    if len(name) > MAX_FILE_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= MAX_EXTENSION_CHARS:
            name = stem[: MAX_FILE_NAME_CHARS - len(extension) - 1] + dot + extension
        else:
            name = name[:MAX_FILE_NAME_CHARS]
    return name


def start_upload(
    request: dict, caller: Caller, *, settings: Settings, statuses: UploadRepository, files: FileStore
) -> dict:
    file_name = clean_file_name(request.get("fileName"))
    extension = "." + file_name.rpartition(".")[2].lower() if "." in file_name else ""
    if extension not in SUPPORTED_EXTENSIONS:
        raise InvalidInput(
            f"{file_name} is not a supported file type. Upload one of: {', '.join(SUPPORTED_EXTENSIONS)}.",
            "UNSUPPORTED_FILE_TYPE",
        )
    content_type = request.get("contentType") or ""
    if not isinstance(content_type, str) or content_type.split(";")[0].strip().lower() not in ACCEPTED_CONTENT_TYPES:
        raise InvalidInput(f"Content type {content_type!r} is not a spreadsheet.", "UNSUPPORTED_FILE_TYPE")
    file_size = request.get("fileSize")
    if isinstance(file_size, bool) or not isinstance(file_size, int) or file_size <= 0:
        raise InvalidInput("fileSize must be a positive number of bytes.", "INVALID_FILE_SIZE")
    if file_size > settings.max_upload_bytes:
        raise TooLarge(f"{file_name} is larger than the {settings.max_upload_mb} MB upload limit.", "FILE_TOO_LARGE")
    upload_id = uuid.uuid4().hex
    key = upload_key(upload_id, file_name)
    review = request.get("review", False)
    if not isinstance(review, bool):
        raise InvalidInput("review must be true or false.", "INVALID_REVIEW")
    statuses.create(
        upload_id=upload_id,
        owner=caller.sub,
        owner_email=caller.email,
        file_name=file_name,
        file_size=file_size,
        object_key=key,
        review=review,
    )
    post = files.presigned_post(key, max_bytes=settings.max_upload_bytes, expires_in=PRESIGNED_POST_SECONDS)
    return {
        "uploadId": upload_id,
        "upload": {"url": post["url"], "fields": post["fields"]},
        "expiresIn": PRESIGNED_POST_SECONDS,
    }
