FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY monitor ./monitor
COPY connectors ./connectors
COPY alembic ./alembic
RUN pip install --no-cache-dir -e . && useradd --create-home monitor
USER monitor
ENV MONITOR_CONFIG=/config/monitor.toml
EXPOSE 8000
CMD ["monitor", "api"]
