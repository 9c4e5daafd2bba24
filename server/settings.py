"""One settings object, read from the environment (and `.env` in development)."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite:///var/onevisit.db"
DEFAULT_STORAGE_URL = "file://media"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    storage_url: str = DEFAULT_STORAGE_URL
    secret_key: str = ""
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    policy_file: str | None = None
    environment: str = "development"
    session_hours: int = 24
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_minutes: int = 15
    var_dir: Path = field(default=Path("var"))
    # south, west, north, east (WGS-84): imported merchants must lie inside.
    district_bbox: tuple[float, float, float, float] = (30.18, 120.12, 30.38, 120.32)

    @property
    def production(self) -> bool:
        return self.environment == "production"


def _read_dotenv(path: Path) -> dict[str, str]:
    """Parse a minimal KEY=VALUE `.env` file (development only)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _dev_secret(var_dir: Path) -> str:
    """A secret generated once and kept under var/, so sessions survive restarts."""
    path = var_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from `env` (default: the process environment)."""
    source = dict(os.environ if env is None else env)
    environment = source.get("ONEVISIT_ENV", "development")
    if environment != "production" and env is None:
        source = {**_read_dotenv(Path(".env")), **source}
    var_dir = Path(source.get("ONEVISIT_VAR_DIR", "var"))
    secret = source.get("SECRET_KEY", "")
    if not secret:
        if environment == "production":
            raise RuntimeError("SECRET_KEY must be set when ONEVISIT_ENV=production")
        secret = _dev_secret(var_dir)
    public = source.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL).rstrip("/")
    return Settings(
        database_url=source.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        storage_url=source.get("STORAGE_URL", DEFAULT_STORAGE_URL),
        secret_key=secret,
        public_base_url=public,
        policy_file=source.get("POLICY_FILE") or None,
        environment=environment,
        session_hours=int(source.get("SESSION_HOURS", "24")),
        secure_cookies=public.startswith("https://"),
        var_dir=var_dir,
        district_bbox=_bbox(source.get("DISTRICT_BBOX", "30.18,120.12,30.38,120.32")),
    )


def _bbox(raw: str) -> tuple[float, float, float, float]:
    """Parse `south,west,north,east`."""
    parts = [float(p) for p in raw.split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError("DISTRICT_BBOX must be south,west,north,east with south<north, west<east")
    return parts[0], parts[1], parts[2], parts[3]
