"""The uploaded import file of the current request, within the import size limit
(`IMPORT_MAX_BYTES`, 20 MB by default) — shared by the API and the import screen."""
from __future__ import annotations

from flask import current_app, request

from engine.runtime.errors import BadRequest, ErrorDetail
from engine.runtime.transfer.limits import DEFAULTS, FileTooLarge

DEFAULT_IMPORT_MAX_BYTES = DEFAULTS["IMPORT_MAX_BYTES"]
MULTIPART_OVERHEAD = 64 * 1024


def read_upload() -> tuple[str, bytes]:
    """(file name, bytes) of the multipart field `file`."""
    limit = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)
    megabytes = max(1, limit // (1024 * 1024))
    too_large = FileTooLarge(f"The file is larger than the import limit of {megabytes} MB",
                             [ErrorDetail("file", f"at most {limit} bytes")], problem="file_size",
                             params={"limit_mb": megabytes})
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
