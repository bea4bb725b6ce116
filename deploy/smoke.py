"""The HTTP half of deploy/prod-check.sh: a running production stack answers as it should.

    python deploy/smoke.py http://127.0.0.1:8765 --access-log FILE [--timeout 60]

Runs in the stack's environment (DATABASE_URL, DJANGO_SECRET_KEY…): after the HTTP checks it reads the
database to wait for the Celery worker's notification. Exits 1 with the reason on the first failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: the demo data (demo/management/commands/seed_dossiers.py): a dossier the Board returned for supplement,
#: which the unit head sends back; the Board's officers are notified by the worker
DEMO_PASSWORD = "tdkt-demo-2023"
UNIT_HEAD = "unit.head"
RETURNED_TITLE = "Đề nghị Bằng khen cho Chủ tịch UBND phường Tân An"


class Failure(Exception):
    pass


def request(base, path, *, method="GET", body=None, headers=None, timeout=20):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def expect(condition, message):
    if not condition:
        raise Failure(message)
    print(f"   ok  {message}")


def wait_until_up(base, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = request(base, "/healthz", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise Failure(f"/healthz did not answer 200 within {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--access-log", type=Path)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--proxy", help="nginx in front (deploy/nginx.conf), e.g. https://127.0.0.1")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    try:
        run(base, args)
    except Failure as failure:
        print(f"smoke test failed: {failure}", file=sys.stderr)
        return 1
    return 0


def run(base, args):
    wait_until_up(base, args.timeout)
    status, headers, body = request(base, "/healthz")
    expect(status == 200 and json.loads(body) == {"status": "ok"}, "/healthz 200")

    status, _, body = request(base, "/readyz")
    ready = json.loads(body)
    expect(status == 200 and ready["status"] == "ok", f"/readyz 200 ({', '.join(ready['checks'])})")
    expect(ready["checks"]["broker"].get("configured") is True, "/readyz checked the Celery broker")

    status, headers, body = request(base, "/dang-nhap/")
    expect(status == 200, "login page 200")
    page = body.decode()
    match = re.search(r'href="(/static/css/tdkt\.[0-9a-f]{12}\.css)"', page)
    expect(match is not None, "login page links the hashed stylesheet")
    status, css_headers, css = request(base, match.group(1), headers={"Accept-Encoding": "gzip"})
    expect(
        status == 200 and css_headers.get("Content-Type", "").startswith("text/css"), f"{match.group(1)} 200"
    )
    expect(
        "immutable" in css_headers.get("Cache-Control", ""), "the stylesheet is cached for good (hashed name)"
    )
    expect(css_headers.get("Content-Encoding") == "gzip", "the stylesheet is served compressed")
    expect(
        "Strict-Transport-Security" not in headers,
        "no HSTS over plain HTTP (Django sends it over HTTPS only)",
    )

    status, _, metrics = request(base, "/metrics")
    text = metrics.decode()
    expect(
        status == 200 and "django_http_requests_total_by_method_total" in text, "/metrics 200 from loopback"
    )
    expect(
        "tdkt_audit_chain_length" in text and "tdkt_celery_queue_length" in text, "/metrics has the app's own"
    )

    status, _, body = request(
        base, "/api/v1/auth/token/", method="POST", body={"username": UNIT_HEAD, "password": DEMO_PASSWORD}
    )
    expect(status == 200, f"API token for {UNIT_HEAD}")
    auth = {"Authorization": f"Token {json.loads(body)['token']}"}

    dossier = None
    page_number = 1
    while dossier is None:
        status, _, body = request(base, f"/api/v1/dossiers/?page={page_number}", headers=auth)
        expect(status == 200, f"/api/v1/dossiers/ page {page_number}")
        listing = json.loads(body)
        dossier = next((d for d in listing["results"] if d["title"] == RETURNED_TITLE), None)
        if dossier is None and not listing.get("next"):
            raise Failure(f"demo dossier {RETURNED_TITLE!r} not found")
        page_number += 1
    expect(dossier["state"] == "returned", f"demo dossier {dossier['id']} is returned for supplement")

    request_id = f"prod-check-{uuid.uuid4().hex[:12]}"
    status, headers, body = request(
        base,
        f"/api/v1/dossiers/{dossier['id']}/transitions/resubmit/",
        method="POST",
        body={"comment": "Đã bổ sung theo yêu cầu."},
        headers={**auth, "X-Request-ID": request_id},
    )
    expect(status == 200 and json.loads(body)["state"] == "submitted", "transition resubmit through the API")
    expect(headers.get("X-Request-ID") == request_id, "the request id is answered in X-Request-ID")

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    django.setup()
    from workflows.models import AuditEvent, Notification

    event = AuditEvent.objects.filter(verb="resubmit", subject_id=str(dossier["id"])).latest("id")
    expect(event.data.get("request_id") == request_id, "the audit event carries the request id")
    deadline = time.monotonic() + 60
    while not Notification.objects.filter(event=event).exists():
        if time.monotonic() > deadline:
            raise Failure("the worker created no notification for the transition within 60 s")
        time.sleep(1)
    recipients = sorted(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )
    expect(True, f"the worker notified {', '.join(recipients)}")

    if args.access_log:
        lines = [
            json.loads(line) for line in args.access_log.read_text().splitlines() if line.startswith("{")
        ]
        mine = [line for line in lines if line.get("request_id") == request_id]
        expect(mine and mine[0]["status"] == 200, "gunicorn's JSON access log has the request with its id")

    if args.proxy:
        through_nginx(args.proxy.rstrip("/"), base, auth, dossier["id"])


def through_nginx(proxy, base, auth, dossier_id):
    """TLS, the redirect to HTTPS, the request id, /metrics closed, and a document download that the view
    allows and nginx sends (X-Accel-Redirect), for a user signed in through the login form."""
    import hashlib
    import http.cookiejar
    import ssl
    import urllib.parse

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the run's own self-signed certificate
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), urllib.request.HTTPCookieProcessor(jar), NoRedirect()
    )

    def get(url, data=None, headers=None):
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with opener.open(req, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    plain = proxy.replace("https://", "http://", 1)
    status, headers, _ = get(plain + "/dang-nhap/")
    expect(status == 301 and headers.get("Location", "").startswith("https://"), "nginx: http → https (301)")
    status, headers, _ = get(proxy + "/healthz")
    expect(status == 200, "nginx: /healthz over TLS")
    expect(
        re.fullmatch(r"[0-9a-f]{32}", headers.get("X-Request-ID", "")) is not None,
        "nginx gave the request an id",
    )
    expect("max-age=31536000" in headers.get("Strict-Transport-Security", ""), "HSTS over HTTPS")
    status, _, _ = get(proxy + "/metrics")
    expect(status == 404, "nginx: /metrics is closed from outside")

    status, _, body = request(base, f"/api/v1/dossiers/{dossier_id}/", headers=auth)
    document = json.loads(body)["documents"][0]
    status, _, page = get(proxy + "/dang-nhap/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.decode()).group(1)
    form = urllib.parse.urlencode(
        {"username": "unit.officer", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    status, headers, _ = get(proxy + "/dang-nhap/", data=form, headers={"Referer": proxy + "/dang-nhap/"})
    expect(status == 302, "nginx: signed in through the login form (secure cookies over HTTPS)")
    status, headers, pdf = get(proxy + f"/ho-so/tai-lieu/{document['id']}/")
    expect(status == 200 and pdf.startswith(b"%PDF-"), "nginx sent the document the view allowed")
    expect(hashlib.sha256(pdf).hexdigest() == document["sha256"], "the bytes are the stored document's")
    expect(headers.get("Content-Type") == "application/pdf", "as application/pdf")
    expect(headers.get("Content-Disposition", "").startswith("attachment"), "as an attachment")
    expect("sandbox" in headers.get("Content-Security-Policy", ""), "with the sandbox policy")
    expect("X-Accel-Redirect" not in headers, "the internal location stays hidden")
    status, _, _ = get(proxy + "/_protected_media/" + "x.pdf")
    expect(status == 404, "nginx: the protected location cannot be asked for directly")


if __name__ == "__main__":
    sys.exit(main())
