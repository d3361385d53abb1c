"""Records of the professional's photo upload."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class UploadForm:
    """A presigned POST: the form's address and the fields the browser sends with the file."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class StoredObject:
    size: int
    content_type: str | None
