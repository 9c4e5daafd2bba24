"""One settings object, read from the environment (and `.env` in development)."""

import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from server.core.net import parse_trusted_proxies
from server.core.plan_settings import PlanningSettings, load_planning_settings
from server.web import PWA

__all__ = ["Settings", "calendar_file", "clock_settings", "load_settings"]

DEFAULT_DATABASE_URL = "sqlite:///var/onevisit.db"
DEFAULT_STORAGE_URL = "file://media"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
EVIDENCE_KINDS = ("photo", "video", "audio", "signature", "document")
DEFAULT_UPLOAD_LIMITS_MB = "photo=30,video=4096,audio=512,signature=2,document=50"
DEFAULT_RETENTION_MONTHS = "photo=36,video=6,audio=6,signature=36,document=36"
MIN_RETENTION_MONTHS = 6  # recorder footage is kept at least six months, by rule
MAX_PUBLICATION_DAYS = 20  # results are published within 20 working days, by rule


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    storage_url: str = DEFAULT_STORAGE_URL
    secret_key: str = ""
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    policy_file: str | None = None
    # official calendars of years the installed chinese-calendar lacks (core/calendar_file.py)
    calendar_file: str | None = None
    environment: str = "development"
    session_hours: int = 24
    secure_cookies: bool = False
    # Sign-in throttling: failures an account (×4 an address) may have in the window before
    # each further attempt waits, 1 s after the next failure, doubling per failure up to the cap.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_delay_cap_seconds: int = 300
    # proxies whose X-Forwarded-For names the client (addresses or networks); uvicorn's default
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    var_dir: Path = field(default=Path("var"))
    # south, west, north, east (WGS-84): imported merchants must lie inside.
    district_bbox: tuple[float, float, float, float] = (30.18, 120.12, 30.38, 120.32)
    # complaints from the public page: (count, seconds) per client address and per merchant
    complaint_rate_client: tuple[int, int] = (5, 600)
    complaint_rate_merchant: tuple[int, int] = (30, 3600)
    photo_max_bytes: int = 10 * 1024 * 1024
    owner_link_days: int = 365
    # working days after a visit at which its result goes public (the law allows at most 20)
    results_public_after_days: int = 5
    # scanned public merchant pages kept per process, rendered (0: none, render every scan)
    public_page_cache: int = 4096
    # seconds a scanned page is served from memory at most (changes drop it at once;
    # this bounds how late a result published at a set time shows; 0: read every scan)
    public_page_seconds: int = 60
    # PostgreSQL: seconds a session, a day's routes or a day packet is kept in a process's memory
    # at most before it is read again (changes announced by the database drop it at once; this
    # bounds what a write that skips the triggers, such as a restore, leaves behind)
    live_max_age_seconds: int = 60
    # Planning: shift, travel speeds, service times, solver effort, map tiles (PLAN_*, MAP_*).
    planning: PlanningSettings = field(default_factory=PlanningSettings)
    # Evidence: largest upload per kind (bytes), how long an abandoned upload may be resumed,
    # how long a content link lives, and how long unreferenced evidence is kept per kind.
    upload_limits: dict[str, int] = field(default_factory=lambda: _limits(DEFAULT_UPLOAD_LIMITS_MB))
    upload_expiry_hours: int = 72
    upload_spool_mb: int = 256
    # tus PATCH requests one user may have running at once in one process
    upload_slots_per_user: int = 4
    # Any request body (server.core.bodies): the longest wait for its next bytes, and the least it
    # must average after that first wait's worth, before its request ends with 408.
    request_read_timeout_seconds: int = 30
    request_min_bytes_per_second: int = 1024
    evidence_link_seconds: int = 300
    retention_months: dict[str, int] = field(
        default_factory=lambda: _retention(DEFAULT_RETENTION_MONTHS)
    )
    local_timezone: str = "Asia/Shanghai"
    # ONEVISIT_CLOCK: the instant a test or training server's clock starts at (never production)
    clock_start: datetime | None = None
    # the phone app's files (its shell and vendor/), served at /app/ and /static/vendor/;
    # by default the copy shipped in the package (server.web)
    pwa_dir: Path = field(default=PWA)
    # district time of the nightly recompute (`onevisit codes nightly`)
    nightly_at: time = time(0, 30)
    watermark_font: str | None = None

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


