# syntax=docker/dockerfile:1
# One image for every role of OneXperience Booking:
#   web        (default)  gunicorn -c config/gunicorn.conf.py "booking:create_app()", behind nginx
#                         (compose.yaml's proxy: the official nginx image), never published itself
#   ingest                onexp ingest
#   scheduler             onexp scheduler
#   migrations            onexp db upgrade
# It runs as an unprivileged user and expects ONEXP_* settings from the environment
# (ONEXP_ENV=production refuses to start on development settings; see README, "Running in production").

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: install the project and its dependencies into a virtualenv ---------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Every dependency ships wheels (psycopg[binary] included), so no compiler is needed.
COPY pyproject.toml README.md ./
COPY booking ./booking
COPY sensors ./sensors
COPY onexp ./onexp
COPY config ./config
# The pages' translations: .po in git, .mo built here (as `make install` does), before packaging.
RUN pip install --no-cache-dir "Babel>=2.12,<3" \
    && pybabel compile -d booking/translations
# Not editable: the package, its migrations, templates, translations and config files land in site-packages.
RUN pip install --no-cache-dir . \
    && python -c "import onexp.cli, booking, sensors, config.settings"

# --- runtime: the virtualenv and the gunicorn config, nothing else ---------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="OneXperience Booking" \
      org.opencontainers.image.description="Venue booking wired to occupancy sensors: web, ingest and scheduler roles"
RUN groupadd --system --gid 10001 onexp \
    && useradd --system --no-log-init --uid 10001 --gid onexp --home-dir /nonexistent --shell /usr/sbin/nologin onexp
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ONEXP_ENV=production \
    ONEXP_LOG_FORMAT=json
WORKDIR /app
# Only gunicorn reads this by path; `import config` resolves to the installed package.
COPY config/gunicorn.conf.py ./config/gunicorn.conf.py
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "booking:create_app()"]
