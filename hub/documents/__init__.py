"""Documents the hall prints for the applicant: the acceptance notice (受理通知书), the
one-time notice of missing materials (一次性告知书) and the decision (准予/不予行政许可决定书)."""
