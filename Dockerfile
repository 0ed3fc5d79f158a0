# StoryCorner web and worker image (the same image runs `serve`, `worker` and `migrate`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/storycorner

# pg_dump and pg_restore for `python -m app backup` / `restore` against PostgreSQL.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes don't reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p app spaces reading qr migrations \
    && touch app/__init__.py spaces/__init__.py reading/__init__.py qr/__init__.py migrations/__init__.py \
    && pip install -e . \
    && rm -rf app spaces reading qr migrations

COPY . .
RUN pip install --no-deps -e . && useradd --system --uid 10001 storycorner && mkdir -p var && chown storycorner var
USER storycorner

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
