"""Where an upload stands and what may be appended to it: the one home of the offset rule.

An upload stands at its committed offset (`Upload.upload_offset`): every byte before it is in
storage and committed. The phone is told that offset by HEAD and with every refusal (the
`Upload-Offset` header, server/evidence/tus/routes.py), and may append

- only while the upload is receiving and not past its expiry (410; 409 once it is complete),
- only at exactly that offset (409, with the offset to resume from),
- no more than the rest of the file (413).

What a request brings is committed only if the upload still stands where the request began:
of two requests racing on one upload, the second to commit loses and is told where it stands.
A complete upload stands at its length.

Within one request a `Cursor` follows where its buffer lies in the file and how much of it is
committed, and so where the upload will stand after the next commit. (Reading the digits of an
`Upload-Offset` header is the wire format's business: server/evidence/tus/protocol.py.)
"""

import uuid

from sqlalchemy import ColumnElement, and_
from sqlmodel import col

from server.core.clock import utcnow
from server.core.i18n import t
from server.evidence.tus.errors import UploadRefused
from server.evidence.tus.models import Upload, UploadPart

__all__ = [
    "Cursor",
    "check_append",
    "expired",
    "final_offset",
    "lost_race",
    "mismatch",
    "offset_of",
    "refuse_unless_receiving",
    "unchanged_since",
]


def expired(upload: Upload) -> bool:
    """A receiving upload past its expiry: it takes no more bytes (until swept, it says so)."""
    return upload.state == "receiving" and upload.expires_at <= utcnow()


def final_offset(upload: Upload) -> int:
    """Where a complete upload stands: at its length, every byte in."""
    return upload.length


def offset_of(upload: Upload) -> int:
    """Where the upload stands, as the phone is told."""
    return final_offset(upload) if upload.state == "complete" else upload.upload_offset


def mismatch(offset: int) -> UploadRefused:
    """409: the phone is not where the upload stands; it resumes from `offset`."""
    return UploadRefused(409, "upload.offset_mismatch", offset=offset)


def lost_race(current: Upload | None, began_at: int) -> UploadRefused:
    """409 for a request whose commit found the upload moved on: where it stands now (where the
    request began, if the upload is gone)."""
    return mismatch(current.upload_offset if current is not None else began_at)


def refuse_unless_receiving(upload: Upload) -> None:
    """410 with the reason for an upload that can no longer take bytes."""
    if upload.state == "rejected":
        raise UploadRefused(410, "upload.rejected", reason=upload.error or "")
    if upload.state in ("terminated", "expired") or expired(upload):
        state = "expired" if expired(upload) else upload.state
        raise UploadRefused(410, "upload.gone", state=t(f"upload.state.{state}"))


def check_append(upload: Upload, client_offset: int, content_length: int | None) -> None:
    """Whether a request may append `content_length` bytes (None: not said) at `client_offset`;
    the refusal, with the offset to resume from, if not."""
    if upload.state == "complete":
        raise mismatch(final_offset(upload))
    refuse_unless_receiving(upload)
    if client_offset != upload.upload_offset:
        raise mismatch(upload.upload_offset)
    remaining = upload.length - upload.upload_offset
    if content_length is not None and content_length > remaining:
        raise UploadRefused(413, "upload.body_too_long", remaining=remaining)


def unchanged_since(upload_id: uuid.UUID, offset: int) -> ColumnElement[bool]:
    """The condition progress is committed on: the upload is still receiving, at the offset the
    request began from."""
    return and_(
        col(Upload.id) == upload_id,
        col(Upload.upload_offset) == offset,
        col(Upload.state) == "receiving",
    )


class Cursor:
    """Where one request stands in the file. Its buffer holds the file from `part_start`, where
    the stored `parts` end (fragments follow from there), in parts of `part_size`; `filled` bytes
    of it have arrived, and those before `fresh_from` are committed already (what an earlier
    request left past the last part, or this one's last commit)."""

    def __init__(self, upload: Upload, parts: list[UploadPart], part_size: int) -> None:
        self.length = upload.length
        self.committed = upload.upload_offset  # where the upload stands, as last committed
        self.remaining = upload.length - upload.upload_offset  # what this request may bring
        self.part_size = part_size
        self.part_start = sum(p.size for p in parts)  # the buffer's first byte in the file
        self.filled = 0
        self.fresh_from = 0  # where this request's uncommitted bytes begin in the buffer
        self.received = 0

    @property
    def from_start(self) -> bool:
        """The buffer begins at the file's first byte: no part is stored yet."""
        return self.part_start == 0

    @property
    def part_length(self) -> int:
        """How long the part being gathered is (the file's last part may be shorter)."""
        return min(self.part_size, self.length - self.part_start)

    @property
    def room(self) -> int:
        """How many more bytes the part being gathered takes."""
        return self.part_length - self.filled

    @property
    def at_end(self) -> bool:
        """The buffer holds the file's last byte."""
        return self.part_start + self.filled == self.length

    @property
    def part_full(self) -> bool:
        """The part is whole and more of the file follows it: it is stored as a part."""
        return self.filled == self.part_length and not self.at_end

    @property
    def fresh(self) -> slice:
        """The buffer's uncommitted bytes."""
        return slice(self.fresh_from, self.filled)

    @property
    def fresh_start(self) -> int:
        """The file offset of the buffer's first uncommitted byte."""
        return self.part_start + self.fresh_from

    def take(self, size: int) -> None:
        """Count `size` more bytes of the request's body: 413 past the end of the file."""
        if self.received + size > self.remaining:
            raise UploadRefused(413, "upload.body_too_long", remaining=self.remaining)
        self.received += size

    def fill(self, size: int) -> None:
        """`size` more bytes are in the buffer."""
        self.filled += size

    def restored(self) -> None:
        """What earlier requests left past the last part is back in the buffer: committed."""
        self.fresh_from = self.filled

    def part_stored(self) -> None:
        """The buffer went to storage as a part: the next part begins where it ended."""
        self.part_start += self.filled
        self.filled = self.fresh_from = 0

    def next_offset(self, *, with_fragment: bool) -> int:
        """Where the upload will stand once the stored parts are committed, and with them the
        buffer's fresh bytes if they are written as a fragment."""
        return self.part_start + (self.filled if with_fragment else self.fresh_from)

    def committed_to(self, offset: int, *, with_fragment: bool) -> None:
        """The upload stands at `offset` now; with a fragment, the buffer's bytes are all in."""
        self.committed = offset
        if with_fragment:
            self.fresh_from = self.filled
