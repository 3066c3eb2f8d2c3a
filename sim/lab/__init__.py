"""The lab: a local web page where a student moves a scenario's controls and sees the run change.

``model`` holds the session (runs, previous and pinned runs, KPI changes, the challenge) without
any web framework; ``controls`` the controls it offers, ``defaults`` those of a file without a
``lab:`` section, ``numbers`` how every number is written; ``app`` builds the Panel page on it;
``checks`` checks a ``lab:`` section's KPI names.
"""
