#!/usr/bin/env bash
# The Dockerfile's build steps, one sub-command each, so that the same steps run inside `docker build` and,
# where no Docker engine runs (this project's CI machines have only the client), outside it: deploy/prod-check.sh
# runs `check-runtime` and `collectstatic` from here against the checkout (docs/deployment.md, "Docker").
#
#   deploy/docker-steps.sh build-packages       builder stage: compilers for any wheel that must be built
#   deploy/docker-steps.sh venv /opt/venv       builder stage: a virtualenv with the project's dependencies
#   deploy/docker-steps.sh runtime-packages     runtime stage: Pango, HarfBuzz and fonts for WeasyPrint
#   deploy/docker-steps.sh user                 runtime stage: the unprivileged user `tdkt` (uid 10001)
#   deploy/docker-steps.sh collectstatic        runtime stage: hashed, compressed static files in STATIC_ROOT
#   deploy/docker-steps.sh check-runtime        the runtime packages are installed and WeasyPrint renders
set -euo pipefail
cd "$(dirname "$0")/.."

#: what WeasyPrint needs at run time on Debian 12 (its documentation's list) and the fonts of the PDFs:
#: the project ships Liberation Serif in static/fonts; DejaVu covers whatever else a page may show
RUNTIME_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi8 fontconfig
fonts-liberation fonts-dejavu-core shared-mime-info ca-certificates tzdata"
BUILD_PACKAGES="build-essential libffi-dev"
PYTHON=${PYTHON:-python3}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086 # the lists are word-split on purpose
  apt-get install -y -q --no-install-recommends $1
  rm -rf /var/lib/apt/lists/*
}

step=${1:-}
case "$step" in
  build-packages)
    apt_install "$BUILD_PACKAGES"
    ;;
  venv)
    target=${2:?usage: docker-steps.sh venv DIRECTORY}
    "$PYTHON" -m venv "$target"
    "$target/bin/pip" install --no-cache-dir --upgrade pip
    # the project's dependencies (pyproject.toml) with the S3 extra; the code itself is copied, not installed
    "$target/bin/pip" install --no-cache-dir ".[s3]"
    ;;
  runtime-packages)
    apt_install "$RUNTIME_PACKAGES"
    ;;
  user)
    groupadd --system --gid 10001 tdkt
    useradd --system --uid 10001 --gid tdkt --home-dir /app --no-create-home --shell /usr/sbin/nologin tdkt
    install -d -o tdkt -g tdkt /app/var /app/var/media /app/var/audit-checkpoints
    ;;
  collectstatic)
    # Settings need a secret key to load; collectstatic uses it for nothing. The image's STATIC_ROOT is
    # /app/staticfiles unless DJANGO_STATIC_ROOT says otherwise (prod-check.sh collects into its own folder).
    DJANGO_DEBUG=0 DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-collectstatic-only-not-a-secret} \
      "$PYTHON" manage.py collectstatic --noinput -v1
    ;;
  check-runtime)
    # shellcheck disable=SC2086
    missing=$(dpkg-query -W -f='${Package} ${Status}\n' $RUNTIME_PACKAGES 2>&1 | grep -v "install ok installed" || true)
    if [ -n "$missing" ]; then
      echo "runtime packages missing (deploy/docker-steps.sh runtime-packages installs them):" >&2
      echo "$missing" >&2
      exit 1
    fi
    "$PYTHON" - <<'PY'
import weasyprint

pdf = weasyprint.HTML(string="<p style='font-family: Liberation Serif'>Cộng hòa xã hội chủ nghĩa Việt Nam</p>").write_pdf()
assert pdf.startswith(b"%PDF-"), "WeasyPrint produced no PDF"
print(f"WeasyPrint {weasyprint.__version__} renders Vietnamese text ({len(pdf)} bytes)")
PY
    ;;
  *)
    echo "usage: $0 build-packages|venv DIR|runtime-packages|user|collectstatic|check-runtime" >&2
    exit 2
    ;;
esac
