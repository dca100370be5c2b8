"""The 34 provinces and centrally-run cities of Việt Nam since 1 July 2025 (Resolution
202/2025/QH15), from the ``vietnam-provinces`` package's data."""

from __future__ import annotations

import functools
import re

from vietnam_provinces import Province

from .exc import ValidationError
from .spreadsheet import fold

_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


@functools.cache
def _index() -> dict[str, str]:
    names: dict[str, str] = {}
    for province in Province.iter_all():
        full = fold(province.name)
        names[full] = province.name
        names[_PREFIX.sub("", full)] = province.name
        names[fold(province.codename)] = province.name
    return names


def names() -> list[str]:
    """Return the official names ("Thành phố Hà Nội", "Cao Bằng", …), in the package's order."""
    return [p.name for p in Province.iter_all()]


def canonical(value: object) -> str:
    """Return the official name of the province ``value`` names, written with or without
    diacritics, "Tỉnh"/"Thành phố"/"TP." or case ("tp ho chi minh", "Thanh Hoá").

    Raises :class:`ValidationError` (field ``province``) for anything else, such as a province
    merged away in 2025.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError("province", "is required")
    found = _index().get(_PREFIX.sub("", fold(text)))
    if found is None:
        raise ValidationError(
            "province", "%(value)s is not one of the 34 provinces and cities since 1 July 2025", value=text
        )
    return found
