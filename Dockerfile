# The hub's image: web (gunicorn), Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY hub ./hub
COPY adapters ./adapters
COPY monitoring ./monitoring
RUN python -m venv /opt/hub && /opt/hub/bin/pip install --quiet .

FROM python:3.11-slim-bookworm
ENV PATH=/opt/hub/bin:$PATH PYTHONUNBUFFERED=1 HUB_INSTANCE_PATH=/var/lib/hub
RUN useradd --system --uid 10001 --home-dir /var/lib/hub --create-home hub
COPY --from=build /opt/hub /opt/hub
USER hub
WORKDIR /var/lib/hub
EXPOSE 8000
CMD ["gunicorn", "--config", "python:hub.gunicorn_conf", "hub.wsgi:app"]
