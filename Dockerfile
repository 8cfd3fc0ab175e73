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
ENV RISKGRAPH_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
ENTRYPOINT []
CMD ["riskgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
