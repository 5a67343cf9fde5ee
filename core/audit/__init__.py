"""The audit trail made tamper-evident (docs/audit.md).

``chain``: each event of a tenant (the platform's own events form chain 0) carries the hash of
the one before it, computed over a canonical encoding of its fields, and is appended under a
per-chain head row updated in the writer's transaction, so concurrent writers never fork the
chain. ``signing``: the platform's Ed25519 key, sealed as proof keys are, signs checkpoints
(chain, position, head hash). ``verify`` recomputes a chain against its checkpoints and archives;
``offline`` checks an export with nothing but the export and the public key; ``archive`` moves
events past the retention period to storage as signed files — the only delete there is.

Nothing here imports a domain package: the tables are reached by name through raw SQL.
"""
