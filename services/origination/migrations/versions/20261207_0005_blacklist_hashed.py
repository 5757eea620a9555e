"""The blacklist holds no ID number (issue 16): a keyed hash to match, the masked form to show.

The migration only changes the table: the hash is keyed with LOANFLOW_SECRETS_KEY, which a migration does
not get (Alembic is handed the database URL alone, and the key the service runs with may come from its
settings object rather than the environment — hashing here with another key would silently empty the
blacklist). The service converts the rows still holding a plain ID number when it starts
(`adapters/blacklist.hash_listed_id_numbers`, idempotent), before it answers any request.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from alembic import op

from services.origination.adapters import blacklist
from shared.migrate import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, blacklist.DDL)


def downgrade() -> None:
    # entries listed by hash only cannot be turned back into ID numbers: they are dropped
    execute_script(op, blacklist.UNDO)
