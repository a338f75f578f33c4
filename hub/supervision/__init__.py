"""E-supervision (电子监察): the indicators officials judge the centers by."""
