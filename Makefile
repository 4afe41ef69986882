# 就业帮扶助手 — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP_INSTALL := $(VENV)/.installed
STAMP_MODEL := models/.trained
TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f 2>/dev/null | sort)

# Rasa must never phone home: the service runs on closed networks.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0
export SQLALCHEMY_WARN_20 := 1

.PHONY: help setup run test lint format train shell db eval bench purge wechat-menu constraints clean browser bench-dashboard \
	haproxy cluster bench-cluster

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP_INSTALL): pyproject.toml constraints.txt
	@py=$$(scripts/find-python) || exit 1; \
	 if [ ! -x $(PY) ]; then echo "创建虚拟环境 $(VENV)（$$py）"; "$$py" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

setup: $(STAMP_INSTALL) ## Create .venv and install pinned dependencies

$(STAMP_MODEL): $(STAMP_INSTALL) $(TRAINING_INPUTS)
	$(RASA) train --quiet --fixed-model-name assistant --out models
	@touch $@

train: $(STAMP_MODEL) ## Train the model when data, config or domain changed

db: $(STAMP_INSTALL) ## Migrate the case database and seed demo data when empty
	$(PY) -m bot db

run: $(STAMP_MODEL) db ## Set up everything and serve: Rasa on :5005, actions on :5055
	@$(PY) -m bot serve

shell: $(STAMP_MODEL) db ## Chat in the terminal with the action server running
	@$(PY) -m bot shell

lint: $(STAMP_INSTALL) ## Lint, format check and type check (ruff, mypy)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP_INSTALL) ## Format the code (ruff)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

browser: ## Install headless Chromium and a Chinese font (Debian packages) for the console's browser tests when missing
	@{ command -v chromium && fc-list :lang=zh | grep -q .; } >/dev/null 2>&1 || { echo "安装 chromium 和中文字体（浏览器测试需要）"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei; }

test: $(STAMP_MODEL) browser haproxy ## Every check: pip check, lint, pytest, data validation, training, conversation tests
	$(PY) -m pip check
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest
	$(RASA) data validate --fail-on-warnings
	$(RASA) test core --model models/assistant.tar.gz --stories tests/conversations \
	  --fail-on-prediction-errors --out results/core
	@echo "make test: 全部检查通过"

eval: $(STAMP_MODEL) ## Policy answers vs. the BM25 baseline, the answer-fit sets and the NLU report (all run; fails if one fails)
	@status=0; \
	 $(PY) -m evaluation.policy_answers || status=1; \
	 $(PY) -m evaluation.answer_sets || status=1; \
	 $(PY) -m evaluation.policy_answers --questions tests/employer_eval/questions.yml --min-share 0.90 || status=1; \
	 $(PY) -m evaluation.never_stuck || status=1; \
	 $(PY) -m evaluation.nlu_report || status=1; \
	 exit $$status

bench: $(STAMP_MODEL) ## The assistant vs. a bare-Rasa floor under 1, 10 and 50 concurrent REST senders
	$(PY) -m evaluation.bench

# The cluster keeps its state where several processes can share it: PostgreSQL (one schema each for the cases, the
# conversations and the event broker) and Redis, as this machine runs them. Override any of them in the environment.
CLUSTER_PG ?= postgresql+psycopg2://root@127.0.0.1:5432/test
CLUSTER_ENV = CASE_DB_URL=$${CASE_DB_URL:-$(CLUSTER_PG)?options=-csearch_path%3Djiuye_cases} \
	TRACKER_DB_URL=$${TRACKER_DB_URL:-$(CLUSTER_PG)?options=-csearch_path%3Djiuye_tracker} \
	EVENT_BROKER_URL=$${EVENT_BROKER_URL:-$(CLUSTER_PG)?options=-csearch_path%3Djiuye_events} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0}

haproxy: ## Install HAProxy (Debian package) for the cluster when missing
	@command -v haproxy >/dev/null 2>&1 || { echo "安装 haproxy（集群的负载均衡）"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }

cluster: $(STAMP_MODEL) haproxy ## CLUSTER_RASA Rasa processes and CLUSTER_ACTIONS action servers behind HAProxy on :5005/:5055
	@$(CLUSTER_ENV) $(PY) -m bot cluster

bench-cluster: $(STAMP_MODEL) haproxy ## 50 WeChat users on a cluster while an action server, a Rasa process and PostgreSQL fail
	$(PY) -m evaluation.bench.cluster

bench-dashboard: $(STAMP_INSTALL) ## Dashboard queries over a year of a city (200k persons, 5M turns) on SQLite and PostgreSQL
	$(PY) -m bot.analytics.bench

purge: $(STAMP_INSTALL) ## Remove or anonymise data past its retention period (RETENTION_*_DAYS); run daily from cron
	$(PY) -m bot purge

wechat-menu: $(STAMP_INSTALL) ## Publish the WeChat menu (bot/channels/wechat/menu.yml) with the settings in .env
	@set -a; [ -f .env ] && . ./.env; set +a; $(PY) -m bot.channels.wechat menu

constraints: ## Regenerate constraints.txt from the current .venv
	@{ head -2 constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -vi '^jiuye'; } > constraints.tmp && mv constraints.tmp constraints.txt

clean: ## Remove the virtual environment, models, results and the local database
	rm -rf $(VENV) models results reports var
