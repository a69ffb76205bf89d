"""The Lab page's sections: attention beside the importances."""
