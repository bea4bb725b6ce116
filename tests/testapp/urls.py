from django.urls import include, path
from rest_framework.routers import DefaultRouter

from project.urls import urlpatterns as project_urlpatterns

from .api import WidgetViewSet

router = DefaultRouter()
router.register("widgets", WidgetViewSet, basename="widget")

urlpatterns = [path("api/test/", include(router.urls)), *project_urlpatterns]
