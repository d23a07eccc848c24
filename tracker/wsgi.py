import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_wsgi_application()


def _warm_up() -> None:
    """Do now, while gunicorn boots the worker (before it accepts connections), what Django and
    DRF otherwise do lazily inside a worker's first requests: import the URLconf with every view,
    serializer and selector module, compile the URL regexes, build the cache client, resolve
    DRF's configured classes. py-spy put a quarter of the served samples in imports, paid by
    each fresh worker (gunicorn recycles them every ~1,000 requests) inside the requests it was
    serving (docs/PERFORMANCE.md)."""
    from django.core.cache import caches
    from django.urls import URLResolver, get_resolver
    from rest_framework.settings import api_settings

    def compile_patterns(resolver: URLResolver) -> None:
        # Each route's regex is compiled on its first match; compile them all now.
        for pattern in resolver.url_patterns:  # the first access imports every URL module
            pattern.pattern.regex  # noqa: B018
            if isinstance(pattern, URLResolver):
                compile_patterns(pattern)

    compile_patterns(get_resolver())
    # The cache client (and the redis package) are built on first use; no connection is opened.
    getattr(caches["default"], "_cache", None)
    import psycopg_pool  # noqa: F401 - Django imports it on the first pooled connection

    from tracker.page_etags import code_identity

    code_identity()  # hashes the project's sources: the key of every cached list page

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
