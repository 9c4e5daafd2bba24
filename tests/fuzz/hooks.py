"""Schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS): a tus chunk
(application/offset+octet-stream) is sent as the raw bytes it is, like application/octet-stream."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
