from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination as DRFLimitOffsetPagination
from rest_framework.request import Request


class LimitOffsetPagination(DRFLimitOffsetPagination):
    """The project's one pagination: ``limit``/``offset``, 20 by default, at most 100.

    Unlike DRF's, nonsense is refused rather than silently replaced (issue 9, limit/offset
    abuse): a ``limit`` that is not a whole number ≥ 1 or an ``offset`` that is not a whole
    number ≥ 0 answers 400 naming the parameter, so a client never pages through the wrong
    window without knowing. A ``limit`` above 100 still clamps to 100 (SPEC §7: "max 100").
    """

    default_limit = 20
    max_limit = 100

    @staticmethod
    def _whole_number(request: Request, name: str, minimum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        # isdecimal() refuses signs, spaces and non-ASCII digits that int() would accept.
        if not (raw.isascii() and raw.isdecimal()) or len(raw) > 18 or int(raw) < minimum:
            raise ValidationError(
                {name: [f"Must be a whole number of at least {minimum}."]}, code="invalid"
            )
        return int(raw)

    def get_limit(self, request: Request) -> int:
        limit = self._whole_number(request, self.limit_query_param, 1)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return self._whole_number(request, self.offset_query_param, 0) or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum = 1 if parameter["name"] == self.limit_query_param else 0
            parameter["schema"] = {**parameter["schema"], "minimum": minimum}
        return parameters
