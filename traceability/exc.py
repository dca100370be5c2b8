"""The one error hierarchy of :mod:`traceability`. Errors carry the data behind the message."""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every error raised by the registry services."""


class NotFound(RegistryError):
    """No ``entity`` with this ``key`` exists."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key


class ValidationError(RegistryError, ValueError):
    """An input value is not acceptable. ``field`` names it for forms and the CLI.

    ``template`` is the English message with ``%(name)s`` placeholders filled from ``params``;
    it doubles as the translation key, so the web can show the message in Vietnamese
    (extracted by Babel with the keyword ``ValidationError:2``). ``message`` is the English
    text, filled in.
    """

    def __init__(self, field: str, template: str, **params: object) -> None:
        message = template % params if params else template
        super().__init__(f"{field}: {message}")
        self.field = field
        self.template = template
        self.params = params
        self.message = message


class Refused(RegistryError):
    """The change is refused for the record ``entity`` ``key``: the base of :class:`Conflict`
    and :class:`StateError`. ``template`` and ``params`` work as for :class:`ValidationError`."""

    def __init__(self, entity: str, key: object, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.entity = entity
        self.key = key
        self.template = template
        self.params = params


class Conflict(Refused):
    """The change would break a uniqueness rule (e.g. a lot code used twice for one product).

    ``template`` and ``params`` work as for :class:`ValidationError` (Babel keyword
    ``Conflict:3``).
    """


class StateError(Refused):
    """The record's current state forbids the change (e.g. withdrawing a withdrawn certificate).

    ``template`` and ``params`` work as for :class:`ValidationError` (Babel keyword
    ``StateError:3``).
    """


class BackupError(RegistryError):
    """A backup or restore cannot be made: ``path`` (a file or the database) and why."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class EpcisError(RegistryError):
    """Base class of the EPCIS query and capture errors (:mod:`traceability.epcis`)."""


class QueryParameterError(EpcisError):
    """A query parameter is unknown, repeated or malformed: ``parameter`` and ``reason``
    (EPCIS ``QueryParameterException``)."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


class CaptureRejected(EpcisError):
    """A captured document is not acceptable; ``problems`` says why, one line each (EPCIS
    ``ValidationException``). Nothing of the document is stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class TokenRefused(EpcisError):
    """A partner API token is unknown or revoked (``revoked`` says which)."""

    def __init__(self, *, revoked: bool) -> None:
        super().__init__("the API token was revoked" if revoked else "unknown API token")
        self.revoked = revoked


class NotPartnersLot(EpcisError):
    """A captured event names a lot or label (``epc``) of another producer than the token's."""

    def __init__(self, epc: str) -> None:
        super().__init__(f"{epc} is not a lot or label of this token's producer")
        self.epc = epc
