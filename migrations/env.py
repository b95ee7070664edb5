"""The one Alembic environment for both histories: ``control`` and ``tenant``.

``argus migrate`` (``argus.platform.core.migrate``) passes, through ``Config.attributes``:
``target`` (``control`` or ``tenant``), ``schema`` (the database to migrate) and ``connection``
(an open synchronous connection). Scripts never name a schema: the connection carries
``schema_translate_map={None: schema}`` and the version table lives in that schema.
"""

from __future__ import annotations

from alembic import context

from argus.platform.core.migrate import metadata_for

config = context.config
target = config.attributes["target"]
schema = config.attributes["schema"]
connection = config.attributes.get("connection")

if connection is None:
    raise SystemExit("run migrations with `argus migrate`, which supplies the connection")

connection = connection.execution_options(schema_translate_map={None: schema})
context.configure(
    connection=connection,
    target_metadata=metadata_for(target),
    version_table_schema=schema,
    transaction_per_migration=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
