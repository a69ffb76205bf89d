"""The Train page's settings under the name bench/ imports them by; the app imports explorer.training.settings."""

from explorer.training.settings import JobSettings, RaceSettings, embedding_size_for, task_bar

__all__ = ["JobSettings", "RaceSettings", "embedding_size_for", "task_bar"]
