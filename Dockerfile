FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml setup.py README.md alembic.ini ./
COPY monitor ./monitor
COPY connectors ./connectors
COPY alembic ./alembic
# a real install, not editable: the migrations ship inside the package (setup.py)
RUN pip install --no-cache-dir . && useradd --create-home monitor
USER monitor
ENV MONITOR_CONFIG=/config/monitor.toml
EXPOSE 8000
CMD ["monitor", "api"]
