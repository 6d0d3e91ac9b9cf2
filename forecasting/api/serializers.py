from rest_framework import serializers

from forecasting.models import Job, SalesRecord, Upload


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "message", "result", "error", "attempts", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields


class JobBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "status", "progress"]
        read_only_fields = fields


class UploadSerializer(serializers.ModelSerializer):
    job = JobBriefSerializer(read_only=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = ["id", "status", "kind", "original_filename", "size", "sha256", "rows_total", "inserted",
                  "updated", "unchanged", "rejected", "error_count", "errors", "warnings", "stats",
                  "dataset_version", "job", "created_by", "created_at", "finished_at"]
        read_only_fields = fields

    def get_created_by(self, obj) -> str | None:
        if obj.created_by_id:
            return obj.created_by.email
        if obj.created_by_key_id:
            return f"key:{obj.created_by_key.prefix}"
        return None


class UploadListSerializer(UploadSerializer):
    class Meta(UploadSerializer.Meta):
        fields = [f for f in UploadSerializer.Meta.fields if f != "errors"]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Upload.Kind.choices, required=False, allow_blank=True)


class SalesRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesRecord
        fields = ["store", "dept", "date", "sales", "is_holiday"]
        read_only_fields = fields


class SalesFilterSerializer(serializers.Serializer):
    store = serializers.IntegerField(required=False, min_value=0)
    dept = serializers.IntegerField(required=False, min_value=0)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
