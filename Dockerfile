FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/backprop.db \
    CURRICULUM_PATH=/app/curriculum

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY curriculum ./curriculum
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 backprop \
    && mkdir -p /data && chown backprop:backprop /data

USER backprop
VOLUME ["/data"]
# The token comes from the environment at run time (docker run -e DISCORD_TOKEN=... or --env-file).
CMD ["backprop", "run"]
