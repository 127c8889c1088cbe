"""Import and export (issue 8): customers from the core, orders and equipment from plugins.

``readers`` (CSV, .xlsx, vCard as rows of text), ``cells`` (dates and numbers in the file's
language), ``engine`` (mapping, checking, the two passes, nothing half-saved),
``customers`` (the core's importer and exporter), ``writers`` (streamed CSV/.xlsx/vCard,
CSV-injection neutralised), ``service`` (runs, profiles, the job), ``views`` and ``cli``.
docs/importing.md is the user's and plugin author's guide.
"""
