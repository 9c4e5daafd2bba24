"""`storage_from_url`: build the store that STORAGE_URL names."""

from urllib.parse import parse_qs, unquote, urlsplit

import urllib3
from minio import Minio
from minio.helpers import check_bucket_name

from server.storage.base import Storage
from server.storage.local import LocalStorage
from server.storage.s3 import S3Storage

__all__ = ["storage_from_url"]


def _http() -> urllib3.PoolManager:
    # Short connect timeout and few retries: /healthz must fail fast when S3 is down.
    retries = urllib3.Retry(
        total=3, connect=2, read=0, status=2, status_forcelist=[502, 503, 504], backoff_factor=0.2
    )
    return urllib3.PoolManager(
        maxsize=32, timeout=urllib3.Timeout(connect=3, read=120), retries=retries
    )


def storage_from_url(url: str) -> Storage:
    """Build the store named by STORAGE_URL (`file://media`, `file:///abs`, `s3://k:s@h:p/b`).

    For S3, `?secure=true` uses TLS, `?region=` names the region, and `?public_url=` gives the
    scheme and host that browsers and phones reach, for the short-lived links signed for them.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError(f"storage URL {url!r} names no folder")
        return LocalStorage(path)
    if parts.scheme != "s3":
        raise ValueError(f"unsupported storage URL scheme {parts.scheme!r}: use file:// or s3://")
    bucket = parts.path.strip("/")
    if not parts.hostname or not bucket or "/" in bucket:
        raise ValueError(f"storage URL must look like s3://key:secret@host:port/bucket: {url!r}")
    check_bucket_name(bucket)
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    access = unquote(parts.username or "") or None
    secret = unquote(parts.password or "") or None
    endpoint = parts.netloc.rpartition("@")[2]
    region = query.get("region")
    client = Minio(
        endpoint,
        access_key=access,
        secret_key=secret,
        secure=query.get("secure", "false").lower() in ("1", "true", "yes"),
        region=region,
        http_client=_http(),
    )
    public_client = None
    if query.get("public_url"):
        public = urlsplit(query["public_url"])
        if public.scheme not in ("http", "https") or not public.netloc:
            raise ValueError(f"public_url must be http(s)://host[:port]: {query['public_url']!r}")
        public_client = Minio(
            public.netloc,
            access_key=access,
            secret_key=secret,
            secure=public.scheme == "https",
            region=region,
        )
    return S3Storage(client, bucket, endpoint, public_client)
