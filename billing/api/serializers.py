from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from billing.plans import PLANS
from saas.api.writes import WriteSerializer

MAX_USAGE_DAYS = 366


class UsageQuerySerializer(serializers.Serializer):
    """?since=YYYY-MM-DD&until=YYYY-MM-DD (inclusive; default: the last 30 days)."""

    since = serializers.DateField(required=False, input_formats=["iso-8601"])
    until = serializers.DateField(required=False, input_formats=["iso-8601"])

    def validate(self, attrs):
        until = attrs.get("until") or timezone.now().date()
        since = attrs.get("since") or until - timedelta(days=29)
        if since > until:
            raise serializers.ValidationError({"since": ["must be on or before until"]})
        if (until - since).days + 1 > MAX_USAGE_DAYS:
            raise serializers.ValidationError({"since": [f"at most {MAX_USAGE_DAYS} days per request"]})
        return {"since": since, "until": until}


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    api_requests = serializers.IntegerField()
    rows_ingested = serializers.IntegerField()
    rows_stored = serializers.IntegerField()
    storage_bytes = serializers.IntegerField()
    trainings = serializers.IntegerField()
    training_seconds = serializers.IntegerField()
    training_minutes = serializers.FloatField()
    forecasts_served = serializers.IntegerField()
    simulations = serializers.IntegerField()


class UsageTotalsSerializer(UsageDaySerializer):
    day = None


class UsageSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    days = UsageDaySerializer(many=True)
    totals = UsageTotalsSerializer()


class LineItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    unit = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class StatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    plan = serializers.CharField()
    currency = serializers.CharField()
    line_items = LineItemSerializer(many=True)
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    usage = serializers.DictField(child=serializers.IntegerField())
    issued_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()
    csv_url = serializers.SerializerMethodField()

    def get_pdf_url(self, obj) -> str:
        return f"/api/v1/statements/{obj.pk}.pdf"

    def get_csv_url(self, obj) -> str:
        return f"/api/v1/statements/{obj.pk}.csv"


class PlanSerializer(serializers.Serializer):
    plan = serializers.CharField()
    changed = serializers.BooleanField(required=False)
    plans = serializers.ListField(child=serializers.CharField(), required=False)


class PlanChangeSerializer(WriteSerializer):
    answer = PlanSerializer
    plan = serializers.ChoiceField(choices=list(PLANS))
