"""The provincial portal (Cổng dịch vụ công) and one-stop software calling in with an API key."""
