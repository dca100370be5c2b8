"""Closed vocabularies of the registry. Values are stored as-is, so never rename one."""

from __future__ import annotations

from enum import StrEnum


class ProducerKind(StrEnum):
    ENTERPRISE = "enterprise"  # doanh nghiệp
    COOPERATIVE = "cooperative"  # hợp tác xã (HTX)
    COOPERATIVE_GROUP = "cooperative_group"  # tổ hợp tác
    HOUSEHOLD = "household"  # hộ sản xuất, hộ kinh doanh


class ProductGroup(StrEnum):
    """The six OCOP product groups of Decision 148/QĐ-TTg."""

    FOOD = "food"  # thực phẩm
    BEVERAGE = "beverage"  # đồ uống
    HERBAL = "herbal"  # thảo dược
    TEXTILE = "textile"  # vải và may mặc
    SOUVENIR = "souvenir"  # lưu niệm, nội thất, trang trí
    TOURISM = "tourism"  # dịch vụ du lịch cộng đồng và điểm du lịch


class IssuingLevel(StrEnum):
    DISTRICT = "district"  # 3★
    PROVINCE = "province"  # 4★
    CENTRAL = "central"  # 5★


LEVEL_FOR_STARS = {3: IssuingLevel.DISTRICT, 4: IssuingLevel.PROVINCE, 5: IssuingLevel.CENTRAL}


class CertificationStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class LabelForm(StrEnum):
    """What a product's labels hold (docs/label-code.md): today's ``/V/`` code, or a signed GS1
    Digital Link (§9), which a supermarket till reads too; only a product with a GTIN has it."""

    OCOP = "ocop"
    GS1 = "gs1"


class RecordStatus(StrEnum):
    """Status of producers, products, lots and labels."""

    ACTIVE = "active"
    REVOKED = "revoked"


class RevocationTarget(StrEnum):
    LABEL = "label"
    RANGE = "range"  # a range of label numbers in one lot
    LOT = "lot"
    PRODUCT = "product"
    PRODUCER = "producer"
    KEY = "key"  # a compromised signing key


class RevocationReason(StrEnum):
    COUNTERFEIT = "counterfeit"
    RECALLED = "recalled"
    WITHDRAWN = "withdrawn"  # certification withdrawn
    DAMAGED_OR_LOST = "damaged_or_lost"
    KEY_COMPROMISED = "key_compromised"
    OTHER = "other"


class EventKind(StrEnum):
    """Steps of a lot's journey."""

    HARVESTED = "harvested"
    PROCESSED = "processed"
    PACKED = "packed"
    INSPECTED = "inspected"
    SHIPPED = "shipped"
    # Added by a partner through EPCIS capture (revision 0010_epcis): a packer or distributor
    # took the goods in.
    RECEIVED = "received"
