"""Local stand-ins for the outside services (Tencent Cloud SMS, Alibaba Cloud SMS, WeChat):
small HTTP servers that check requests as the real ones document (signatures included) and
answer as they do, reached through the endpoint settings. Tests never reach the internet."""
