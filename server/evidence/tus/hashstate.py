"""SHA-256 whose running state can be saved in the database and resumed by another process.

hashlib cannot export its state, so this drives OpenSSL's own SHA256_CTX through ctypes: the
context is a plain struct (eight state words, the bit count, the pending block), so its bytes
are the state. The layout is checked once at import against hashlib; where the library is
missing or differs, `exportable` is False and callers fall back to re-reading stored bytes.
"""

import ctypes
import ctypes.util
import hashlib
import logging

__all__ = ["ResumableSha256", "exportable"]

log = logging.getLogger("onevisit")

_TAG = b"ossl-sha256-v1:"
_CTX_BYTES = 112  # SHA256_CTX: h[8], Nl, Nh, data[16], num, md_len as 32-bit words
_SLACK = 256  # room in case a library's struct is larger; the self-test then fails safely


def _load() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("crypto")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.SHA256_Init.argtypes = [ctypes.c_void_p]
        lib.SHA256_Update.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
        lib.SHA256_Final.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    return lib


_lib = _load()


class ResumableSha256:
    """An incremental SHA-256 with `export()`/`resume()`; falls back to hashlib (no export)."""

    def __init__(self) -> None:
        if _lib is not None:
            self._ctx: ctypes.Array[ctypes.c_char] | None = ctypes.create_string_buffer(_SLACK)
            _lib.SHA256_Init(self._ctx)
            self._plain = None
        else:
            self._ctx, self._plain = None, hashlib.sha256()

    @classmethod
    def resume(cls, state: bytes | None) -> "ResumableSha256 | None":
        """A hasher continuing from `state`, or None if this process cannot use that state."""
        if _lib is None or not exportable or not state or not state.startswith(_TAG):
            return None
        raw = state[len(_TAG) :]
        if len(raw) != _CTX_BYTES:
            return None
        hasher = cls()
        ctypes.memmove(hasher._ctx, raw, _CTX_BYTES)
        return hasher

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if self._plain is not None:
            self._plain.update(data)
            return
        if isinstance(data, bytes):
            _lib.SHA256_Update(self._ctx, data, len(data))  # type: ignore[union-attr]
            return
        view = memoryview(data).cast("B")
        if view.readonly:
            chunk = bytes(view)
            _lib.SHA256_Update(self._ctx, chunk, len(chunk))  # type: ignore[union-attr]
        elif len(view):
            buffer = (ctypes.c_char * len(view)).from_buffer(view)
            _lib.SHA256_Update(self._ctx, buffer, len(view))  # type: ignore[union-attr]

    def export(self) -> bytes | None:
        """The state as bytes to keep, or None if this process cannot export it."""
        if self._ctx is None or not exportable:
            return None
        return _TAG + self._ctx.raw[:_CTX_BYTES]

    def hexdigest(self) -> str:
        """The digest of everything so far; the hasher may go on being updated."""
        if self._plain is not None:
            return self._plain.hexdigest()
        copy = ctypes.create_string_buffer(self._ctx.raw, _SLACK)  # type: ignore[union-attr]
        out = ctypes.create_string_buffer(32)
        _lib.SHA256_Final(out, copy)  # type: ignore[union-attr]
        return out.raw.hex()


def _self_test() -> bool:
    """Whether exported states resume correctly in this process (struct layout as expected)."""
    if _lib is None:
        return False
    message = bytes(range(256)) * 3
    try:
        first = ResumableSha256()
        first.update(message[:100])
        state = _TAG + first._ctx.raw[:_CTX_BYTES]  # type: ignore[union-attr]
        second = ResumableSha256()
        ctypes.memmove(second._ctx, state[len(_TAG) :], _CTX_BYTES)
        second.update(bytearray(message[100:700]))
        second.update(memoryview(message)[700:])
        return second.hexdigest() == hashlib.sha256(message).hexdigest()
    except (OSError, AttributeError, ValueError):
        return False


exportable = _self_test()
if not exportable:
    log.warning("resumable SHA-256 unavailable; resumed uploads are verified by re-reading them")
