"""The lab: a local web page where a student moves a scenario's controls and sees the run change.

``model`` holds the session (runs, previous and pinned runs, KPI changes) without any web
framework; ``app`` builds the Panel page on it; ``checks`` checks a ``lab:`` section's KPI names.
"""
