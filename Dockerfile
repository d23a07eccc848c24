# Production image (docs/DEPLOYMENT.md, Single host): python:3.11-slim, non-root, static files
# collected at build time, a HEALTHCHECK that needs only Python, and a default command that migrates
# then serves on 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# Dependencies first: this layer is reused until requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# collectstatic with production settings (DEBUG off → hashed, compressed files for WhiteNoise).
# The key only satisfies the settings module at build time; it is never used at run time.
RUN DEBUG=false SECRET_KEY=build-time-only-collectstatic-key-not-used-at-runtime-0123456789 \
    python manage.py collectstatic --no-input \
 && useradd --create-home --uid 10001 --user-group app \
 && mkdir -p /app/logs /app/var \
 && chown -R app:app /app/logs /app/var

USER app

EXPOSE 8000

# Liveness only: a database outage must not get a healthy process restarted. No curl in -slim.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=4)"

# exec: gunicorn becomes PID 1 and receives SIGTERM for a graceful shutdown.
CMD ["sh", "-c", "python manage.py migrate --no-input && exec gunicorn tracker.wsgi:application --config gunicorn.conf.py"]
