from rest_framework import serializers

from accounts.models import API_KEY_STATUS_CHOICES, ApiKey, AuditEvent, User
from accounts.roles import API_KEY_ROLES, Role
from saas.api.writes import WriteSerializer


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    role = serializers.CharField()
    tenant = serializers.CharField()
    kind = serializers.ChoiceField(choices=["user", "api_key"])


class MemberSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="active, invited (no password chosen yet) or deactivated")

    class Meta:
        model = User
        fields = ["id", "email", "username", "first_name", "last_name", "role", "is_active", "status",
                  "date_joined", "last_login"]
        read_only_fields = fields

    def get_status(self, user) -> str:
        return user.status


class MemberChangeSerializer(MemberSerializer):
    api_keys_affected = serializers.IntegerField(
        read_only=True, help_text="Live API keys this member created whose power changed with this update")

    class Meta(MemberSerializer.Meta):
        fields = MemberSerializer.Meta.fields + ["api_keys_affected"]
        read_only_fields = fields


class MemberInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)


class MemberUpdateSerializer(WriteSerializer):
    answer = MemberChangeSerializer
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send 'role' and/or 'is_active'.")
        return attrs


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    status = serializers.ChoiceField(choices=API_KEY_STATUS_CHOICES, read_only=True,
                                     help_text="suspended: its creator is deactivated; it works again on reactivation")
    effective_role = serializers.CharField(read_only=True, allow_null=True,
                                           help_text="The role it acts with: at most its creator's current role")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "role", "effective_role", "created_by", "created_at", "last_used_at",
                  "revoked_at", "is_active", "status"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=[(r.value, r.label) for r in API_KEY_ROLES])


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself. Shown only once.")

    class Meta(ApiKeySerializer.Meta):
        fields = ApiKeySerializer.Meta.fields + ["key"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    sequence = serializers.IntegerField(help_text="Position in this workspace's audit chain (1, 2, 3, ... no gap).")
    prev_hash = serializers.CharField(help_text="SHA-256 (hex) of the event before this one; 64 zeros for the first.")
    hash = serializers.CharField(help_text="SHA-256 (hex) over this event's content and prev_hash.")

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "actor", "actor_user", "actor_api_key", "ip",
                  "request_id", "target_type", "target_id", "payload", "sequence", "prev_hash", "hash"]
        read_only_fields = fields


class StoreScopeSerializer(WriteSerializer):
    """The stores a member or key may see. ``restricted`` false: every store."""

    restricted = serializers.BooleanField(read_only=True)
    stores = serializers.ListField(child=serializers.IntegerField(min_value=0), allow_empty=True,
                                   help_text="Store numbers; an empty list lifts the restriction")
