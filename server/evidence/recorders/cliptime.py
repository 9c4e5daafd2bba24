"""When a recorder clip started: from its file name (recorders write local time there), else
from the MP4/MOV movie header, read while the bytes stream past."""

import re
import struct
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Mp4Scanner", "time_from_name"]

# 20261126_093015, 2026-11-26T09-30-15, 20261126093015, 2026_1126_093015 (DSJ, Hikvision, …)
_NAME = re.compile(
    r"(?<!\d)(20\d{2})[-_]?(\d{2})[-_]?(\d{2})[-_T ]?(\d{2})[-_:.]?(\d{2})[-_:.]?(\d{2})(?!\d)"
)
_MP4_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
_MOOV_LIMIT = 32 * 2**20  # a movie header bigger than this is not worth buffering


def time_from_name(name: str, zone: str) -> datetime | None:
    """The local start time a recorder wrote into the file name, in UTC; None if absent."""
    for match in _NAME.finditer(name):
        try:
            local = datetime(*(int(g) for g in match.groups()), tzinfo=ZoneInfo(zone))
        except ValueError:
            continue
        return local.astimezone(UTC)
    return None


class Mp4Scanner:
    """Fed a file's bytes in order, finds the top-level `moov` box and reads its `mvhd`: the
    creation time and the duration. Memory: the `moov` box only (it is small)."""

    def __init__(self) -> None:
        self._header = bytearray()  # the next box header, as it arrives
        self._skip = 0  # bytes of a box we are passing over (mdat …)
        self._moov: bytearray | None = None
        self._moov_left = 0
        self.moov: bytes | None = None
        self._done = False

    def feed(self, chunk: bytes | memoryview) -> None:
        data = memoryview(chunk)
        while data and not self._done:
            if self._moov is not None:
                take = data[: self._moov_left]
                self._moov += take
                self._moov_left -= len(take)
                data = data[len(take) :]
                if self._moov_left == 0:
                    self.moov, self._moov, self._done = bytes(self._moov), None, True
            elif self._skip:
                step = min(self._skip, len(data))
                self._skip -= step
                data = data[step:]
            else:
                need = (16 if self._header[:4] == b"\0\0\0\x01" else 8) - len(self._header)
                self._header += data[:need]
                data = data[need:]
                if len(self._header) >= 8:
                    self._box()

    def _box(self) -> None:
        size, kind = struct.unpack(">I4s", self._header[:8])
        header_len = 8
        if size == 1:
            if len(self._header) < 16:
                return  # the 64-bit size is still on its way
            size, header_len = struct.unpack(">Q", self._header[8:16])[0], 16
        self._header = bytearray()
        if size < header_len or not kind.isascii():
            self._done = True  # size 0 (to the end) or not a box stream: stop looking
        elif kind == b"moov" and size <= _MOOV_LIMIT:
            self._moov, self._moov_left = bytearray(), size - header_len
        else:
            self._skip = size - header_len

    def result(self) -> tuple[datetime | None, float | None]:
        """(creation time in UTC, duration in seconds) from the movie header, if found."""
        body = self.moov or b""
        at = body.find(b"mvhd")
        if at < 4:
            return None, None
        version = body[at + 4]
        fields = body[at + 8 :]
        try:
            if version == 1:
                created, _, scale, duration = struct.unpack(">QQIQ", fields[:28])
            else:
                created, _, scale, duration = struct.unpack(">IIII", fields[:16])
        except struct.error:
            return None, None
        moment = _MP4_EPOCH + timedelta(seconds=created) if created else None
        if moment is not None and moment.year < 2000:
            moment = None  # an unset camera clock
        return moment, (duration / scale if scale else None)
