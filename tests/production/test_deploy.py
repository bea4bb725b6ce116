"""The production configuration: `check --deploy` clean with the documented environment (the defaults, not
the optional whole-domain choices), WhiteNoise serving collectstatic's hashed and compressed files, Sentry
only from SENTRY_DSN, media on S3 from DJANGO_MEDIA_STORAGE=s3."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    """What docs/deployment.md asks a deployer to set, and nothing optional."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "AUDIT_", "SENTRY_", "CELERY_", "DATABASE_URL", "PROMETHEUS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tdkt.example.gov.vn,127.0.0.1",
        AUDIT_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        AUDIT_CHECKPOINT_DIR="/srv/tdkt/audit-checkpoints",
    )
    env.update(extra)
    return env


def run(args, env, timeout=300):
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_check_deploy_is_clean_with_the_documented_environment():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_the_https_redirect_is_switched_off():
    """DJANGO_SECURE_SSL_REDIRECT=0 is for plain-HTTP smoke tests on loopback (deploy/prod-check.sh) only."""
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(DJANGO_SECURE_SSL_REDIRECT="0"),
    )
    assert result.returncode != 0 and "security.W008" in result.stdout + result.stderr


SERVE = """
import re, django
django.setup()
from django.test import Client
client = Client()
page = client.get("/dang-nhap/", HTTP_HOST="127.0.0.1")
assert page.status_code == 200, page.status_code
css = re.search(r'href="(/static/[^"]+\\.[0-9a-f]{12}\\.css)"', page.content.decode()).group(1)
plain = client.get(css, HTTP_HOST="127.0.0.1")
gzipped = client.get(css, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
missing = client.get("/static/khong-co.css", HTTP_HOST="127.0.0.1")
import json
print(json.dumps([css, plain.status_code, plain["Content-Type"], plain["Cache-Control"],
                  gzipped.get("Content-Encoding"), missing.status_code]))
"""


def test_whitenoise_serves_hashed_compressed_static_files_after_collectstatic(tmp_path):
    env = production_env(DJANGO_STATIC_ROOT=str(tmp_path / "static"), DJANGO_SECURE_SSL_REDIRECT="0")
    # The big third-party bundles are left out here to keep the test quick (brotli at its best level costs a
    # minute of CPU on them); deploy/prod-check.sh collects everything, as the Dockerfile does.
    ignore = [
        arg
        for name in ("drf_spectacular_sidecar", "admin", "rest_framework", "fonts")
        for arg in ("-i", name)
    ]
    collected = run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *ignore], env, timeout=600
    )
    assert collected.returncode == 0, collected.stderr
    manifest = tmp_path / "static" / "staticfiles.json"
    assert manifest.exists()
    served = run([sys.executable, "-c", SERVE], env)
    assert served.returncode == 0, served.stderr
    import json

    css, status, content_type, cache_control, encoding, missing = json.loads(served.stdout.splitlines()[-1])
    assert re.fullmatch(r"/static/.+\.[0-9a-f]{12}\.css", css)
    assert status == 200 and content_type.startswith("text/css")
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
    assert encoding == "gzip"
    assert missing == 404


def test_without_collectstatic_production_refuses_to_render_an_unknown_static_file(tmp_path):
    """Strict manifest: a deploy that forgot collectstatic fails loudly instead of serving unstyled pages."""
    env = production_env(DJANGO_STATIC_ROOT=str(tmp_path / "empty"), DJANGO_SECURE_SSL_REDIRECT="0")
    code = (
        "import django; django.setup();from django.templatetags.static import static;static('css/tdkt.css')"
    )
    result = run([sys.executable, "-c", code], env)
    assert result.returncode != 0 and "Missing staticfiles manifest" in result.stderr


SETTINGS = """
import django, json
django.setup()
from django.conf import settings
import sys
print(json.dumps({
    "storage": settings.STORAGES["default"],
    "sentry": "sentry_sdk" in sys.modules,
    "middleware": settings.MIDDLEWARE,
}))
"""


