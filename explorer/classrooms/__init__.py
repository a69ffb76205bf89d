"""Live classes: a teacher's view followed by students' sessions, questions and answers (no streamlit).

This package holds the room store, the shared state of every live class, and what goes with it:

- store.py        the interface (`RoomStore`), its dataclasses and limits, the checks of every value
                  written or read back; it re-exports the errors
- errors.py       the errors a user reads (`ClassError` and one class per refusal), marked for translation
- stores.py       `open_store()`: Redis when ATTENTION_EXPLORER_REDIS_URL is set, else the embedded store
- memory.py       the embedded store: one process, thread-safe (Streamlit runs sessions in threads)
- redis_store.py  the Redis store, shared by replicas; atomic updates in Lua; everything read is validated
- codes.py        join codes, teacher tokens (the store keeps their hash) and member ids
- attempts.py     a session's join attempts, rate-limited
- export.py       the CSV of one class's questions and answers
- follow.py       the pages' side: the teacher's view as a link, what moved, the questions from a decode
"""
