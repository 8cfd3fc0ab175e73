# The riskgraph API image (docker-compose.yml runs it beside the official Neo4j image).
# Stage 1 builds the investigator UI (web/ -> web/dist) with the pinned npm packages.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/build.mjs ./
COPY web/src src
RUN node build.mjs

FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY riskgraph riskgraph
COPY ingest ingest
COPY graph graph
COPY gnn gnn
COPY api api
COPY --from=web /web/dist web/dist
RUN pip install --no-cache-dir --no-deps -e .
ENV RISKGRAPH_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
ENTRYPOINT []
CMD ["riskgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
