"""主管看板 (supervisors only): 动态监测 and 咨询情况, the rows behind every figure, CSV/Excel exports.

The console mounts ``bp`` and shows ``NAV``; importing the package registers the routes of its page modules.
"""

from __future__ import annotations

from bot.staff.pages.dashboard import panels, rows  # noqa: F401  (their routes live on bp)
from bot.staff.pages.dashboard.common import NAV, bp

__all__ = ["NAV", "bp"]
