"""Service-center hub: the district–street data center of the Shenhe district service center."""

__version__ = "0.1.0"
