"""English uses the same day-first dates as Vietnamese (project/formats/vi/formats.py)."""

from project.formats.vi.formats import *  # noqa: F403
