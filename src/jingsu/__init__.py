"""jingsu (징수): local-tax arrears collection for Korean local governments."""

__version__ = "0.1.0"
