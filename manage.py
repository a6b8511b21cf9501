#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    if sys.argv[1:2] != ["runserver"]:
        # A command (migrate, seed_demo …) may run statements longer than a web request may.
        from presales.core.db import use_statement_timeout

        use_statement_timeout("DB_COMMAND_STATEMENT_TIMEOUT_MS")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
