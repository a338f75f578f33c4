# The hub's one image: `hub init`, the gunicorn web, the Celery workers and Celery beat all
# run from it (docker-compose.yml). The build stage installs the project into a virtualenv
# (its dependencies first, in a layer of their own); the runtime stage copies only that
# virtualenv onto a slim Python and runs as an unprivileged user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
# Dependencies from setup.cfg alone: rebuilt only when they change, not on every code edit.
RUN python -m venv /opt/hub \
 && python -c "import configparser; c = configparser.ConfigParser(); c.read('setup.cfg'); print(c['options']['install_requires'])" > requirements.txt \
 && /opt/hub/bin/pip install --quiet -r requirements.txt
COPY hub ./hub
COPY adapters ./adapters
COPY monitoring ./monitoring
RUN /opt/hub/bin/pip install --quiet --no-deps . \
 && /opt/hub/bin/hub --version

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="service-center-hub" \
      org.opencontainers.image.description="沈河区政务服务中心 数据中心: web, workers and beat" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/hub/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HUB_INSTANCE_PATH=/var/lib/hub
# Pango and HarfBuzz for weasyprint (the hall's documents as PDF) and a CJK font to embed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 hub \
 && useradd --system --uid 10001 --gid hub --home-dir /var/lib/hub --create-home \
      --shell /usr/sbin/nologin hub \
 && install -d -o hub -g hub /tmp/hub-metrics
COPY --from=build /opt/hub /opt/hub
USER 10001:10001
WORKDIR /var/lib/hub
# 8000: the web (gunicorn); 9808: a worker's metrics port (HUB_WORKER_METRICS_PORT).
EXPOSE 8000 9808
CMD ["gunicorn", "--config", "python:hub.gunicorn_conf", "hub.wsgi:app"]
