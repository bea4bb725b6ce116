"""/healthz answers without the database; /readyz checks the database, cache, broker and migrations: 200 with
each check, 503 naming what failed, never revealing a secret."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from project import health


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "migrations"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["broker"]["configured"] is False  # tests run Celery eagerly


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_fails_and_says_no_more_than_the_error_class(client, monkeypatch):
    def broken():
        raise OperationalError('could not connect to server "db.internal" password=s3cr3t')

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["cache"]["ok"] is True
    assert "s3cr3t" not in response.content.decode() and "db.internal" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_when_the_configured_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://:hunter2@127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["error"]
    assert "hunter2" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_unapplied(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("a migration", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {
        "ok": False,
        "unapplied": 1,
        "ms": response.json()["checks"]["migrations"]["ms"],
    }


@pytest.mark.django_db
def test_readyz_answers_the_same_to_anyone_and_takes_no_writes(client, cast):
    anonymous = Client().get("/readyz")
    client.force_login(cast.board)
    signed_in = client.get("/readyz")
    assert anonymous.status_code == signed_in.status_code == 200
    assert set(anonymous.json()["checks"]) == set(signed_in.json()["checks"])
    assert Client().post("/readyz").status_code == 405


@pytest.mark.django_db
def test_probes_are_not_redirected_to_https(client, settings):
    """Load balancers and the Prometheus server speak plain HTTP to the application server itself."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert client.get("/dang-nhap/").status_code == 301
