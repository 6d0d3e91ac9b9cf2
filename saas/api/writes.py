"""A ``PUT``/``PATCH`` accepts back what its ``GET`` returned: the answer's read-only fields are ignored,
fields that are neither writable nor part of the answer are refused (400 ``validation_error`` naming
each). A write's input serializer derives from ``WriteSerializer`` and names its answer's serializer;
a write read as a plain dict goes through ``drop_read_only``. tests/saas/test_put_roundtrip.py sends
every such route its own GET's answer back."""
from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from saas.errors import ValidationFailed


def answer_fields(answer: type[serializers.Serializer] | None) -> set[str]:
    return set(answer().fields) if answer else set()


def drop_read_only(data: Mapping, *, writable: set[str], answer: type[serializers.Serializer]) -> dict:
    """``data`` without the answer's fields that cannot be written; unknown fields are kept, for the rules
    to refuse by name."""
    read_only = answer_fields(answer) - writable
    return {k: v for k, v in data.items() if k not in read_only}


class WriteSerializer(serializers.Serializer):
    """Input of a write. ``answer``: the serializer of what the route's GET returns."""

    answer: type[serializers.Serializer] | None = None

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = set(self.fields) | answer_fields(self.answer)
            unknown = sorted(k for k in data if k not in known)
            if unknown:
                raise serializers.ValidationError({k: ["Unknown field."] for k in unknown})
        return super().to_internal_value(data)


def json_body(data, *, required: tuple[str, ...] = ()) -> Mapping:
    """A POST's body as a JSON object with its ``required`` fields present (400 ``validation_error`` naming
    each missing one); the service validates the values."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("The body must be a JSON object.", details={"body": ["a JSON object"]})
    missing = [f for f in required if data.get(f) in (None, "")]
    if missing:
        raise ValidationFailed(f"{missing[0]}: this field is required.",
                               details={f: ["this field is required"] for f in missing})
    return data
