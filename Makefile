# Shortcuts for the two commands in the README; each sets up .venv first.
.PHONY: run test test-slow lint

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

test-slow:
	bash scripts/test.sh -m slow

lint:
	.venv/bin/ruff check keras_gen tests examples
