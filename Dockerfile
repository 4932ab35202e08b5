# The web and worker image of docker-compose.yml (Debian 12: GDAL, GEOS, PROJ, SpatiaLite).
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3.11 python3.11-venv gdal-bin libsqlite3-mod-spatialite \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
RUN python3.11 -m venv /venv
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e ".[prod]"
EXPOSE 8000
