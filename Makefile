# Shortcuts for the two commands in the README (each sets up .venv first) and the docs site.
.PHONY: run test test-slow test-browser lint docs docs-check

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

test-slow:
	bash scripts/test.sh -m slow

test-browser:
	bash scripts/test.sh -m browser

docs:
	bash scripts/docs.sh

docs-check:
	bash scripts/docs.sh --check

lint:
	.venv/bin/ruff check keras_gen tests examples
