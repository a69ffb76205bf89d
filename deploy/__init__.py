"""Serving a lecture hall: several app replicas behind nginx with sticky sessions, plus one Redis (cluster.py)."""
