"""authorizer: Lambda REQUEST authorizer of the dashboard WebSocket `$connect` (Cognito JWT in `?token=`)."""
