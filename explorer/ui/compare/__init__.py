"""The Compare page's sections: every scorer's run on one sentence."""
