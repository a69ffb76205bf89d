"""The frame's parts on every page: language, colour scale, pieces, presentation mode, focus ring, layout, the
sidebar's page links and the page's chrome (chrome.js).
"""
