from rest_framework.pagination import LimitOffsetPagination as DRFLimitOffsetPagination


class LimitOffsetPagination(DRFLimitOffsetPagination):
    """The project's one pagination: ``limit``/``offset``, 20 by default, at most 100."""

    default_limit = 20
    max_limit = 100
