"""The scheduled jobs: which job runs when. Each job calls one service.

APScheduler runs them in one dedicated process (`flask --app wsgi worker`); `flask --app wsgi
jobs run NAME` runs one once. Every run is recorded under a unique (job, scheduled slot) key,
so a second scheduler, a restart or an operator's manual run never does the same slot twice.
"""
