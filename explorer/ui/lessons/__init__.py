"""Lessons: the Lessons page's player, the running lesson's panel docked on the real pages (dock, point.js), and a
step's texts filled from the models; while a class waits on the list, the code its pages draw with (warm, warm.js).
"""
