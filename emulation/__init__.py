"""Emulation clusters and blocks (cụm, khối thi đua): the year's division, heads and deputies."""
