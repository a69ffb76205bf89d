"""What the server sends besides pages: the security headers and the backend address written into the page."""
