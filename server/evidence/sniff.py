"""What a file is, judged from its first bytes; which types each kind of evidence may be."""

__all__ = ["ALLOWED_TYPES", "SNIFF_BYTES", "compatible", "normalise", "sniff"]

SNIFF_BYTES = 512  # enough for every signature below, MPEG-TS's second sync byte included

ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "photo": frozenset({"image/jpeg", "image/png", "image/webp"}),
    "signature": frozenset({"image/png", "image/jpeg", "image/webp"}),
    "video": frozenset(
        {
            "video/mp4",
            "video/quicktime",
            "video/3gpp",
            "video/webm",
            "video/x-matroska",
            "video/x-msvideo",
            "video/mp2t",
            "video/mpeg",
        }
    ),
    "audio": frozenset(
        {
            "audio/mpeg",
            "audio/mp4",
            "audio/aac",
            "audio/wav",
            "audio/ogg",
            "audio/webm",
            "audio/amr",
            "audio/3gpp",
            "audio/flac",
        }
    ),
    "document": frozenset({"application/pdf", "image/jpeg", "image/png"}),
}

_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-aac": "audio/aac",
    "audio/x-flac": "audio/flac",
    "video/avi": "video/x-msvideo",
    "video/msvideo": "video/x-msvideo",
    "video/x-m4v": "video/mp4",
    "video/mkv": "video/x-matroska",
    "application/x-pdf": "application/pdf",
}
# Containers whose first bytes cannot tell audio from video, or one brand from its sibling.
_FAMILIES = (
    frozenset({"video/mp4", "video/quicktime", "video/3gpp", "audio/mp4", "audio/3gpp"}),
    frozenset({"video/webm", "video/x-matroska", "audio/webm"}),
)
_AS_AUDIO = {"video/mp4": "audio/mp4", "video/3gpp": "audio/3gpp", "video/webm": "audio/webm"}
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_3GPP_BRANDS = (b"3gp", b"3g2")


def _iso_bmff(head: bytes) -> str | None:
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(_3GPP_BRANDS):
            return "video/3gpp"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
            return "image/heic"
        return "video/mp4"
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    return None


def _riff(head: bytes) -> str | None:
    return {b"WEBP": "image/webp", b"AVI ": "video/x-msvideo", b"WAVE": "audio/wav"}.get(head[8:12])


def sniff(head: bytes, kind: str | None = None) -> str | None:
    """The media type of a file from its first bytes, or None if unrecognised."""
    found: str | None = None
    if head.startswith(b"\xff\xd8\xff"):
        found = "image/jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = "image/png"
    elif head.startswith(b"RIFF") and len(head) >= 12:
        found = _riff(head)
    elif head.startswith(b"%PDF-"):
        found = "application/pdf"
    elif len(head) >= 12 and (iso := _iso_bmff(head)):
        found = iso
    elif head.startswith(b"\x1a\x45\xdf\xa3"):
        found = "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    elif head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        found = "audio/mpeg"
    elif head[:2] in (b"\xff\xf1", b"\xff\xf9"):
        found = "audio/aac"
    elif head.startswith(b"OggS"):
        found = "audio/ogg"
    elif head.startswith(b"#!AMR"):
        found = "audio/amr"
    elif head.startswith(b"fLaC"):
        found = "audio/flac"
    elif head.startswith(b"\x00\x00\x01\xba"):
        found = "video/mpeg"
    elif len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        found = "video/mp2t"
    if found and kind == "audio":
        found = _AS_AUDIO.get(found, found)
    return found


def normalise(media_type: str | None) -> str | None:
    """A declared media type in canonical form (lower case, no parameters, aliases resolved)."""
    if not media_type:
        return None
    base = media_type.split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base) or None


def compatible(declared: str | None, sniffed: str) -> bool:
    """Whether the type the phone declared agrees with the one found in the bytes."""
    claim = normalise(declared)
    if claim in (None, "application/octet-stream"):
        return True
    return claim == sniffed or any(claim in f and sniffed in f for f in _FAMILIES)
