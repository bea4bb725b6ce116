"""The fixtures of the dossiers and councils tests, for the issue 16 rule tests that cross both apps."""

from tests.councils.conftest import a_unit, council, session_for
from tests.dossiers.conftest import cast, media_root

__all__ = ["a_unit", "cast", "council", "media_root", "session_for"]
