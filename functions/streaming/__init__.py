"""streaming: dashboard WebSocket connections and pushes of proposal and outcome changes."""
