# OneVisit app image: the wheel built and run exactly as README "Running it for real" says, and as
# `make test-artefact` (tests/artefact/run.py) does in CI, where no image can be built: a change
# to one of the three is a change to all of them.

# 1. The front-end libraries, from the npm registry.
FROM node:20.19.5-bookworm-slim AS vendor
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# 2. The wheel, with the pages, the phone app and those libraries inside it.
FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY server ./server
COPY templates ./templates
COPY pwa ./pwa
COPY --from=vendor /src/node_modules ./node_modules
RUN python3 -m server.vendor node_modules pwa/vendor \
    && python3 -m pip wheel --no-deps --wheel-dir dist .

# 3. The app: the wheel installed into a venv, run by an unprivileged user. Nothing of the
# sources, npm or the build is left in this stage.
FROM python:3.11.14-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/onevisit/bin:$PATH \
    ONEVISIT_ENV=production
# the watermark font of photos' display copies
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv/onevisit --shell /usr/sbin/nologin onevisit
COPY --from=build /src/dist/ /tmp/dist/
RUN python3 -m venv /opt/onevisit \
    && /opt/onevisit/bin/pip install /tmp/dist/onevisit-*.whl \
    && rm -rf /tmp/dist
USER onevisit
WORKDIR /srv/onevisit
EXPOSE 8000
# Ready: migrated database, object store reachable, pages and phone app installed (/readyz).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:8000/readyz', timeout=8).status != 200)"]
CMD ["sh", "-c", "onevisit db upgrade && exec onevisit serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
