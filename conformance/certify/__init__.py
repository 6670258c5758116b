"""``worldspec certify``: run the whole kit against a World and write a report to publish.

The kit runs in a pytest subprocess (``--world-report`` for the outcomes, ``progress_plugin``
for live progress and failure details); this package judges the certification level and writes
``report.json``, ``report.md``, ``report.html`` and ``badge.svg``. See docs/certify.md and
docs/certification-levels.md.
"""
