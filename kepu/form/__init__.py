"""The official form the city sends out each September (`kepu template`, SPEC §2.3)."""
