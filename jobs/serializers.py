from rest_framework import serializers

from jobs.models import Job


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
