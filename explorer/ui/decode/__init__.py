"""The Decode page: its settings (inputs), the stepper that owns the step in the browser (stepper, stepper.js,
heatmap_draw.js) and the panels that follow the step (sections).
"""
