"""Static files: the finder that collectstatic and the debug server use.

viewflow ships its own front end (Material components, fonts, and node_modules: about 50 MB, one stylesheet
referring to font files it does not ship, which stops the manifest storage's collectstatic). No page of this
project uses it (templates/ and the apps' templates load css/tdkt.css and js/tdkt.js; the admin and the API
docs have their own static files), so its static folder is left out; the rest of viewflow is used as before.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.staticfiles import finders

#: apps whose static/ folder is not collected
SKIPPED_APPS = frozenset({"viewflow"})


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    def __init__(self, app_names=None, *args, **kwargs):
        names = app_names or [config.name for config in apps.get_app_configs()]
        super().__init__([name for name in names if name not in SKIPPED_APPS], *args, **kwargs)
