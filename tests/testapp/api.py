from rest_framework import serializers, viewsets

from workflows.api import TransitionsMixin

from .models import Widget


class WidgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Widget
        fields = ["id", "title", "unit", "state", "deadline", "score"]
        read_only_fields = ["state", "deadline", "score"]


class WidgetViewSet(TransitionsMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Widget.objects.all()
    serializer_class = WidgetSerializer
