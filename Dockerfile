# syntax=docker/dockerfile:1
# The TĐKT application image: gunicorn serving project.wsgi, static files collected and served by WhiteNoise,
# running as the unprivileged user tdkt. The same image runs the Celery worker and beat (compose.yaml).
# Every RUN step is a sub-command of deploy/docker-steps.sh, which deploy/prod-check.sh also runs outside
# Docker (docs/deployment.md, "Docker").

ARG PYTHON_VERSION=3.11

# -- builder: the virtualenv with every dependency --------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS builder
WORKDIR /src
COPY deploy/docker-steps.sh deploy/docker-steps.sh
RUN deploy/docker-steps.sh build-packages
COPY pyproject.toml README.md LICENSE ./
RUN deploy/docker-steps.sh venv /opt/venv

# -- runtime: Pango and fonts for WeasyPrint, the code, the collected static files ------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHON=/opt/venv/bin/python \
    DJANGO_SETTINGS_MODULE=project.settings \
    DJANGO_DEBUG=0 \
    DJANGO_MEDIA_ROOT=/app/var/media \
    AUDIT_CHECKPOINT_DIR=/app/var/audit-checkpoints \
    GUNICORN_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
WORKDIR /app
COPY deploy/docker-steps.sh deploy/docker-steps.sh
RUN deploy/docker-steps.sh runtime-packages && deploy/docker-steps.sh user
COPY --from=builder /opt/venv /opt/venv
COPY --chown=root:root . /app
RUN deploy/docker-steps.sh collectstatic && python -m compileall -q /app
USER tdkt
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
