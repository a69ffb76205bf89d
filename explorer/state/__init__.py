"""The view state: the typed view, its links in and out of the URL, the session keys, which models exist."""
