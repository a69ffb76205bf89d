"""The Hidden states page's sections."""
