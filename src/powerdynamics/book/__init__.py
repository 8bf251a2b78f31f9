"""The HTML book: the course's Sphinx extension and the cleaning of stored notebook outputs."""
