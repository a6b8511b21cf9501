"""presales.wsgi with the experiments of bench/patches.py (BENCH_PATCH=jit,range,tz) applied."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "presales.settings")

import patches
from django.conf import settings

settings.DATABASES  # noqa: B018 – load settings, then adjust them before any connection
patches.apply_settings()

from presales.wsgi import application  # noqa: E402,F401

patches.apply_code()
