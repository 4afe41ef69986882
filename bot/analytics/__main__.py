"""``python -m bot.analytics ingest [--follow] | backfill [--url URL] | snapshot``."""

from __future__ import annotations

import sys

from bot.analytics.cli import main

sys.exit(main())
