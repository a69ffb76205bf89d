"""Training from the app: the Train page's live training and scorer race, the Timelapse page, and the job manager's
Streamlit side.
"""
