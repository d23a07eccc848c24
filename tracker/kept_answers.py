"""GET answers (not lists) kept in the cache while the versions they were computed at hold.

Plan progress and plan analytics cost one statement and a pass over the plan's workouts and
days in Python, then a rendering; the analytics summary six statements and the load series.
What they show changes only when the plan, its workouts, the runner's runs or profile facts, or
the runner's "today" change, and one cheap statement can name all of those
(``analytics.selectors.visible_plan_answer_version``, ``runner_summary_version``). A view with
such a version keeps its rendered answer beside it, exactly as tracker.page_etags keeps a list's
page, and with the same argument for why that is safe: the versions are read **before** the
answer is computed, so a write committed after that read moves the versions past what is stored
(docs/PERFORMANCE.md, section 35).

These answers carry no ``ETag``, so only the body is kept, under the tag ``NO_TAG``; a request
that is not plain ``application/json`` (the browsable API, ``indent=``) or arrives with
``KEEP_LIST_PAGES`` off is computed as always. A token request's entry comes with its token, in
the same Redis round trip (tracker.token_cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tracker import page_etags
from tracker.renderers import RenderedJSON

# Stands where a list's ETag is stored (an entry needs one; tracker.page_etags): never sent.
NO_TAG = "-"


# For an APIView whose GET answer is a function of what ``answer_versions()`` names: a string
# that changes whenever anything the answer shows could change, read in one cheap statement, or
# ``None`` (not for this request: the answer is computed as always). (A comment: drf-spectacular
# takes a view's docstring, inherited ones too, for its OpenAPI description.)
class KeptAnswerMixin:
    def answer_versions(self) -> str | None:
        return None

    def kept_answer(self, request: Request, compute: Callable[[], Response]) -> Response:
        """``compute()``'s answer, or the rendering of it kept at the current versions."""
        if not page_etags.keeps_body(request):
            return compute()
        versions = self.answer_versions()
        if versions is None:
            return compute()
        key = page_etags.entry_key(request)
        kept = page_etags.cached_page(key, versions, request=request._request)
        if kept is not None and kept.body is not None:
            return Response(RenderedJSON(kept.body))
        response = compute()

        def remember(rendered: Any) -> None:
            if rendered.status_code == status.HTTP_200_OK:
                page_etags.remember_page(key, versions, NO_TAG, rendered.content)

        response.add_post_render_callback(remember)
        return response
