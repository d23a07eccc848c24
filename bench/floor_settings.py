"""Settings of the benchmark's floor server: the production settings, with one extra URLconf.

The floor (bench/floor_urls.py) is served by the real app's settings, middleware, logging and
throttles, so the only difference from the real endpoints is the view's work.
"""

from tracker.settings import *  # noqa: F403 (every production setting, unchanged)

ROOT_URLCONF = "bench.floor_urls"
