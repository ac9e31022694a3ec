"""notifications: customer notification preferences, templates and the notification log

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:50:00
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the notifications work


def downgrade() -> None:
    pass
