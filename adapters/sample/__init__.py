"""Sample center systems: a fake export interface served on 127.0.0.1 (for tests, the
benchmark and the demo), sample data, and the nightly drop files of a few centers."""
