"""Why an upload or an evidence request was refused, in words the phone can show."""

from server.core.bodies import BodyStalled, ClientGone
from server.core.i18n import t

__all__ = ["BodyStalled", "ClientGone", "UploadRefused"]


class UploadRefused(Exception):
    """A refusal with its HTTP status and a reason a person can act on; `offset` is where the
    upload stands, `retry_after` when to come back (seconds)."""

    def __init__(
        self,
        status: int,
        key: str,
        *,
        offset: int | None = None,
        retry_after: int | None = None,
        **values: object,
    ):
        self.status, self.key, self.offset, self.retry_after = status, key, offset, retry_after
        self.detail = t(key, **values) if offset is None else t(key, offset=offset, **values)
        super().__init__(self.detail)
