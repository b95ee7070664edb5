"""The one Alembic environment for both histories: ``control`` and ``tenant``.

``argus migrate`` (``argus.platform.core.migrate``) passes, through ``Config.attributes``:
``target`` (``control`` or ``tenant``), ``schema`` (the database to migrate) and ``connection``
(an open synchronous connection). Scripts never name a schema: the connection carries
``schema_translate_map={None: schema}`` and the version table lives in that schema.
"""

from __future__ import annotations

from alembic import context

from argus.platform.core.migrate import check_target_schema, metadata_for
from argus.platform.models import load_models

config = context.config
target = config.attributes["target"]
schema = config.attributes["schema"]
connection = config.attributes.get("connection")

if connection is None:
    raise SystemExit("run migrations with `argus migrate`, which supplies the connection")
check_target_schema(target, schema)
load_models()

# Alembic's ALTER operations (add_column, ...) do not go through the translate map, so the
# migration connection also makes the schema its default database. upgrade_schema() discards
# the connection afterwards, so this never leaks into a pooled connection.
connection.exec_driver_sql(f"USE `{schema}`")
connection = connection.execution_options(schema_translate_map={None: schema})
context.configure(
    connection=connection,
    target_metadata=metadata_for(target),
    version_table_schema=schema,
    transaction_per_migration=False,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
