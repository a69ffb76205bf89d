"""Training from the app's Train page: each run in a worker process of its own, its limits, its saving."""
