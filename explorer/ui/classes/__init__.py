"""Live classes: the teacher's side (teacher, members), the students' (student, push and its follow.js), the room's
event stream (stream), what both share (state) and the tab that keeps a class across reloads (memory,
tab_memory.js).
"""
