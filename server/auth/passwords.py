"""Password hashing with Argon2id (argon2-cffi's PasswordHasher and its RFC 9106 defaults)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["DUMMY_HASH", "hash_password", "needs_rehash", "verify_password"]

_hasher = PasswordHasher()

# Verified against when a username does not exist, so an unknown name costs as much time as a
# known one. Made with the hasher's default parameters; regenerate it if those change.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$Fts2SDsXT4wTcPVnZGk3kA"
    "$jo3gOn/yVSB3+qMBYUi3zme1vdAfuGIhKZUOMrbugxs"
)


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`, with a fresh salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`; False for a mismatch or an unusable hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the hasher's current ones."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
