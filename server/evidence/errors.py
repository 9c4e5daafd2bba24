"""Why an upload or an evidence request was refused, in words the phone can show."""

from server.i18n import t

__all__ = ["ClientGone", "UploadRefused"]


class UploadRefused(Exception):
    """A refusal with its HTTP status and a reason a person can act on."""

    def __init__(self, status: int, key: str, *, offset: int | None = None, **values: object):
        self.status, self.key, self.offset = status, key, offset
        self.detail = t(key, **values) if offset is None else t(key, offset=offset, **values)
        super().__init__(self.detail)


class ClientGone(Exception):
    """The phone hung up in the middle of a request body."""
