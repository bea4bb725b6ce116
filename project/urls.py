from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from councils.api import AgendaItemViewSet, CouncilViewSet, SessionViewSet
from dossiers.api import AwardTypeViewSet, DossierViewSet, LineViewSet, NomineeViewSet, RuleVersionViewSet
from dossiers.unit_round_api import UnitRoundViewSet
from innovation.api import InitiativeViewSet, ReviewViewSet, RoundViewSet
from plan.api import ActivityViewSet, PlanViewSet
from webhooks.api import SubscriptionViewSet
from workflows.api import MembershipViewSet, TokenLogoutAllView, TokenLogoutView, TokenView, UnitViewSet
from workflows.audit_api import AuditCheckpointViewSet, AuditCheckRunViewSet
from workflows.language import set_language

from . import api_versions, health

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("plans", PlanViewSet, basename="plan")
router.register("activities", ActivityViewSet, basename="activity")
router.register("dossiers", DossierViewSet, basename="dossier")
router.register("dossier-lines", LineViewSet, basename="dossier-line")
router.register("nominees", NomineeViewSet, basename="nominee")
router.register("awards", AwardTypeViewSet, basename="award")
router.register("rule-versions", RuleVersionViewSet, basename="rule-version")
router.register("unit-rounds", UnitRoundViewSet, basename="unit-round")
router.register("councils", CouncilViewSet, basename="council")
router.register("sessions", SessionViewSet, basename="session")
router.register("agenda-items", AgendaItemViewSet, basename="agenda-item")
router.register("rounds", RoundViewSet, basename="innovation-round")
router.register("initiatives", InitiativeViewSet, basename="initiative")
router.register("reviews", ReviewViewSet, basename="review")
router.register("webhooks", SubscriptionViewSet, basename="webhook")
router.register("audit-checks", AuditCheckRunViewSet, basename="audit-check")
router.register("audit-checkpoints", AuditCheckpointViewSet, basename="audit-checkpoint")

#: Swagger UI: its script is served from /api/docs/?script= (no inline script), its assets are
#: drf-spectacular-sidecar's static files (SPECTACULAR_SETTINGS: SIDECAR), so the CSP needs no other host.
_swagger = SpectacularSwaggerSplitView.as_view(url_name="schema")


def swagger_view(request, *args, **kwargs):
    """ApiDocsPermission decides; refused (production, not signed in), a browser is sent to the login page and
    back, while a client that sent an Authorization header gets the API's 401."""
    response = _swagger(request, *args, **kwargs)
    if response.status_code in (401, 403) and "HTTP_AUTHORIZATION" not in request.META:
        return redirect_to_login(request.get_full_path())
    return response


#: The API, served under /api/v1/ (project/api_versions.py, docs/api-versioning.md). Its URL names are the
#: unversioned ones (reverse("dossier-detail") is /api/v1/dossiers/<pk>/).
api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="api_logout"),
    path("auth/logout-all/", TokenLogoutAllView.as_view(), name="api_logout_all"),
    *router.urls,
]

urlpatterns = [
    # Operations (project/health.py, docs/deployment.md): liveness, readiness, Prometheus.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's language switch, which also keeps a signed-in user's choice (workflows/language.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_view, name="swagger"),
    path("api/v1/", include(api_v1)),
    # The same API at the unversioned /api/… paths, deprecated (Deprecation and Link headers), for one release.
    # A regex prefix ("^api/"), so that tests/security/matrix.py can leave these aliases out by their route.
    re_path(
        r"^api/",
        include(
            (api_versions.aliases(api_v1), api_versions.ALIAS_NAMESPACE),
            namespace=api_versions.ALIAS_NAMESPACE,
        ),
    ),
    path("ho-so/", include("dossiers.urls")),
    path("ke-hoach/", include("plan.urls")),
    path("cum-khoi/", include("emulation.urls")),
    path("hoi-dong/", include("councils.urls")),
    path("sang-kien/", include("innovation.urls")),
    path("webhook/", include("webhooks.urls")),
    path("", include("workflows.urls")),
]

# Error pages in the site's layout, in Vietnamese, with the reason and a way back (project/errors.py);
# 500 keeps Django's handler, rendering the static templates/500.html.
handler400 = "project.errors.bad_request"
handler403 = "project.errors.permission_denied"
handler404 = "project.errors.page_not_found"