def _source(env: dict[str, str] | None) -> dict[str, str]:
    """`env`, or the process environment over `.env` (read in development only)."""
    if env is not None:
        return dict(env)
    source = dict(os.environ)
    if source.get("ONEVISIT_ENV", "development") != "production":
        source = {**_read_dotenv(Path(".env")), **source}
    return source


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from `env` (default: the process environment)."""
    source = _source(env)
    environment = source.get("ONEVISIT_ENV", "development")
    var_dir = Path(source.get("ONEVISIT_VAR_DIR", "var"))
    secret = source.get("SECRET_KEY", "")
    if not secret:
        if environment == "production":
            raise RuntimeError("SECRET_KEY must be set when ONEVISIT_ENV=production")
        secret = _dev_secret(var_dir)
    public = source.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL).rstrip("/")
    zone, clock_start = clock_settings(source)
    return Settings(
        database_url=source.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        storage_url=source.get("STORAGE_URL", DEFAULT_STORAGE_URL),
        secret_key=secret,
        public_base_url=public,
        policy_file=source.get("POLICY_FILE") or None,
        calendar_file=calendar_file(source),
        environment=environment,
        session_hours=int(source.get("SESSION_HOURS", "24")),
        secure_cookies=public.startswith("https://"),
        login_delay_cap_seconds=_positive(source, "LOGIN_DELAY_CAP_SECONDS", 300),
        trusted_proxies=parse_trusted_proxies(source.get("TRUSTED_PROXIES", "127.0.0.1")),
        var_dir=var_dir,
        district_bbox=_bbox(source.get("DISTRICT_BBOX", "30.18,120.12,30.38,120.32")),
        complaint_rate_client=_rate("COMPLAINT_RATE_CLIENT", source.get("COMPLAINT_RATE_CLIENT")),
        complaint_rate_merchant=_rate(
            "COMPLAINT_RATE_MERCHANT", source.get("COMPLAINT_RATE_MERCHANT")
        ),
        photo_max_bytes=_positive(source, "PHOTO_MAX_MB", 10) * 1024 * 1024,
        owner_link_days=_positive(source, "OWNER_LINK_DAYS", 365),
        results_public_after_days=_publication_days(source),
        public_page_cache=int(source.get("PUBLIC_PAGE_CACHE", "4096") or 0),
        public_page_seconds=int(source.get("PUBLIC_PAGE_SECONDS", "60") or 0),
        live_max_age_seconds=_positive(source, "LIVE_MAX_AGE_SECONDS", 60),
        planning=load_planning_settings(source),
        upload_limits=_limits(source.get("UPLOAD_LIMITS_MB", DEFAULT_UPLOAD_LIMITS_MB)),
        upload_expiry_hours=_positive(source, "UPLOAD_EXPIRY_HOURS", 72),
        upload_spool_mb=_positive(source, "UPLOAD_SPOOL_MB", 256),
        upload_slots_per_user=_positive(source, "UPLOAD_SLOTS_PER_USER", 4),
        request_read_timeout_seconds=_read_timeout(source),
        request_min_bytes_per_second=_positive(source, "REQUEST_MIN_BYTES_PER_SECOND", 1024),
        evidence_link_seconds=_positive(source, "EVIDENCE_LINK_SECONDS", 300),
        retention_months=_retention(
            source.get("EVIDENCE_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS)
        ),
        local_timezone=zone,
        clock_start=clock_start,
        watermark_font=source.get("WATERMARK_FONT") or None,
        pwa_dir=Path(source.get("PWA_DIR") or Settings.pwa_dir),
        nightly_at=_clock_time("NIGHTLY_AT", source.get("NIGHTLY_AT", "").strip() or "00:30"),
    )


def clock_settings(env: dict[str, str] | None = None) -> tuple[str, datetime | None]:
    """The district's time zone (LOCAL_TIMEZONE) and the instant ONEVISIT_CLOCK starts the clock
    at, if set: an ISO 8601 moment with its offset, for test and training servers only."""
    source = _source(env)
    zone = _timezone(source.get("LOCAL_TIMEZONE", "Asia/Shanghai"))
    raw = source.get("ONEVISIT_CLOCK", "").strip()
    if not raw:
        return zone, None
    if source.get("ONEVISIT_ENV", "development") == "production":
        raise ValueError("ONEVISIT_CLOCK is for test and training servers; unset it in production")
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise ValueError(
            f"ONEVISIT_CLOCK must be a moment with its offset, e.g. 2026-11-26T09:00+08:00 "
            f"(got {raw!r})"
        )
    return zone, start


def calendar_file(env: dict[str, str] | None = None) -> str | None:
    """CALENDAR_FILE: the district's file of official calendars beyond the library's years."""
    return _source(env).get("CALENDAR_FILE", "").strip() or None


def _bbox(raw: str) -> tuple[float, float, float, float]:
    """Parse `south,west,north,east`."""
    parts = [float(p) for p in raw.split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError("DISTRICT_BBOX must be south,west,north,east with south<north, west<east")
    return parts[0], parts[1], parts[2], parts[3]


def _kind_numbers(name: str, raw: str, defaults: str, unit: int = 1) -> dict[str, int]:
    """Parse `kind=N,kind=N` over every evidence kind (a kind left out keeps its default)."""
    values: dict[str, int] = {}
    for text in (defaults, raw):
        for item in filter(None, (part.strip() for part in text.split(","))):
            kind, _, number = item.partition("=")
            kind = kind.strip()
            if kind not in EVIDENCE_KINDS or not number.strip().isdigit() or int(number) < 1:
                raise ValueError(f"{name} must be kind=N pairs over {', '.join(EVIDENCE_KINDS)}")
            values[kind] = int(number) * unit
    return values


def _publication_days(source: dict[str, str]) -> int:
    raw = source.get("RESULTS_PUBLIC_AFTER_DAYS", "").strip() or "5"
    if not raw.isdigit() or int(raw) > MAX_PUBLICATION_DAYS:
        raise ValueError(
            f"RESULTS_PUBLIC_AFTER_DAYS must be 0–{MAX_PUBLICATION_DAYS} working days (got {raw!r})"
        )
    return int(raw)


def _limits(raw: str) -> dict[str, int]:
    return _kind_numbers("UPLOAD_LIMITS_MB", raw, DEFAULT_UPLOAD_LIMITS_MB, 2**20)


def _retention(raw: str) -> dict[str, int]:
    months = _kind_numbers("EVIDENCE_RETENTION_MONTHS", raw, DEFAULT_RETENTION_MONTHS)
    if min(months.values()) < MIN_RETENTION_MONTHS:
        raise ValueError(f"EVIDENCE_RETENTION_MONTHS may not go below {MIN_RETENTION_MONTHS}")
    return months


def _positive(source: dict[str, str], name: str, default: int) -> int:
    raw = source.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive whole number (got {raw!r})")
    return int(raw)


def _read_timeout(source: dict[str, str]) -> int:
    """REQUEST_READ_TIMEOUT_SECONDS; UPLOAD_READ_TIMEOUT_SECONDS, its name when it bounded tus
    PATCH bodies alone, still counts where the new name is not set."""
    name = "REQUEST_READ_TIMEOUT_SECONDS"
    if not source.get(name, "").strip() and source.get("UPLOAD_READ_TIMEOUT_SECONDS", "").strip():
        name = "UPLOAD_READ_TIMEOUT_SECONDS"
    return _positive(source, name, 30)


def _clock_time(name: str, raw: str) -> time:
    try:
        hours, minutes = (int(part) for part in raw.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"{name} must be a time of day as HH:MM (got {raw!r})") from None


def _timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"LOCAL_TIMEZONE {name!r} is not a known time zone") from None
    return name


def _rate(name: str, raw: str | None) -> tuple[int, int]:
    """Parse `COUNT/SECONDS`, e.g. 5/600 for five per ten minutes."""
    default = {"COMPLAINT_RATE_CLIENT": (5, 600), "COMPLAINT_RATE_MERCHANT": (30, 3600)}[name]
    if not raw:
        return default
    count, _, seconds = raw.partition("/")
    parts = {name: count.strip() or "0", f"{name} seconds": seconds.strip() or "0"}
    return _positive(parts, name, 0), _positive(parts, f"{name} seconds", 0)
