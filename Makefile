# The two set-up commands of the README, and the developer's checks.
.PHONY: demo test check lint bench setup

setup:
	tools/setup.sh

demo: setup        ## generate a sample portfolio, ingest, score, serve API and UI
	.venv/bin/riskgraph demo

test:              ## the whole test suite, with a real Neo4j server
	tools/test.sh

lint: setup
	.venv/bin/python -m ruff check riskgraph ingest graph gnn api tests bench
	.venv/bin/python -m mypy riskgraph ingest graph

check: lint test

bench: setup       ## every benchmark, one after the other (results in bench/results/)
	.venv/bin/python bench/bench_ingest.py
	.venv/bin/python bench/bench_contagion.py
	.venv/bin/python bench/bench_linked.py
	.venv/bin/python bench/bench_api.py
	test ! -f bench/bench_gnn.py || .venv/bin/python bench/bench_gnn.py
