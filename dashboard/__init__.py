"""群析 Qunxi: local-first engagement analytics for group chats."""

__version__ = "0.1.0"
