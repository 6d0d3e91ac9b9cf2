"""``GET|PUT /api/v1/retraining-policy/`` (issue 8): analysts and up read the
tenant's retraining policy; admins and owners change it. Field rules live in
forecasting/ml/lifecycle/retraining.py (one place for the API and the web form); a
bad field answers 400 ``validation_error`` with ``details`` naming it."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from forecasting.selectors.retraining import policy_summary
from forecasting.services.retraining import retraining_policy_update
from saas.api.base import TenantAPIView
from saas.api.writes import drop_read_only
from saas.errors import ValidationFailed


class RetrainingPolicyUpdateSerializer(serializers.Serializer):
    """The fields a PUT may send; a field left out keeps its value (documentation only: the rules validate)."""

    schedule = serializers.ChoiceField(choices=["off", "weekly", "monthly"], required=False)
    weekday = serializers.IntegerField(required=False, help_text="weekly: 0 = Monday ... 6 = Sunday")
    day_of_month = serializers.IntegerField(required=False, help_text="monthly: 1..28")
    hour = serializers.IntegerField(required=False, help_text="0..23, in time_zone")
    time_zone = serializers.CharField(required=False, help_text="IANA name, e.g. Europe/Paris")
    on_new_data = serializers.BooleanField(required=False)
    min_new_weeks = serializers.IntegerField(required=False, help_text="retrain after an upload adding >= N weeks")
    on_degradation = serializers.BooleanField(required=False)
    degradation_weeks = serializers.IntegerField(required=False, help_text="K: the last realized weeks scored")
    degradation_tolerance = serializers.FloatField(required=False, help_text="0.10: live WMAE 10 % above backtest")
    degradation_vs_naive = serializers.BooleanField(required=False, help_text="also when worse than seasonal naive")
    cooldown_hours = serializers.IntegerField(required=False)
    shadow_weeks = serializers.IntegerField(required=False, help_text="0: off; 1..13: a challenger that passes the "
                                            "backtest rule is scored live beside the champion for N realized weeks "
                                            "before it is promoted or rejected")


class RetrainingPolicySerializer(RetrainingPolicyUpdateSerializer):
    """The answer: the policy, its schedule in words, the next scheduled
    retrain (null: schedule off) and the last automatic decision."""

    schedule_label = serializers.CharField()
    next_scheduled_retrain = serializers.DateTimeField(allow_null=True)
    next_scheduled_retrain_local = serializers.CharField(allow_null=True, help_text="the same, in the policy's "
                                                         "time zone (ISO 8601 with its offset)")
    last_triggered_at = serializers.DateTimeField(allow_null=True)
    last_decision = serializers.DictField(allow_null=True, help_text="{at, outcome: triggered|skipped, trigger, "
                                                                    "reason, job}")
    updated_at = serializers.DateTimeField(allow_null=True, help_text="null: never set (the defaults: all off)")


class RetrainingPolicyView(TenantAPIView):
    permissions_map = {"GET": "retraining.view", "PUT": "retraining.manage"}

    @extend_schema(responses=RetrainingPolicySerializer)
    def get(self, request):
        return Response(policy_summary())

    @extend_schema(request=RetrainingPolicyUpdateSerializer, responses=RetrainingPolicySerializer)
    def put(self, request):
        data = request.data.dict() if hasattr(request.data, "dict") else request.data
        if not isinstance(data, dict):
            raise ValidationFailed("Send a JSON object of the policy's fields.", details={"body": ["not an object"]})
        # what GET answered may come back: its read-only fields are ignored, unknown ones refused by the rules
        data = drop_read_only(data, writable=set(RetrainingPolicyUpdateSerializer().fields),
                              answer=RetrainingPolicySerializer)
        policy = retraining_policy_update(actor=self.actor, changes=data)
        return Response(policy_summary(policy))
