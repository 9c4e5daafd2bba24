"""Password hashing with Argon2id (argon2-cffi's PasswordHasher and its RFC 9106 defaults), and
the rule a new password must meet wherever it is set (`password_problem`)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.core.i18n import t
from server.core.inputs import unsafe_text

__all__ = [
    "DUMMY_HASH",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "hash_password",
    "needs_rehash",
    "password_problem",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # what sign-in accepts (server/auth/schemas.py, LoginRequest)

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


def password_problem(password: str) -> str | None:
    """Why `password` may not be set, in the words the person is shown; None when it may.

    Sign-in checks any stored password as it is; this rule is for setting a new one: at least
    MIN_PASSWORD_LENGTH characters, at most MAX_PASSWORD_LENGTH, not only spaces, and nothing
    that cannot be typed (control or invisible formatting characters)."""
    if not password:
        return t("users.password.empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        return t("users.password.short", min=MIN_PASSWORD_LENGTH, n=len(password))
    if len(password) > MAX_PASSWORD_LENGTH:
        return t("users.password.long", max=MAX_PASSWORD_LENGTH)
    if not password.strip():
        return t("users.password.blank")
    if unsafe_text(password):
        return t("users.password.control")
    return None
