"""Reading the bulk import's cells: producer kinds and product groups as a province writes
them (Vietnamese, with or without diacritics, or our stored values), star counts and dates in
Vietnamese order (dd/mm/yyyy) or ISO, and one row's cells checked (:func:`row_fields`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from .. import provinces, validate
from ..enums import LEVEL_FOR_STARS, ProducerKind, ProductGroup
from ..exc import ValidationError
from ..spreadsheet import fold

KINDS = {
    "doanh nghiep": ProducerKind.ENTERPRISE,
    "cong ty": ProducerKind.ENTERPRISE,
    "hop tac xa": ProducerKind.COOPERATIVE,
    "htx": ProducerKind.COOPERATIVE,
    "to hop tac": ProducerKind.COOPERATIVE_GROUP,
    "tht": ProducerKind.COOPERATIVE_GROUP,
    "ho kinh doanh": ProducerKind.HOUSEHOLD,
    "ho san xuat": ProducerKind.HOUSEHOLD,
    "ho san xuat kinh doanh": ProducerKind.HOUSEHOLD,
    **{fold(k.value): k for k in ProducerKind},
}
GROUPS = {
    "thuc pham": ProductGroup.FOOD,
    "do uong": ProductGroup.BEVERAGE,
    "thao duoc": ProductGroup.HERBAL,
    "vai va may mac": ProductGroup.TEXTILE,
    "vai may mac": ProductGroup.TEXTILE,
    "luu niem": ProductGroup.SOUVENIR,
    "luu niem noi that trang tri": ProductGroup.SOUVENIR,
    "du lich": ProductGroup.TOURISM,
    "dich vu du lich cong dong va diem du lich": ProductGroup.TOURISM,
    **{fold(g.value): g for g in ProductGroup},
}
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _key(value: object) -> str:
    return re.sub(r"[^a-z0-9 ]+", " ", fold(str(value))).strip() if value is not None else ""


def kind_of(value: object) -> ProducerKind:
    """Return the producer kind a cell names. Raises :class:`ValidationError` (``kind``)."""
    found = KINDS.get(" ".join(_key(value).split()))
    if found is None:
        raise ValidationError("kind", "must be one of: Doanh nghiệp, Hợp tác xã, Tổ hợp tác, Hộ kinh doanh")
    return found


def group_of(value: object) -> ProductGroup:
    """Return the product group a cell names. Raises :class:`ValidationError` (``group``)."""
    found = GROUPS.get(" ".join(_key(value).split()))
    if found is None:
        raise ValidationError(
            "group",
            "must be one of: Thực phẩm, Đồ uống, Thảo dược, Vải và may mặc, Lưu niệm, Du lịch",
        )
    return found


def stars_of(value: object) -> int:
    """Return 3, 4 or 5 from a cell ("4", "4 sao", "4★"). Raises :class:`ValidationError`."""
    digits = re.sub(r"\D", "", str(value or ""))
    if not digits or int(digits) not in LEVEL_FOR_STARS:
        raise ValidationError("stars", "OCOP recognises 3, 4 or 5 stars")
    return int(digits)


def sheet_date(field: str, value: object, *, required: bool) -> date | None:
    """Return the date in a cell: a spreadsheet date, dd/mm/yyyy, or yyyy-mm-dd.

    Raises :class:`ValidationError` (``field``) for anything else, or a missing required date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationError(field, "is required")
        return None
    try:
        match = _DMY.fullmatch(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, "is not a date; write it as dd/mm/yyyy") from None


T = TypeVar("T")


def row_fields(v: dict[str, Any], errors: list[ValidationError]) -> dict[str, Any]:
    """Return the row's values checked, by column (``None`` for a refused or empty one), with
    each refusal added to ``errors``; the certificate's columns are checked only if
    any of them is filled in."""

    def take(check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except ValidationError as e:
            errors.append(e)
            return None

    f: dict[str, Any] = {
        "legal_name": take(validate.required_text, "legal_name", v.get("legal_name"), max_length=200),
        "kind": take(kind_of, v.get("kind")),
        "tax_code": take(validate.tax_code, v.get("tax_code")),
        "commune": take(validate.required_text, "commune", v.get("commune"), max_length=100),
        "province": take(provinces.canonical, v.get("province")),
        "contact": take(validate.text, "contact", v.get("contact"), max_length=200, required=False),
        "product": take(validate.required_text, "product", v.get("product"), max_length=200),
        "group": take(group_of, v.get("group")),
        "gtin": take(validate.gtin, v.get("gtin")),
    }
    certified = any(v.get(c) not in (None, "") for c in ("stars", "number", "issued_on", "valid_until"))
    f["stars"] = take(stars_of, v.get("stars")) if certified else None
    f["number"] = (
        take(validate.required_text, "number", v.get("number"), max_length=100) if certified else None
    )
    f["issued_on"] = take(sheet_date, "issued_on", v.get("issued_on"), required=True) if certified else None
    f["valid_until"] = (
        take(sheet_date, "valid_until", v.get("valid_until"), required=False) if certified else None
    )
    if f["issued_on"] and f["valid_until"] and f["valid_until"] <= f["issued_on"]:
        errors.append(ValidationError("valid_until", "must be after the decision date"))
    return f
