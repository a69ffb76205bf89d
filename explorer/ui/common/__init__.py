"""What every feature uses: the cached loaders and computations, the view's pickers, the Markdown escaper,
publishing a view, and the shared in-page components (bars, keys) with the one reader of every feature's
scripts.
"""
