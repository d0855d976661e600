"""The clinicians' web app (``strokescreen serve``): it calls the library, holds no science.

main      ``create_app(AppSettings)``: middleware, routes, lifespan (job dispatcher)
settings  ``AppSettings`` (frozen; ``validate()``), the analysis callable it injects
web       HTML pages (sign in, new assessment: upload or record, progress, result, list)
api       JSON API under ``/api/v1`` with bearer tokens
jobs      the queue: bounded worker pool over the ``jobs`` table, restart recovery
uploads   streamed, size-bounded uploads checked by content (magic bytes + PyAV probe)
security  argon2 passwords, hashed API tokens, session secret, CSRF tokens
db        SQLite (WAL) schema: users, api_tokens, jobs, audit
"""
