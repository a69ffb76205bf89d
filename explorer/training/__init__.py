"""Training from the app's Train page: each run in a worker process of its own, its limits, its saving.

- `settings`: what a training or a race may be (JobSettings, RaceSettings), the page's limits
- `data`: where a corpus task's data file is found
- `events`: the events a worker writes and how the page reads them (why a run ended, an error's message)
- `worker`: what runs in a training's own process
- `manager`: the server's jobs: starting, watching and stopping worker processes (JobManager)
- `saving`: a finished training or race saved into the user models folder
"""
