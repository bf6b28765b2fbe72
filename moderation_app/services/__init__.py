"""The service layer: the rules of huddles, accounts and reports.

Blueprints call these functions; nothing here reads the request. Each function that
changes data ends its unit of work with one commit and rolls back on error.
"""
