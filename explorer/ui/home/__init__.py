"""The home page's sections: the live example and the ways in."""
