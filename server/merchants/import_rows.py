"""Checking one row of a merchant list: credit code, name, street, coordinates and lengths."""

import math
import unicodedata
from collections.abc import Mapping

from server.core.geo import parse_crs, to_wgs84
from server.core.i18n import t
from server.merchants.uscc import UsccError, validate_uscc
from server.org.territory import Territories

__all__ = ["FIELDS", "MerchantRow", "RowChecker", "normalise_uscc"]

# Spaces a spreadsheet cell may carry at either end: ASCII, no-break, ideographic, BOM, zero-width.
_SPACES = " \t\r\n\v\f\u00a0\u3000\ufeff\u200b"
# Column → (label, maximum length), matching the merchant table.
_TEXT_LIMITS = {
    "name": ("名称", 255),
    "address": ("地址", 255),
    "business_type": ("行业", 32),
    "contact": ("联系人", 64),
    "phone": ("电话", 32),
}
FIELDS = ("uscc", "name", "address", "lat", "lng", "street_id", "business_type", "contact", "phone")
MerchantRow = tuple[str, str, str, float, float, object, str, str, str]
"""A checked row, in FIELDS order; street_id as the database driver binds it."""


def _compact(value: str) -> str:
    """A code or number as typed, without any spaces and with full-width characters folded."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value).strip(_SPACES)
    return "".join(value.split())


def _number(raw: str, label: str, errors: list[str]) -> float | None:
    try:
        value = float(raw)  # takes surrounding spaces (full-width too) and full-width digits
    except ValueError:
        text = _compact(raw)
        if not text:
            errors.append(f"{label}为空")
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
    if not math.isfinite(value):
        errors.append(f"{label}不是数字：“{raw.strip(_SPACES)}”")
        return None
    return value


def normalise_uscc(raw: str) -> str:
    """The validated credit code; spaces typed inside it and full-width characters forgiven."""
    try:
        return validate_uscc(raw)
    except UsccError:
        compact = _compact(raw)
        if compact == raw:
            raise
        return validate_uscc(compact)


class RowChecker:
    """Turns a row's cells into a MerchantRow, or into the reasons it cannot be imported."""

    def __init__(
        self,
        columns: Mapping[str, int],
        streets: Mapping[str, object],
        bbox: tuple[float, float, float, float],
        territories: Territories | None = None,
    ) -> None:
        # A column the sheet lacks reads the always-empty cell padded on past its last column.
        blank = max(columns.values()) + 1
        self.width = blank + 1
        self.columns = {
            name: columns.get(name, blank) for name in ("uscc", "street", "lng", "lat", "crs")
        }
        self.texts = [
            (columns.get(f, blank), label, limit) for f, (label, limit) in _TEXT_LIMITS.items()
        ]
        self.has_crs = "crs" in columns
        self.streets = {alias.lower(): street_id for alias, street_id in streets.items()}
        self.south, self.west, self.north, self.east = bbox
        self.territories = territories or None  # the streets' boundaries, where imported
        self._crs: dict[str, str] = {}

    def check(self, cells: list[str]) -> MerchantRow | str:
        """The checked row, or every reason it is wrong joined by '；'."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        col = self.columns
        errors: list[str] = []
        try:
            uscc = normalise_uscc(cells[col["uscc"]])
        except UsccError as exc:
            errors.append(str(exc))
            uscc = ""
        name, address, business_type, contact, phone = texts = [
            cells[i].strip(_SPACES) for i, _, _ in self.texts
        ]
        for text, (_, label, limit) in zip(texts, self.texts, strict=True):
            if len(text) > limit:
                errors.append(f"{label}过长（最多{limit}字，实为{len(text)}字）")
        if not name:
            errors.append("名称为空")
        street_id = self._street(cells[col["street"]], errors)
        point = self._point(cells, errors)
        if errors or point is None:
            return "；".join(errors)
        return (uscc, name, address, point[0], point[1], street_id, business_type, contact, phone)

    def _street(self, raw: str, errors: list[str]) -> object:
        name = "".join(raw.split()).strip(_SPACES)
        if not name:
            errors.append("街道为空")
            return None
        street_id = self.streets.get(name.lower())
        if street_id is None:
            errors.append(f"未知街道“{name}”（请填本区街道名称，如“湖滨街道”或“湖滨”）")
        return street_id

    def _crs_of(self, raw: str, errors: list[str]) -> str | None:
        label = raw.strip(_SPACES)
        crs = self._crs.get(label)
        if crs is None:
            try:
                crs = self._crs[label] = parse_crs(label)
            except ValueError as exc:
                errors.append(str(exc))
        return crs

    def _inside(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east

    def _point(self, cells: list[str], errors: list[str]) -> tuple[float, float] | None:
        """The WGS-84 point, checked against the district's bounding box."""
        lng = _number(cells[self.columns["lng"]], "经度", errors)
        lat = _number(cells[self.columns["lat"]], "纬度", errors)
        crs = self._crs_of(cells[self.columns["crs"]], errors) if self.has_crs else "wgs84"
        if lat is None or lng is None or crs is None:
            return None
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            wlat, wlng = to_wgs84(lat, lng, crs)
            if self.south <= wlat <= self.north and self.west <= wlng <= self.east:
                if self.territories and self.territories.street_at(wlat, wlng) is None:
                    errors.append(t("import.outside_territories", lng=lng, lat=lat))
                    return None
                return wlat, wlng
        if -90 <= lng <= 90 and self._inside(*to_wgs84(lng, lat, crs)):
            lng_mid, lat_mid = (self.west + self.east) / 2, (self.south + self.north) / 2
            errors.append(f"经度、纬度填反了（本区经度约 {lng_mid:.0f}，纬度约 {lat_mid:.0f}）")
        elif not (-90 <= lat <= 90 and -180 <= lng <= 180):
            errors.append(f"坐标超出范围：经度 {lng:g}，纬度 {lat:g}")
        else:
            errors.append(
                f"坐标不在辖区范围内：经度 {lng:g}，纬度 {lat:g}"
                f"（辖区约为东经 {self.west:g}–{self.east:g}、北纬 {self.south:g}–{self.north:g}）"
            )
        return None
