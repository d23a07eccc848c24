"""Test-only URLs: the project's URLs plus small probe views under /api/v1/probe/, so the
production machinery can be tested before (and independently of) the real API viewsets."""

from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import RequestContext, Template
from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class NameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=20)


class OpenProbe(APIView):
    """Anyone may call it; reads and writes are throttled like every API view."""

    schema = None  # probes are not part of the documented API
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        serializer = NameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"name": serializer.validated_data["name"], "size": len(request.body)})


class PrivateProbe(APIView):
    """The project's default authentication and permission (401 for anonymous callers)."""

    schema = None  # probes are not part of the documented API

    def get(self, request):
        return Response({"user": request.user.pk})

    def post(self, request):
        return Response({"user": request.user.pk}, status=201)


class DatabaseProbe(APIView):
    schema = None  # probes are not part of the documented API
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        return Response({"users": get_user_model().objects.count()})


class BrokenDatabaseProbe(APIView):
    schema = None  # probes are not part of the documented API
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        raise OperationalError("connection to server at 127.0.0.1 port 1 failed")


def plain_broken_database(request):
    raise OperationalError("connection refused")


def html_page(request):
    return HttpResponse("<!doctype html><title>probe</title><p>hello</p>", content_type="text/html")


def nonce_page(request):
    """One inline script with the request's CSP nonce, one without: only the first may run."""
    template = Template(
        "<!doctype html><title>nonce</title><body>"
        '<script nonce="{{ request.csp_nonce }}">document.body.dataset.allowed = "ran";</script>'
        '<script>document.body.dataset.injected = "ran";</script></body>'
    )
    return HttpResponse(template.render(RequestContext(request)))


def plain_json(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/v1/probe/open", OpenProbe.as_view()),
    path("api/v1/probe/private", PrivateProbe.as_view()),
    path("api/v1/probe/db", DatabaseProbe.as_view()),
    path("api/v1/probe/broken-db", BrokenDatabaseProbe.as_view()),
    path("api/v1/probe/plain-broken-db", plain_broken_database),
    path("probe/page", html_page),
    path("probe/broken-db", plain_broken_database),
    path("probe/json", plain_json),
    path("probe/nonce", nonce_page),
    path("", include("tracker.urls")),
]

handler404 = "tracker.errors.not_found"
handler500 = "tracker.db_faults.server_error"
