"""The demo shop that `make run` loads into an empty database (`sellerdesk demo --if-empty`)."""
