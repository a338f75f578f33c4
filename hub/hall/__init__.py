"""The hall (全景导引): each center's windows, what they handle, and its floor plan."""
