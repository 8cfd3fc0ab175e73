FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.lock
COPY riskgraph riskgraph
COPY ingest ingest
COPY graph graph
COPY gnn gnn
COPY api api
RUN pip install --no-cache-dir --no-deps -e .
ENTRYPOINT []
CMD ["riskgraph", "--help"]
