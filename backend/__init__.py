"""Image Automation: photo sets in, reviewed and published website images out."""

__version__ = "0.1.0"
