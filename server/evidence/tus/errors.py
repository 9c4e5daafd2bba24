"""Why an upload request was refused, in words the phone can show: a refusal of one request
(the upload may go on), or the rejection of the file for good."""

from dataclasses import dataclass, field

from server.core.i18n import t

__all__ = ["Rejection", "UploadRefused"]


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


@dataclass(frozen=True)
class Rejection:
    """Why a file may never become evidence: the reason `upload.<code>` with its values, and
    the status the phone is answered with. The upload is rejected and nothing of it is kept."""

    code: str
    status: int
    values: dict[str, object] = field(default_factory=dict)
