from rest_framework import serializers

from forecasting.ml.hierarchy import LEGACY, canonical, with_legacy_names
from forecasting.ml.labels import feature_label
from forecasting.models import ForecastRun, SalesRecord, SeriesStatus, Upload
from forecasting.selectors.catalog import hierarchy_attributes, implicit_item_id, member_id
from jobs.serializers import JobBriefSerializer


class UploadSerializer(serializers.ModelSerializer):
    job = JobBriefSerializer(read_only=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = ["id", "status", "kind", "original_filename", "size", "sha256", "rows_total", "inserted",
                  "updated", "unchanged", "rejected", "error_count", "errors", "warnings", "stats",
                  "dataset_version", "job", "created_by", "created_at", "finished_at", "mapping", "layout",
                  "proposed_mapping", "preview"]
        read_only_fields = fields

    def get_created_by(self, obj) -> str | None:
        return obj.created_by_label if (obj.created_by_id or obj.created_by_key_id) else None


class UploadListSerializer(UploadSerializer):
    class Meta(UploadSerializer.Meta):
        fields = [f for f in UploadSerializer.Meta.fields if f != "errors"]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (any delimiter, decimal comma, BOM), CSV.gz, XLSX or Parquet")
    kind = serializers.ChoiceField(choices=[("sales", "Sales"), ("features", "Features"), ("stores", "Stores")],
                                   required=False, allow_blank=True,
                                   help_text="Walmart's layout only: the kind of file (else detected)")
    mapping = serializers.CharField(required=False, help_text='JSON: {"columns": {"<header>": "<role>", ...}, '
                                    '"decimal": "." | ",", "delimiter": null | ";", "date_format": null | '
                                    '"%d.%m.%Y", "period_label": "start" | "end"}; without it the mapping is '
                                    'proposed (a known or saved layout is used at once, else the upload stops '
                                    'at needs_mapping)')


class UploadMappingSerializer(serializers.Serializer):
    """The mapping that resumes an upload waiting at ``needs_mapping`` (the same shape as ``proposed_mapping``)."""

    columns = serializers.DictField(child=serializers.CharField())
    decimal = serializers.ChoiceField(choices=[".", ","], required=False)
    delimiter = serializers.CharField(allow_null=True, required=False)
    date_format = serializers.CharField(allow_null=True, required=False)
    period_label = serializers.ChoiceField(choices=["start", "end"], required=False)


class SalesRecordSerializer(serializers.ModelSerializer):
    location = serializers.SerializerMethodField(help_text="the location's code")
    item = serializers.SerializerMethodField(help_text="the item's code")

    class Meta:
        model = SalesRecord
        fields = ["store", "dept", "location", "item", "date", "sales", "is_holiday"]
        read_only_fields = fields

    def get_location(self, obj) -> str:
        return self.context["codes"].of(obj.store, obj.dept)["location"]

    def get_item(self, obj) -> str:
        return self.context["codes"].of(obj.store, obj.dept)["item"]


class SeriesKeysSerializer(serializers.Serializer):
    """A series named by the retailer's codes (``location``, ``item``) or, in a workspace whose codes are
    Walmart's numbers, by ``store`` and ``dept``. Codes become ids; an unknown code answers like a series
    outside the caller's stores. ``series_required``: both sides must be named (a workspace without items: the
    implicit one)."""

    series_required = False
    store = serializers.IntegerField(required=False, min_value=0)
    dept = serializers.IntegerField(required=False, min_value=0)
    location = serializers.CharField(required=False, max_length=64, help_text="the location's code")
    item = serializers.CharField(required=False, max_length=64, help_text="the item's code")

    def validate(self, attrs):
        for side, key in (("location", "store"), ("item", "dept")):
            code = attrs.pop(side, None)
            if code is not None:
                attrs[key] = member_id(side, code)
        if "dept" not in attrs and self.series_required:
            implicit = implicit_item_id()
            if implicit is not None:
                attrs["dept"] = implicit
        missing = [k for k in ("store", "dept") if self.series_required and k not in attrs]
        if missing:
            raise serializers.ValidationError({k: ["Name the series: location and item codes (or store and dept)."]
                                               for k in missing})
        return attrs


class SalesFilterSerializer(SeriesKeysSerializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class TrainRequestSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(min_value=1, max_value=52, default=13)
    backtest_windows = serializers.IntegerField(min_value=1, max_value=12, default=4)


class ActivateRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="why (kept in the audit log)")


class ModelVersionListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    chosen = serializers.CharField()
    horizon = serializers.IntegerField()
    backtest_windows = serializers.IntegerField()
    wmae = serializers.FloatField(allow_null=True)
    seasonal_naive_wmae = serializers.FloatField(source="baseline_wmae", allow_null=True)
    dataset_version = serializers.IntegerField()
    data_end = serializers.DateField(allow_null=True)
    training_seconds = serializers.FloatField()
    created_at = serializers.DateTimeField()
    promoted_at = serializers.DateTimeField(allow_null=True)
    trigger = serializers.CharField(help_text="manual | schedule | new_data | degradation")
    challenged = serializers.IntegerField(source="challenged.number", allow_null=True, default=None,
                                          help_text="number of the champion it was compared with")


class ModelVersionDetailSerializer(ModelVersionListSerializer):
    reason = serializers.CharField()
    promotion_note = serializers.CharField()
    decision = serializers.JSONField(help_text="the champion/challenger figures that promoted or rejected it")
    params = serializers.JSONField()
    metrics = serializers.JSONField()
    backtest = serializers.JSONField()
    baselines = serializers.SerializerMethodField()
    importance = serializers.SerializerMethodField(help_text="[{feature, label, gain, share}]: label in plain words")
    coverage = serializers.JSONField()
    timings = serializers.JSONField()
    artifact_sha256 = serializers.CharField()
    uploads = serializers.ListField(child=serializers.IntegerField(), help_text="ids of the uploads it was trained on")
    code_version = serializers.CharField()
    job = JobBriefSerializer()

    def get_baselines(self, obj) -> dict:
        return {name: obj.metrics.get(name) for name in ("seasonal_naive", "last_value")}

    def to_representation(self, obj):
        out = super().to_representation(obj)
        # deprecated: the hierarchy's figures and tables also under the Walmart-era level names they had
        if isinstance(out.get("metrics"), dict) and out["metrics"].get("hierarchy"):
            out["metrics"] = {**out["metrics"], "hierarchy": with_legacy_names(out["metrics"]["hierarchy"])}
        tables = ((out.get("params") or {}).get("hierarchy") or {}).get("quantiles")
        if tables:
            out["params"] = {**out["params"], "hierarchy": {**out["params"]["hierarchy"],
                                                            "quantiles": with_legacy_names(tables)}}
        return out

    def get_importance(self, obj) -> list:
        return [{**i, "label": feature_label(i.get("feature"))} for i in (obj.importance or [])]


class ForecastPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    forecast = serializers.FloatField(help_text="the final figure: the model's with the planners' overrides")
    statistical = serializers.FloatField(required=False, help_text="the model's own forecast")
    overridden = serializers.BooleanField(required=False, help_text="an override moved this point")
    lo80 = serializers.FloatField()
    hi80 = serializers.FloatField()
    lo95 = serializers.FloatField()
    hi95 = serializers.FloatField()
    status = serializers.ChoiceField(choices=SeriesStatus.choices, required=False)


class ForecastSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    origin = serializers.DateField()
    horizon = serializers.IntegerField()
    store = serializers.IntegerField()
    dept = serializers.IntegerField()
    location = serializers.CharField(help_text="the location's code")
    location_name = serializers.CharField(allow_null=True)
    item = serializers.CharField(help_text="the item's code")
    item_name = serializers.CharField(allow_null=True)
    pooled = serializers.BooleanField()
    status = serializers.ChoiceField(choices=SeriesStatus.choices)
    points = ForecastPointSerializer(many=True)
    assumed = serializers.DictField(child=serializers.IntegerField(), help_text=(
        "known covariate -> periods of the horizon with no uploaded value, whose last value the forecast assumed"))


class ForecastRequestSerializer(SeriesKeysSerializer):
    series_required = True
    horizon = serializers.IntegerField(min_value=1, max_value=366, default=13, help_text=(
        "periods ahead: 1..52 weeks, or up to a daily or monthly model's own horizon"))


class ForecastQuerySerializer(SeriesKeysSerializer):
    series_required = True


class PaginatedSalesSerializer(serializers.Serializer):
    """The page ``GET /api/v1/sales/`` answers (documentation only)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SalesRecordSerializer(many=True)


class ForecastRunSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model_version.number")
    job = serializers.IntegerField(source="job_id", allow_null=True)

    class Meta:
        model = ForecastRun
        fields = ["id", "kind", "origin", "model_version", "horizon", "series", "pooled_series", "status_counts",
                  "assumed", "seconds", "job", "created_at", "summarised_at", "summarised_points"]
        read_only_fields = fields


class AggregateQuerySerializer(serializers.Serializer):
    """``level`` a name of the workspace's hierarchy (``total``, ``location``, ``item``, ``location.<attr>``,
    ``item.<attr>``; ``store_type``, ``store`` and ``dept`` stay as aliases) and ``key`` the node: the
    attribute's value, the location's or item's code (or the aliases' ``type``, ``store``, ``dept``)."""

    level = serializers.CharField(max_length=100)
    key = serializers.CharField(max_length=100, required=False)
    store = serializers.IntegerField(min_value=0, required=False)
    dept = serializers.IntegerField(min_value=0, required=False)
    type = serializers.CharField(max_length=10, required=False, help_text="store type, for level store_type")

    def validate(self, attrs):
        asked = attrs["level"]
        level = canonical(asked)
        levels = hierarchy_attributes().levels()
        if level not in levels and asked not in LEGACY:  # an alias is always accepted (404 with no such node)
            raise serializers.ValidationError({"level": [f"one of {', '.join(levels)} (store_type, store and "
                                                         "dept are aliases)"]})
        legacy = {"store": "store", "dept": "dept", "store_type": "type"}.get(asked)
        raw = attrs.get(legacy) if legacy and attrs.get(legacy) not in (None, "") else attrs.get("key")
        if level != "total" and raw in (None, ""):
            raise serializers.ValidationError({legacy or "key": [f"required for level {asked}"]})
        if level == "total":
            key = "all"
        elif legacy in ("store", "dept"):
            key = str(raw)
        elif legacy == "type":
            key = str(raw).strip().upper()
        elif level in ("location", "item"):
            key = str(member_id(level, str(raw)))  # the retailer's code; an unknown one answers 404
        else:
            key = str(raw).strip()
        attrs.update(canonical=level, key=key, shown_key=str(raw).strip() if level != "total" and not legacy else key)
        return attrs


class AggregatePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    forecast = serializers.FloatField(help_text="with the planners' overrides of its series")
    statistical = serializers.FloatField(help_text="the model's own (coherent) forecast")
    lo80 = serializers.FloatField(allow_null=True)
    hi80 = serializers.FloatField(allow_null=True)
    lo95 = serializers.FloatField(allow_null=True)
    hi95 = serializers.FloatField(allow_null=True)


class AggregateSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    origin = serializers.DateField()
    level = serializers.CharField()
    key = serializers.CharField()
    points = AggregatePointSerializer(many=True)


class PaginatedForecastRunSerializer(serializers.Serializer):
    """The page ``GET /api/v1/forecasts/runs/`` answers (documentation only)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ForecastRunSerializer(many=True)


class LevelSerializer(serializers.Serializer):
    level = serializers.CharField(help_text="total, location, item, location.<attr> or item.<attr>")
    label = serializers.CharField(help_text="in the workspace's words, e.g. 'Store city'")
    keys = serializers.ListField(child=serializers.CharField(), allow_null=True,
                                 help_text="the attribute's values; null for location and item (their codes: "
                                           "GET /api/v1/locations/, /items/)")


class LevelListSerializer(serializers.Serializer):
    levels = LevelSerializer(many=True)
