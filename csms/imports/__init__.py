"""Bulk imports of files (CSV, JSON, Excel) and exports, from manage.py and the admin.

The apps' resources (chargepoints/resources.py, accounts/resources.py) say
what a line means; this package reads files, checks columns, runs the
import and reports it, the same way for every import.
"""
