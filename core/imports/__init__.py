"""Bulk imports from CSV and XLSX files: learners (catalog entries and rules to follow).

``reader`` streams rows and maps headers; ``learners`` checks and writes learner accounts;
``cli`` is ``creditbank import learners``.
"""