def _settings(**extra) -> dict:
    import json

    result = run([sys.executable, "-c", SETTINGS], production_env(**extra))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_media_is_local_by_default_and_s3_on_request():
    local = _settings()
    assert local["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    s3 = _settings(
        DJANGO_MEDIA_STORAGE="s3",
        DJANGO_S3_BUCKET="tdkt-media",
        DJANGO_S3_ENDPOINT_URL="https://s3.example.gov.vn",
        DJANGO_S3_ACCESS_KEY="AKIA-TEST",
        DJANGO_S3_SECRET_KEY="not-a-real-secret",
        DJANGO_S3_ADDRESSING_STYLE="path",
    )
    assert s3["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["storage"]["OPTIONS"]
    assert options["bucket_name"] == "tdkt-media" and options["endpoint_url"] == "https://s3.example.gov.vn"
    assert options["querystring_auth"] is True and options["file_overwrite"] is False
    assert options["addressing_style"] == "path" and options["access_key"] == "AKIA-TEST"


def test_s3_without_a_bucket_refuses_to_start():
    result = run([sys.executable, "-c", SETTINGS], production_env(DJANGO_MEDIA_STORAGE="s3"))
    assert result.returncode != 0 and "DJANGO_S3_BUCKET" in result.stderr


def test_sentry_is_imported_only_with_a_dsn_and_sends_no_personal_data():
    assert _settings()["sentry"] is False
    code = (
        "import django; django.setup(); import sentry_sdk;"
        "client = sentry_sdk.get_client();"
        "names = sorted(client.integrations);"
        "print(client.options['send_default_pii'], 'django' in names, 'celery' in names)"
    )
    # a DSN on the loopback discard port: nothing is sent during this test
    env = production_env(SENTRY_DSN="http://publickey@127.0.0.1:9/1")
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True"]


def test_production_middleware_serves_static_files_and_measures_requests():
    middleware = _settings()["middleware"]
    assert middleware[0] == "django_prometheus.middleware.PrometheusBeforeMiddleware"
    # last of the project's own list (viewflow appends two of its own when the apps load)
    assert middleware.index("django_prometheus.middleware.PrometheusAfterMiddleware") == (
        middleware.index("axes.middleware.AxesMiddleware") + 1
    )
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert middleware.index("project.requestid.RequestIdMiddleware") < security


def test_gunicorn_config_reads_the_environment(tmp_path):
    code = (
        "import runpy, json;"
        "c = runpy.run_path('deploy/gunicorn.conf.py');"
        "print(json.dumps({k: c[k] for k in ('bind', 'workers', 'timeout', 'forwarded_allow_ips', 'accesslog')}))"
    )
    env = production_env(
        GUNICORN_BIND="127.0.0.1:9001",
        GUNICORN_WORKERS="3",
        GUNICORN_TIMEOUT="45",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
    )
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    import json

    config = json.loads(result.stdout)
    assert config == {
        "bind": "127.0.0.1:9001",
        "workers": 3,
        "timeout": 45,
        "forwarded_allow_ips": "10.0.0.2",
        "accesslog": "-",
    }


# -- the deployment files (no Docker engine or compose plugin runs here: their steps and wiring are checked) --


def _docker_steps() -> set[str]:
    script = (ROOT / "deploy" / "docker-steps.sh").read_text()
    return set(re.findall(r"^  ([a-z-]+)\)$", script, re.MULTILINE))


def test_the_dockerfile_runs_only_steps_of_docker_steps_sh_and_ends_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    used = set(re.findall(r"(?:RUN|&&) deploy/docker-steps\.sh ([a-z-]+)", dockerfile))
    assert used and used <= _docker_steps(), used - _docker_steps()
    assert {"runtime-packages", "collectstatic", "user", "venv"} <= used
    stages = re.findall(r"^FROM .+ AS (\w+)$", dockerfile, re.MULTILINE)
    assert stages == ["builder", "runtime"]
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER tdkt$", runtime, re.MULTILINE)
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]' in runtime
    # prod-check runs the steps that can run outside Docker
    prod_check = (ROOT / "deploy" / "prod-check.sh").read_text()
    assert "docker-steps.sh check-runtime" in prod_check and "docker-steps.sh collectstatic" in prod_check


def test_the_runtime_packages_cover_weasyprint():
    script = (ROOT / "deploy" / "docker-steps.sh").read_text()
    packages = set(re.search(r'RUNTIME_PACKAGES="([^"]+)"', script).group(1).split())
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fontconfig"} <= packages


def test_compose_runs_web_worker_beat_postgres_redis_from_one_image():
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "migrate"):
        service = services[name]
        assert service["image"] == "tdkt-workflow:latest"
        assert service["environment"]["DJANGO_DEBUG"] == "0"
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
    assert services["worker"]["command"][:4] == ["celery", "-A", "project", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "project", "beat"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # only nginx on the host reaches it


def test_systemd_units_start_the_three_processes():
    units = {path.name: path.read_text() for path in (ROOT / "deploy" / "systemd").glob("*.service")}
    # tdkt-worker@.service: the province's one worker per queue (tests/production/test_celery_routes.py)
    assert set(units) == {
        "tdkt-web.service",
        "tdkt-worker.service",
        "tdkt-worker@.service",
        "tdkt-beat.service",
    }
    assert "gunicorn -c deploy/gunicorn.conf.py" in units["tdkt-web.service"]
    assert "celery -A project worker" in units["tdkt-worker.service"]
    assert "celery -A project beat" in units["tdkt-beat.service"]
    for text in units.values():
        assert "User=tdkt" in text and "EnvironmentFile=/etc/tdkt/tdkt.env" in text


def test_nginx_sample_matches_the_settings():
    from django.conf import settings

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    proxy = (ROOT / "deploy" / "nginx-proxy.conf").read_text()
    assert conf.count("include /etc/nginx/snippets/tdkt-proxy.conf;") == 4
    limit_mb = settings.REQUEST_MAX_UPLOAD_BYTES // 2**20
    assert f"client_max_body_size {limit_mb}m;" in conf
    internal = re.search(r"location (/\S+/) \{\s*internal;", conf)
    assert internal and internal.group(1) == settings.ACCEL_REDIRECT_LOCATION
    for header in ("X-Forwarded-Proto $scheme", "X-Forwarded-For $remote_addr", "Host $host", "X-Request-ID"):
        assert f"proxy_set_header {header}" in proxy
    assert "ssl_certificate " in conf and "listen 443 ssl" in conf
