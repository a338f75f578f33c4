"""What citizens reach without signing in: the progress of whatever they hold a receipt
for (by number and code). Other public endpoints live with their own domain."""
