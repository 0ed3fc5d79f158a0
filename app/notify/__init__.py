"""Messages to families on every channel: the inbox, SMS and WeChat (see docs/messaging.md)."""
