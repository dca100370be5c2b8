"""How the registry's records map onto CBV 2.0 business steps, dispositions and actions.
``docs/epcis.md`` has the same table with the reasons."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import EventKind, RevocationReason

CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
# Bare CBV words are what the JSON binding writes; these prefixes spell the same values as URIs.
BIZSTEP_PREFIXES = ("https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:")
DISPOSITION_PREFIXES = ("https://ref.gs1.org/cbv/Disp-", "urn:epcglobal:cbv:disp:")


@dataclass(frozen=True, slots=True)
class Step:
    """The action, business step and disposition (``None``: none stated) of one kind of event."""

    action: str
    biz_step: str
    disposition: str | None


JOURNEY: dict[EventKind, Step] = {
    # The lot comes into existence: more of the product class (CBV creating_class_instance).
    EventKind.HARVESTED: Step("ADD", "creating_class_instance", "active"),
    # CBV has no processing step; a TransformationEvent would need input lots we do not record.
    EventKind.PROCESSED: Step("OBSERVE", "other", "in_progress"),
    EventKind.PACKED: Step("OBSERVE", "packing", "in_progress"),
    # The journey records that an inspection took place, not its outcome: no disposition.
    EventKind.INSPECTED: Step("OBSERVE", "inspecting", None),
    EventKind.SHIPPED: Step("OBSERVE", "shipping", "in_transit"),
    EventKind.RECEIVED: Step("OBSERVE", "receiving", "in_progress"),
}
ISSUE = Step("ADD", "commissioning", "active")
REVOKED = Step("DELETE", "decommissioning", "inactive")
RECALLED = Step("DELETE", "decommissioning", "recalled")

# What a partner may capture: the step, and the journey kind it is shown as on the scan page.
CAPTURE_STEPS: dict[str, EventKind] = {"shipping": EventKind.SHIPPED, "receiving": EventKind.RECEIVED}


def revocation_step(reason: RevocationReason) -> Step:
    """Return the step of a revocation: ``recalled`` for a recall, else ``inactive`` (CBV's
    disposition for a decommissioned identifier)."""
    return RECALLED if reason is RevocationReason.RECALLED else REVOKED


def bare(value: str, prefixes: tuple[str, ...]) -> str:
    """Return a CBV value without its URI prefix ("urn:epcglobal:cbv:bizstep:shipping" ->
    "shipping"); other values unchanged."""
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value
