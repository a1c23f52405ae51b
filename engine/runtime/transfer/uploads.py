"""The uploaded import file of the current request, within the import size limit
(`IMPORT_MAX_BYTES`, 20 MB by default) — shared by the API and the import screen."""
from __future__ import annotations

from flask import current_app, request

from engine.runtime.errors import BadRequest, ErrorDetail, PayloadTooLarge

DEFAULT_IMPORT_MAX_BYTES = 20 * 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024


def read_upload() -> tuple[str, bytes]:
    """(file name, bytes) of the multipart field `file`."""
    limit = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)
    too_large = PayloadTooLarge(f"The file is larger than the import limit of {limit // (1024 * 1024)} MB",
                                [ErrorDetail("file", f"at most {limit} bytes")])
    if request.content_length and request.content_length > limit + MULTIPART_OVERHEAD:
        raise too_large
    request.max_content_length = limit + MULTIPART_OVERHEAD
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Send the file as multipart field 'file'", [ErrorDetail("file", "missing")])
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return upload.filename or "", data
