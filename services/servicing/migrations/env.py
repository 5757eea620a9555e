from shared.migrate import run_alembic_env

run_alembic_env()
