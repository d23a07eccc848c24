import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Do now, while gunicorn boots the worker (before it accepts connections), what Django and
    DRF otherwise do lazily inside a worker's first request: import the URLconf with every view,
    serializer and selector module, and DRF's configured classes. py-spy showed a quarter of all
    samples in imports under load, as every fresh worker (gunicorn recycles them every ~1,000
    requests) paid for them in the request it was serving (docs/PERFORMANCE.md)."""
    from django.urls import get_resolver
    from rest_framework.settings import api_settings

    get_resolver().url_patterns  # noqa: B018 - the property imports every URL module
    for name in (
        "DEFAULT_RENDERER_CLASSES",
        "DEFAULT_PARSER_CLASSES",
        "DEFAULT_AUTHENTICATION_CLASSES",
        "DEFAULT_PERMISSION_CLASSES",
        "DEFAULT_THROTTLE_CLASSES",
        "DEFAULT_PAGINATION_CLASS",
        "DEFAULT_FILTER_BACKENDS",
        "EXCEPTION_HANDLER",
    ):
        getattr(api_settings, name)


_warm_up()
