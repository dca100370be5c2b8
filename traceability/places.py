"""Việt Nam's 34 provinces (since 1 July 2025), a phone's coordinates rounded to one of them,
and how far apart two provinces are at the least.

Names and codes come from the ``vietnam-provinces`` package (the statistics office's list).
No package ships boundaries for the new provinces, so a point is given the province of the
nearest *anchor*: the seat of each of the 63 former provinces (and two far-off towns), each of
which went whole into one new province in the 2025 merger. Near a border a point can land in
the neighbouring province; every distance used for clone signals is therefore a lower bound
(:func:`apart_km`): the closest anchors of the two provinces, less :data:`MARGIN_KM`, so two
neighbours are always 0 km apart and a misplaced point never makes an item look far away.
"""

from __future__ import annotations

import functools
import math

from vietnam_provinces import Province

# A point is never more than this far from its anchor on land; farther is outside Việt Nam
# (or at sea) and gets no province.
MAX_ANCHOR_KM = 150.0
# Two points in two provinces are at least (closest anchors - MARGIN_KM) apart: a point lies
# within about 60 km of the anchor it was given, at either end.
MARGIN_KM = 120.0

# (latitude, longitude, new province code): former provincial seats, approximate to ~1 km.
ANCHORS: tuple[tuple[float, float, int], ...] = (
    (21.028, 105.854, 1),  # Hà Nội
    (22.666, 106.258, 4),  # Cao Bằng
    (21.818, 105.211, 8),  # Tuyên Quang
    (22.823, 104.984, 8),  # Hà Giang
    (21.386, 103.023, 11),  # Điện Biên Phủ
    (22.396, 103.458, 12),  # Lai Châu
    (21.327, 103.914, 14),  # Sơn La
    (22.486, 103.970, 15),  # Lào Cai
    (21.722, 104.911, 15),  # Yên Bái
    (21.594, 105.848, 19),  # Thái Nguyên
    (22.147, 105.835, 19),  # Bắc Kạn
    (21.853, 106.761, 20),  # Lạng Sơn
    (20.951, 107.080, 22),  # Hạ Long
    (21.524, 107.966, 22),  # Móng Cái
    (21.186, 106.076, 24),  # Bắc Ninh
    (21.273, 106.195, 24),  # Bắc Giang
    (21.322, 105.402, 25),  # Việt Trì
    (21.309, 105.605, 25),  # Vĩnh Yên
    (20.817, 105.338, 25),  # Hòa Bình
    (20.845, 106.688, 31),  # Hải Phòng
    (20.939, 106.331, 31),  # Hải Dương
    (20.646, 106.051, 33),  # Hưng Yên
    (20.447, 106.336, 33),  # Thái Bình
    (20.251, 105.975, 37),  # Ninh Bình
    (20.541, 105.914, 37),  # Phủ Lý
    (20.434, 106.177, 37),  # Nam Định
    (19.807, 105.776, 38),  # Thanh Hóa
    (18.679, 105.681, 40),  # Vinh
    (18.343, 105.906, 42),  # Hà Tĩnh
    (17.468, 106.622, 44),  # Đồng Hới
    (16.816, 107.100, 44),  # Đông Hà
    (16.463, 107.590, 46),  # Huế
    (16.054, 108.202, 48),  # Đà Nẵng
    (15.573, 108.474, 48),  # Tam Kỳ
    (15.120, 108.792, 51),  # Quảng Ngãi
    (14.350, 108.000, 51),  # Kon Tum
    (13.776, 109.224, 52),  # Quy Nhơn
    (13.983, 108.000, 52),  # Pleiku
    (12.239, 109.197, 56),  # Nha Trang
    (11.565, 108.988, 56),  # Phan Rang
    (12.667, 108.038, 66),  # Buôn Ma Thuột
    (13.096, 109.321, 66),  # Tuy Hòa
    (11.940, 108.458, 68),  # Đà Lạt
    (12.004, 107.690, 68),  # Gia Nghĩa
    (10.928, 108.102, 68),  # Phan Thiết
    (10.957, 106.843, 75),  # Biên Hòa
    (11.535, 106.883, 75),  # Đồng Xoài
    (10.776, 106.701, 79),  # Thành phố Hồ Chí Minh
    (10.980, 106.652, 79),  # Thủ Dầu Một
    (10.346, 107.084, 79),  # Vũng Tàu
    (11.310, 106.098, 80),  # Tây Ninh
    (10.535, 106.413, 80),  # Tân An
    (10.460, 105.633, 82),  # Cao Lãnh
    (10.360, 106.360, 82),  # Mỹ Tho
    (10.254, 105.972, 86),  # Vĩnh Long
    (10.241, 106.376, 86),  # Bến Tre
    (9.935, 106.345, 86),  # Trà Vinh
    (10.386, 105.436, 91),  # Long Xuyên
    (10.012, 105.081, 91),  # Rạch Giá
    (10.227, 103.964, 91),  # Phú Quốc
    (10.045, 105.747, 92),  # Cần Thơ
    (9.784, 105.470, 92),  # Vị Thanh
    (9.603, 105.980, 92),  # Sóc Trăng
    (9.177, 105.150, 96),  # Cà Mau
    (9.294, 105.727, 96),  # Bạc Liêu
)


@functools.cache
def names() -> dict[int, str]:
    """Return the 34 provinces' names by code ("Hà Nội", "Thành phố Hồ Chí Minh" …)."""
    return {int(p.code): p.name for p in Province.iter_all()}


def name(code: str | None) -> str | None:
    """Return the name of a province stored as its code (``"1"``), or ``None``."""
    if code is None or not code.isdigit():
        return None
    return names().get(int(code))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def locate(lat: float, lon: float) -> int | None:
    """Return the code of the province a point lies in (see the module docstring), or ``None``
    for a point that is not in Việt Nam."""
    best, code = min((distance_km(lat, lon, a_lat, a_lon), c) for a_lat, a_lon, c in ANCHORS)
    return code if best <= MAX_ANCHOR_KM else None


@functools.cache
def _apart() -> dict[tuple[int, int], float]:
    closest: dict[tuple[int, int], float] = {}
    for lat1, lon1, a in ANCHORS:
        for lat2, lon2, b in ANCHORS:
            d = distance_km(lat1, lon1, lat2, lon2)
            closest[a, b] = min(closest.get((a, b), d), d)
    return {pair: max(0.0, d - MARGIN_KM) if pair[0] != pair[1] else 0.0 for pair, d in closest.items()}


def apart_km(a: int, b: int) -> float:
    """Return the least distance in km between a point in province ``a`` and one in ``b``
    (0 for the same or neighbouring provinces). Raises :class:`KeyError` for an unknown code."""
    return _apart()[a, b]
