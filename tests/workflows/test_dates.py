"""Dates are typed and shown day-first (dd/mm/yyyy) on every form, in both languages; never month-first."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import translation

from workflows.forms import DateField

PROJECT_APPS = [
    config
    for config in apps.get_app_configs()
    if config.path.startswith(str(settings.BASE_DIR)) and "site-packages" not in config.path
]


def _project_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in the project's apps (modules found by walking each app's package)."""
    found: dict[str, type[forms.BaseForm]] = {}
    for config in PROJECT_APPS:
        package = importlib.import_module(config.name)
        names = [config.name]
        if hasattr(package, "__path__"):
            names += [
                info.name
                for info in pkgutil.walk_packages(package.__path__, prefix=f"{config.name}.")
                if ".migrations" not in info.name and ".management" not in info.name
            ]
        for name in names:
            module = importlib.import_module(name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                    and value.__module__.split(".")[0] in {c.name for c in PROJECT_APPS}
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


def _date_fields() -> list[tuple[str, str, forms.Field]]:
    rows = []
    for form_class in _project_form_classes():
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                rows.append((f"{form_class.__module__}.{form_class.__qualname__}", name, field))
    return rows


DATE_FIELDS = _date_fields()


def test_the_scan_finds_the_forms_the_issue_names():
    names = {f"{form}.{field}" for form, field, _ in DATE_FIELDS}
    assert "councils.lifecycle.ConveneForm.planned_on" in names or any(
        n.endswith(".planned_on") and n.startswith("councils.lifecycle") for n in names
    )
    assert any(n.startswith("councils.lifecycle") and n.endswith(".resolution_issued_on") for n in names)
    assert len(DATE_FIELDS) >= 12


@pytest.mark.parametrize("form, name, field", DATE_FIELDS, ids=[f"{f}.{n}" for f, n, _ in DATE_FIELDS])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_date_field_reads_and_shows_day_first(form, name, field, language):
    assert isinstance(field, DateField), f"{form}.{name} must use workflows.forms.DateField"
    with translation.override(language):
        assert field.clean("10/12/2026") == date(2026, 12, 10)
        assert field.clean("28/12/2026") == date(2026, 12, 28)
        assert field.clean("2026-12-28") == date(2026, 12, 28)
        assert field.clean("28-12-2026") == date(2026, 12, 28)
        html = field.widget.render(name, date(2026, 12, 10))
        assert 'value="10/12/2026"' in html
        assert 'type="text"' in html
        assert 'placeholder="dd/mm/yyyy"' in html


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_month_first_date_is_refused_with_a_vietnamese_message(language):
    field = DateField()
    with translation.override("vi"), pytest.raises(forms.ValidationError) as refused:
        field.clean("12/28/2026")
    assert "ngày/tháng/năm" in refused.value.messages[0]
    with translation.override(language), pytest.raises(forms.ValidationError):
        field.clean("31/02/2026")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_admin_and_plain_date_fields_follow_the_locale_formats_day_first(language):
    """The admin's date fields (and any plain forms.DateField) read the locale's DATE_INPUT_FORMATS."""
    with translation.override(language):
        assert forms.DateField().clean("10/12/2026") == date(2026, 12, 10)
        assert forms.DateField().clean("28/12/2026") == date(2026, 12, 28)
        assert forms.DateTimeField().clean("28/12/2026 14:30").day == 28


@pytest.mark.django_db
def test_convening_with_a_day_first_date_through_the_web_keeps_the_day(client, person):
    """The issue's probe: 10/12/2026 on the convene form was saved as 12 October; 28/12/2026 was refused."""
    from councils import services
    from tests.factories import CouncilTermFactory
    from workflows.models import Role

    term = CouncilTermFactory()
    board = person("board.officer", Role.BOARD_OFFICER)
    secretary = person("council.secretary", Role.COUNCIL_SECRETARY, council_term=term)
    session = services.session_create(
        council_term=term, title="Phiên họp", planned_on=date(2026, 12, 1), actor=board
    )
    client.force_login(secretary)
    url = f"/thao-tac/councils/session/{session.pk}/convene/"
    response = client.post(url, {"planned_on": "28/12/2026", "place": "Hội trường"})
    assert response.status_code == 302, response.content.decode()[:2000]
    session.refresh_from_db()
    assert session.planned_on == date(2026, 12, 28)
    page = client.get(f"/hoi-dong/phien/{session.pk}/").content.decode()
    assert "28/12/2026" in page
