"""Files kepu hands to people: the blank official form and, for the demo and tests, filled copies of it."""
