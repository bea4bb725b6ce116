#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    # Commands run from a checkout default to development; production sets DJANGO_DEBUG=0 explicitly
    # (the WSGI entry point has no such default: it refuses to start without DJANGO_SECRET_KEY).
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
