# OneVisit app image: migrates the database, then serves.
FROM node:20-bookworm-slim AS vendor
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ONEVISIT_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip install --no-cache-dir .
COPY templates ./templates
COPY pwa ./pwa
COPY --from=vendor /src/node_modules ./node_modules
RUN python -m server.vendor node_modules pwa/vendor && rm -rf node_modules \
    && useradd --system --home /app onevisit && mkdir -p var media \
    && chown -R onevisit var media
USER onevisit
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s CMD python -c "import urllib.request,sys; \
sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["sh", "-c", "onevisit db upgrade && exec onevisit serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
